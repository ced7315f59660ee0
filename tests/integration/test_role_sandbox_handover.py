# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15 item 7: provisioning interrupted (SIGTERM) right after the run POST still hands over on a re-run.

The first play is really stopped: ansible-playbook runs in its own session, the emulator holds the first
poll of the run (a ``slow`` fault) so the play can't get past the POST, the test waits for the POST in the
emulator's request log (the signal) and sends SIGTERM to the play's process group, as a terminal or a
service manager does. The run goes on in the emulator; the test waits for it to end in the emulator's
state (a condition, not a timing), then re-runs the play.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import time

from test_role_sandbox import BLINK_EXECUTE, EXECUTIONS, PROVISION, blink_executions, provision_vars, runs, sandboxes

BOUND = 300.0  # seconds any wait on the emulator may take before the test gives up (never reached when it works)


def wait_for(condition, what):
    """Poll the emulator until ``condition()`` holds (bounded); the emulator's log or state is the signal."""
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, 'gave up waiting for %s' % what
        time.sleep(0.05)


def start_playbook(ansible_env, tmp_path, extra_vars):
    vars_file = tmp_path / 'interrupted-vars.json'
    vars_file.write_text(json.dumps(extra_vars))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               PROVISION, '-e', '@%s' % vars_file]
    env = dict(ansible_env, OPSFLOW_RESULTS_FILE=str(tmp_path / 'interrupted-results.jsonl'))
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, start_new_session=True)


def test_a_play_stopped_after_the_run_post_hands_over_on_the_re_run(emulator, run_playbook, ansible_env, tmp_path):
    values = provision_vars()
    # Hold the play right after its POST: the first poll of the run is answered only after a minute.
    emulator.add_fault(kind='slow', method='GET', path=r'/pipelines/1/executions/[0-9]+$', delay=60)
    play = start_playbook(ansible_env, tmp_path, values)
    try:
        wait_for(lambda: emulator.count('POST', EXECUTIONS) == 1 or play.poll() is not None, 'the run POST')
        assert play.poll() is None, 'the play ended before its run POST:\n%s' % play.communicate()[0]
        os.killpg(play.pid, signal.SIGTERM)
        output = play.communicate(timeout=BOUND)[0]
    finally:
        if play.poll() is None:
            os.killpg(play.pid, signal.SIGKILL)
            play.wait()
    assert play.returncode != 0, output
    assert 'Tell BlinkOps about the sandbox' not in output
    emulator.clear_faults()

    (record,) = runs(emulator)
    wait_for(lambda: emulator.state()['executions'][str(record['id'])]['status'] == 'SUCCESSFUL', 'the run to end')
    assert blink_executions(emulator) == []  # the interrupted play never told BlinkOps

    emulator.clear_requests()
    again = run_playbook(PROVISION, extra_vars=values)
    # No second run: the sandbox is up and the flow unchanged; the missed hand-over happens, for run 1.
    assert emulator.count('POST', EXECUTIONS) == 0 and len(runs(emulator)) == 1
    assert emulator.count('POST', BLINK_EXECUTE) == 1
    (execution,) = blink_executions(emulator)
    box = sandboxes(emulator)['review-main']
    assert execution['inputs']['run_url'].endswith('/pipelines/pipeline/1/execution/%s' % record['id'])
    assert execution['inputs']['run_status'] == 'SUCCESSFUL' and execution['inputs']['sandbox_id'] == box['id']
    summary = '\n'.join(again.task('opsflow.pipelines.sandbox_provision : Summary')['msg'])
    assert 'Run: #%s SUCCESSFUL' % record['id'] in summary
    result = again.task('opsflow.pipelines.sandbox_provision : Record the result')['ansible_facts']['sandbox_provision_result']
    assert str(result['run']['id']) == str(record['id']) and result['blink']['state'] == 'Completed'  # '1' on 2.16
    assert ['BlinkOps was not told about it' in reason for reason in result['run']['reasons']] == [True]
    assert 'BlinkOps: workflow wf-notify, execution %s' % execution['id'] in summary

    # Once told, a re-run tells nobody anything again and writes nothing.
    emulator.clear_requests()
    third = run_playbook(PROVISION, extra_vars=values)
    assert emulator.writes() == [] and len(blink_executions(emulator)) == 1
    # What the hand-over check costs a no-change re-run: one page of the pipeline's runs, one BlinkOps listing.
    assert emulator.count('GET', EXECUTIONS) == 1
    assert emulator.count('GET', r'^/api/v1/workspace/ws-emulator/executions$') == 1
    summary = '\n'.join(third.task('opsflow.pipelines.sandbox_provision : Summary')['msg'])
    assert 'Run: not needed' in summary


def test_check_mode_says_the_missed_hand_over_would_happen_and_writes_nothing(emulator, run_playbook):
    # A play without a workflow set runs the pipeline and tells nobody; the next play has one.
    run_playbook(PROVISION, extra_vars=provision_vars(sandbox_provision_blink_workflow_id=None))
    (record,) = runs(emulator)
    emulator.clear_requests()
    outcome = run_playbook(PROVISION, extra_vars=provision_vars(), check=True)
    assert emulator.writes() == [] and blink_executions(emulator) == []
    summary = '\n'.join(outcome.task('opsflow.pipelines.sandbox_provision : Summary')['msg'])
    assert 'run %s ended SUCCESSFUL but BlinkOps was not told about it' % record['id'] in summary
    assert 'would execute workflow wf-notify' in summary


def test_a_newest_run_waiting_for_approval_is_no_hand_over_and_no_failure(emulator, run_playbook):
    values = provision_vars()
    run_playbook(PROVISION, extra_vars=values)
    emulator.seed_actions('acme', 'website', 1, [{'name': 'Approve', 'type': 'WAIT_FOR_APPLY'}])
    run_playbook("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Start a run that will wait for approval
      opsflow.pipelines.buddy_pipeline_run: {workspace: acme, project_name: website, pipeline_id: 1, wait: false}
""")
    wait_for(lambda: runs(emulator)[-1]['status'] == 'WAITING_FOR_APPLY', 'the run to wait')
    emulator.clear_requests()
    again = run_playbook(PROVISION, extra_vars=values)
    assert emulator.writes() == [] and len(blink_executions(emulator)) == 1
    assert again.task('opsflow.pipelines.sandbox_provision : Read the pipeline\'s newest run')['waiting_action']['name'] == 'Approve'
