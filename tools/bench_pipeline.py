# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: one buddy_pipeline task against looped buddy_action tasks, on the emulator.

Prints, per scenario, the wall time of the ansible-playbook run and its requests by endpoint
(from the emulator's request log). Times depend on the machine; the request counts do not.

    .work/venv/bin/python tools/bench_pipeline.py [--actions 100] [--changed 10]

Scenarios, side by side on one pipeline of N actions that already match the declaration:
  1. buddy_pipeline, nothing changed;   2. N looped buddy_action tasks, nothing changed;
  3. buddy_pipeline with ``--changed`` actions changed;
  4. the sandbox_pipeline role's re-run that changes nothing (the provisioning flow's pipeline part);
  5. ``make demo``'s second run (playbooks/demo.yml run twice), by endpoint, and its pipeline part.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from emulator.control import BLINK_API_KEY, BUDDY_TOKEN, EmulatorControl, EmulatorProcess  # noqa: E402

WS, PROJECT, PIPELINE_ID, NAME = "acme", "website", 50, "Benchmark"
LOCATION = {"workspace": WS, "project_name": PROJECT}


# What the integration tests give the role (tests/integration/test_role_sandbox.py pipeline_vars).
ROLE_VARS = {"sandbox_pipeline_workspace": WS, "sandbox_pipeline_project_name": PROJECT,
             "sandbox_pipeline_pipeline_id": 1, "sandbox_pipeline_sandbox_identifier": "review-main",
             "sandbox_pipeline_spec": {"apps": ["./serve"]}, "sandbox_pipeline_test_image": "library/python",
             "sandbox_pipeline_test_commands": ["pytest"]}


def actions(count, changed=0):
    return [{"name": "step %03d" % index, "type": "SLEEP",
             "fields": {"sleep_in_sec": 2 if index < changed else 1}} for index in range(count)]


def pipeline_play(count, changed=0):
    task = {"opsflow.pipelines.buddy_pipeline": dict(LOCATION, pipeline_id=PIPELINE_ID, name=NAME,
                                                     actions=actions(count, changed))}
    return [{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]


def looped_play(count):
    task = {"opsflow.pipelines.buddy_action": dict(LOCATION, pipeline_id=PIPELINE_ID, name="{{ item.name }}",
                                                   type="{{ item.type }}", fields="{{ item.fields }}"),
            "loop": actions(count)}
    return [{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]


def endpoint(path):
    """A request path with its ids made generic, so that counts group by endpoint."""
    path = re.sub(r"/(content/upload|content|download)/.*$", r"/\1/{path}", path)
    return "/".join("{id}" if re.search(r"\d", segment) and segment != "v1" else segment
                    for segment in path.split("/"))


def run(url, control, playbook, workdir, label, playbook_path=None, extra=(), local=True):
    env = dict(os.environ, BUDDY_API_URL=url, BUDDY_TOKEN=BUDDY_TOKEN, BLINK_API_URL=url, BLINK_API_KEY=BLINK_API_KEY,
               ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".work", "collections"))
    path = playbook_path
    if path is None:
        path = os.path.join(workdir, "%s.yml" % re.sub(r"\W+", "_", label))
        with open(path, "w") as handle:
            json.dump(playbook, handle)
    mark = control.last_seq()
    started = time.monotonic()
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    inventory = ["-i", "localhost,", "-c", "local"] if local else []
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook")] + inventory
                          + [path] + list(extra), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False, cwd=ROOT)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.stdout.write(done.stdout.decode("utf-8", "replace")[-3000:])
        raise RuntimeError("%s: ansible-playbook failed" % label)
    counts = collections.Counter("%s %s" % (entry["method"], endpoint(entry["path"]))
                                 for entry in control.requests(mark))
    return elapsed, counts


def report(label, elapsed, counts):
    print("%-46s %7.2f s %5d requests" % (label, elapsed, sum(counts.values())))
    for key, value in sorted(counts.items()):
        print("    %4d  %s" % (value, key))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--changed", type=int, default=10)
    args = parser.parse_args()
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as workdir:
        control = EmulatorControl(emulator.url)
        seed = [dict({"name": item["name"], "type": item["type"]}, **item["fields"]) for item in actions(args.actions)]
        control.seed({"workspaces": {WS: {"projects": {PROJECT: {"pipelines": {
            str(PIPELINE_ID): {"name": NAME, "actions": seed}}}}}}})
        one = run(emulator.url, control, pipeline_play(args.actions), workdir, "pipeline")
        looped = run(emulator.url, control, looped_play(args.actions), workdir, "looped")
        report("1. buddy_pipeline, %d actions, no change" % args.actions, *one)
        report("2. %d looped buddy_action tasks, no change" % args.actions, *looped)
        print("   -> buddy_pipeline is %.1fx faster, %d vs %d requests\n" % (
            looped[0] / one[0], sum(one[1].values()), sum(looped[1].values())))
        changed = run(emulator.url, control, pipeline_play(args.actions, args.changed), workdir, "changed")
        report("3. buddy_pipeline, %d of %d actions changed" % (args.changed, args.actions), *changed)
        role = os.path.join(ROOT, "tests", "integration", "playbooks", "role_sandbox_pipeline.yml")
        if os.path.exists(role):
            control.reset()
            values = os.path.join(workdir, "role_vars.json")
            with open(values, "w") as handle:
                json.dump(ROLE_VARS, handle)
            extra = ("-e", "@" + values)
            run(emulator.url, control, None, workdir, "role first", playbook_path=role, extra=extra)
            report("4. sandbox_pipeline role re-run, no change", *run(
                emulator.url, control, None, workdir, "role again", playbook_path=role, extra=extra))
        demo = os.path.join(ROOT, "playbooks", "demo.yml")
        if os.path.exists(demo):
            control.reset()
            try:
                run(emulator.url, control, None, workdir, "demo first", playbook_path=demo, local=False)
                elapsed, counts = run(emulator.url, control, None, workdir, "demo again", playbook_path=demo,
                                      local=False)
            except RuntimeError as error:
                print("5. make demo's second run: not measured (%s)" % error)
            else:
                part = collections.Counter(dict((key, value) for key, value in counts.items()
                                                if "/pipelines/" in key and "/executions" not in key))
                print("5. make demo's second run: %d requests in %.2f s, all GET: %s" % (
                    sum(counts.values()), elapsed, all(key.startswith("GET ") for key in counts)))
                report("   its pipeline part (the pipeline and its actions)", elapsed, part)
    return 0


if __name__ == "__main__":
    sys.exit(main())
