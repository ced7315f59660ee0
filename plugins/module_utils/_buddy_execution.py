# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""One pipeline run: buddy_pipeline_run's and buddy_pipeline_execution's logic.

The modules are their docs plus ``main()``; what a task decides and sends lives here, over
the executions client (``_buddy_executions``), so that both modules share one wait spec,
one follower and one way of reporting a run.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_executions import (
    APPROVAL_STATUS,
    NO_RUN,
    PRIORITIES,
    RETRYABLE_STATUSES,
    RunFailedError,
    RunFollower,
    approve_choice,
    build_run_payload,
    describe_action,
    follow_run,
    ignored_failures,
    is_finished,
    run_details,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ApiError, OpsflowError, ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import (
    Deadline,
    check_wait_options,
    timeout_message,
)

# Both modules wait for a run alike; their docs share the _buddy.RUN_WAIT fragment (a unit test compares them).
RUN_WAIT_SPEC = ArgumentSpec(dict(
    wait_timeout=dict(type="int", default=1800),
    poll_interval=dict(type="float", default=5.0),
))

RUN_SPEC = ArgumentSpec(dict(
    to_revision=dict(type="raw"),
    branch=dict(type="raw"),
    tag=dict(type="raw"),
    comment=dict(type="str"),
    refresh=dict(type="bool"),
    clear_cache=dict(type="bool"),
    priority=dict(type="str", choices=list(PRIORITIES)),
    variables=dict(type="list", elements="dict", options=dict(
        key=dict(type="str", required=True, no_log=False),
        # A secret only when encrypted: secret_values (the module's secret_finder) masks those values.
        value=dict(type="str", no_log=False),
        encrypted=dict(type="bool", default=False),
    )),
    actions_to_run=dict(type="list", elements="int"),
    approve=dict(type="raw", default=False),
    wait=dict(type="bool", default=True),
    cancel_on_timeout=dict(type="bool", default=False),
), mutually_exclusive=[("branch", "tag")]).merge(RUN_WAIT_SPEC)

OPERATIONS = ("wait", "cancel", "retry", "approve")
EXECUTION_SPEC = ArgumentSpec(dict(
    execution_id=dict(type="int"),
    last=dict(type="bool", default=False),
    operation=dict(type="str", choices=list(OPERATIONS), default="wait"),
    approve=dict(type="raw"),
    wait=dict(type="bool", default=True),
), mutually_exclusive=[("execution_id", "last")]).merge(RUN_WAIT_SPEC)

Warn = Callable[[str], None]


def start_run(client: Any, params: Dict[str, Any], check_mode: bool, warn: Warn) -> Dict[str, Any]:
    """buddy_pipeline_run: start a run and, unless wait is false, follow it to its end."""
    check_wait_options(params)
    approve = approve_choice(params["approve"])
    payload = build_run_payload(params)
    location = PipelineLocation.from_params(params, pipelines=client.pipelines)
    if check_mode:
        client.pipelines.get_pipeline(location)
        return dict(changed=True, **NO_RUN)
    execution = client.executions.run_pipeline(location, payload)
    if not params["wait"]:
        return dict(changed=True, **run_details(execution))
    details = follow_run(client.executions, location, execution, params["wait_timeout"], params["poll_interval"],
                         params["cancel_on_timeout"], approve=approve, warn=warn)
    for summary in ignored_failures(details["execution"]):
        warn("run %s succeeded although %s (its errors are ignored)"
             % (details["execution_id"], describe_action(summary)))
    return dict(changed=True, **details)


def check_target(params: Dict[str, Any]) -> None:
    """execution_id or last: true, checked before any request."""
    execution_id = params.get("execution_id")
    if execution_id is None and not params["last"]:
        raise ValidationError("one of execution_id or last: true is required", options=["execution_id", "last"])
    if execution_id is not None and (isinstance(execution_id, bool) or execution_id < 1):
        raise ValidationError("execution_id must be the ID of a run, a positive integer, got %r" % execution_id,
                              options=["execution_id"])


def find_run(client: Any, location: PipelineLocation, params: Dict[str, Any]) -> Dict[str, Any]:
    if params.get("execution_id") is not None:
        return client.executions.get_execution(location, params["execution_id"])
    execution = client.executions.last_execution(location)
    if execution is None:
        raise OpsflowError("pipeline %s of project %s has no runs (last: true)" % (location.pipeline_id,
                                                                                   location.project_name))
    if not execution.get("action_executions"):
        # A list entry may be a short view: read the run itself.
        execution = client.executions.get_execution(location, execution["id"])
    return execution


def plan(operation: str, execution: Dict[str, Any], follower: RunFollower) -> Tuple[Optional[str], str]:
    """(PATCH operation to send or None, what it means): decided on the run as read."""
    status = execution.get("status")
    run = "run %s" % execution.get("id")
    if operation == "cancel":
        if is_finished(execution):
            return None, "%s has ended (%s): nothing to cancel" % (run, status)
        return "CANCEL", "%s is %s: cancel it" % (run, status)
    if operation == "retry":
        if status in RETRYABLE_STATUSES:
            return "RETRY", "%s ended %s: retry it" % (run, status)
        if is_finished(execution):
            return None, "%s ended %s: nothing to retry" % (run, status)
        return None, "%s is %s (not ended): nothing to retry" % (run, status)
    if operation == "approve":
        pending = [summary for summary in follower.pending(execution) if summary["status"] == APPROVAL_STATUS]
        wanted = [summary for summary in pending if follower.approve is True or summary.get("name") in follower.approve]
        if wanted:
            return "APPLY", "%s is %s: approve %s" % (run, status, ", ".join(repr(item.get("name")) for item in wanted))
        if pending:
            return None, "%s waits for approval of %s, which approve does not name" % (
                run, ", ".join(repr(item.get("name")) for item in pending))
        return None, "%s is %s: nothing waits for approval" % (run, status)
    return None, "%s is %s" % (run, status)


def send(client: Any, location: PipelineLocation, operation: str, execution: Dict[str, Any],
         follower: RunFollower) -> Tuple[Dict[str, Any], bool]:
    """Send the operation; (run afterwards, sent?). A refusal because the run just ended counts as not sent."""
    if operation == "APPLY":
        return follower.answer(execution), True
    try:
        return client.executions.change_execution(location, execution["id"], operation), True
    except ApiError as error:
        if error.status >= 500:
            raise
        latest = client.executions.get_execution(location, execution["id"])
        if operation == "CANCEL" and is_finished(latest):
            return latest, False
        if operation == "RETRY" and latest.get("status") not in RETRYABLE_STATUSES:
            return latest, False
        error.message += "; run %s is %s" % (execution["id"], latest.get("status"))
        error.details.update(run_details(latest))
        raise


def wait_for_cancel(follower: RunFollower, execution: Dict[str, Any], params: Dict[str, Any], changed: bool,
                    message: str, operations: List[str]) -> Dict[str, Any]:
    """A cancelled run ends TERMINATED: what was asked, so only a wait that runs out fails."""
    deadline = Deadline(params["wait_timeout"], clock=time.monotonic)
    execution, ended = follower.wait(execution, deadline, params["poll_interval"])
    details = run_details(execution)
    if not ended:
        raise RunFailedError(timeout_message("pipeline run %s" % execution.get("id"), params["wait_timeout"],
                                             execution.get("status"), "it is still ending after the cancel"),
                             changed=changed, timed_out=True, operations=operations, **details)
    return dict(changed=changed, msg=message + "; it ended %s" % details["status"], operations=operations,
                approved=list(follower.approved), **details)


def operate_run(client: Any, params: Dict[str, Any], check_mode: bool, warn: Warn) -> Dict[str, Any]:
    """buddy_pipeline_execution: wait for, cancel, retry or approve one run, sending only what it needs."""
    check_target(params)
    check_wait_options(params)
    operation = params["operation"]
    approve_value = params["approve"]
    if approve_value is None:
        approve_value = operation == "approve"
    location = PipelineLocation.from_params(params, pipelines=client.pipelines)
    follower = RunFollower(client.executions, location, approve_choice(approve_value), warn)
    follower.still_running = "it is still running. Raise wait_timeout, or cancel it with operation: cancel"

    execution = find_run(client, location, params)
    patch, message = plan(operation, execution, follower)
    if check_mode:
        details = run_details(execution)
        return dict(changed=patch is not None, msg=("would: " if patch else "") + message, operations=[],
                    approved=[], **details)

    operations: List[str] = []
    if patch is not None:
        before = execution
        execution, sent = send(client, location, patch, execution, follower)
        if sent:
            operations.extend([patch] * (len(follower.approved) if patch == "APPLY" else 1))
            if patch == "RETRY":
                follower.previous_finish = before.get("finish_date")
        else:
            message += " (the run ended meanwhile: nothing was done)"
    changed = bool(operations)
    if not params["wait"] or is_finished(execution) and operation == "cancel":
        details = run_details(execution)
        return dict(changed=changed, msg=message, operations=operations, approved=list(follower.approved), **details)
    if operation == "cancel":
        return wait_for_cancel(follower, execution, params, changed, message, operations)
    try:
        details = follower.follow(execution, params["wait_timeout"], params["poll_interval"], False)
    except OpsflowError as error:
        error.details["changed"] = changed or bool(follower.approved)
        error.details["operations"] = operations + ["APPLY"] * (len(follower.approved) - operations.count("APPLY"))
        raise
    operations += ["APPLY"] * (len(follower.approved) - operations.count("APPLY"))
    message += "; it ended %s" % details["status"]
    return dict(changed=changed or bool(follower.approved), msg=message, operations=operations, **details)
