# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`: run a playbook twice against one API emulator; the second run must change nothing.

playbooks/demo.yml provisions one sandbox through the pipeline and another directly through the sandbox API
(then configures it through the buddy_sandbox connection), so both paths are shown, each changing nothing the
second time.

Usage: python tools/demo.py PLAYBOOK

Starts the emulator with its wrapper in tests/emulator (which exports BUDDY_API_URL, BUDDY_TOKEN,
BLINK_API_URL and BLINK_API_KEY to its command) and, inside it, runs ansible-playbook PLAYBOOK
twice: once to configure, once to show that the configuration holds (every host ``changed=0``).

Runs the ansible-playbook beside the Python that runs it (`make demo`: .work/venv-demo) and writes
nothing outside the clone: ansible's home directory, its local and "remote" (localhost) temporary
files all go to .work/demo.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The emulator's command wrapper (its file name has changed once; either is accepted).
WRAPPERS = [os.path.join(ROOT, 'tests', 'emulator', name) for name in ('with_emulator.py', 'wrap.py')]
DEMO_HOME = os.path.join(ROOT, '.work', 'demo')
RECAP_LINE = re.compile(r'^\S+\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)')


def run_playbook(playbook: str, title: str) -> list[tuple[int, int, int]]:
    """Run ansible-playbook, echoing its output; return (changed, unreachable, failed) per host."""
    print('\n##### %s: ansible-playbook %s' % (title, playbook), flush=True)
    # The demo runs on the implicit localhost: no inventory needed, so no warnings about one.
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    # Nothing under ~/.ansible: ansible's home and both temporary directories inside the clone.
    env.update(ANSIBLE_HOME=os.path.join(DEMO_HOME, 'ansible'), ANSIBLE_LOCAL_TEMP=os.path.join(DEMO_HOME, 'tmp'),
               ANSIBLE_REMOTE_TEMP=os.path.join(DEMO_HOME, 'tmp'))
    env['PATH'] = os.pathsep.join([os.path.dirname(sys.executable), env.get('PATH', '')])
    # The emulated sandboxes run their commands on this machine: modules sent into them (sandbox_configure.yml,
    # through the buddy_sandbox connection) run with this Python, as the ones on localhost do.
    env['ANSIBLE_PYTHON_INTERPRETER'] = sys.executable
    process = subprocess.Popen(['ansible-playbook', playbook], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    recap = []
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        match = RECAP_LINE.match(line.strip())
        if match:
            recap.append(tuple(int(value) for value in match.groups()))
    sys.stdout.flush()
    if process.wait() != 0:
        raise SystemExit('%s: ansible-playbook failed (exit %d)' % (title, process.returncode))
    if not recap:
        raise SystemExit('%s: no PLAY RECAP in the output' % title)
    return recap


def inside_emulator(playbook: str) -> int:
    """Configure, then re-run and insist on no changes."""
    run_playbook(playbook, 'run 1 (configure)')
    second = run_playbook(playbook, 'run 2 (must change nothing)')
    changed = sum(host[0] for host in second)
    if changed:
        print('\nDEMO FAILED: the second run changed %d task(s); the playbook is not idempotent' % changed)
        return 1
    print('\nDEMO OK: the second run changed nothing')
    return 0


def main() -> int:
    """Start the emulator around a second copy of this script, or be that copy."""
    if len(sys.argv) == 3 and sys.argv[1] == '--inside-emulator':
        return inside_emulator(sys.argv[2])
    if len(sys.argv) != 2:
        print('usage: python tools/demo.py PLAYBOOK', file=sys.stderr)
        return 2
    wrapper = next((path for path in WRAPPERS if os.path.exists(path)), '')
    if not wrapper:
        print('demo: no emulator wrapper in tests/emulator', file=sys.stderr)
        return 1
    if not os.path.exists(os.path.join(ROOT, sys.argv[1])):
        print('demo: %s does not exist (yet)' % sys.argv[1], file=sys.stderr)
        return 1
    os.makedirs(os.path.join(DEMO_HOME, 'tmp'), exist_ok=True)
    print('##### starting the API emulator (%s)' % os.path.relpath(wrapper, ROOT), flush=True)
    command = [sys.executable, wrapper, '--', sys.executable, os.path.abspath(__file__), '--inside-emulator', sys.argv[1]]
    return subprocess.call(command, cwd=ROOT)


if __name__ == '__main__':
    sys.exit(main())
