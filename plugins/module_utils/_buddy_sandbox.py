# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""buddy_sandbox and buddy_sandbox_snapshot: one sandbox (or snapshot) kept as the task says.

Why it is shaped this way (facts-v2 C):

- Creating a sandbox starts it; ``os`` and ``first_boot_commands`` can't change in place (the API
  has no ``os`` in its update, and new ``first_boot_commands`` only mark the setup STALE), and a
  sandbox's source is fixed at creation: such a change fails naming ``recreate``.
- Only settings the task sets are compared, and only differing ones are PATCHed, in one request.
- Encrypted variable values come back as ciphertext: they are left out of the comparison and sent
  only with a write that happens anyway (or on create).
- All waits of one task share one ``wait_timeout`` (one Deadline) and run on ``_wait.wait_until``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandboxes import mask_sandbox, normalize_sandbox
from ansible_collections.opsflow.pipelines.plugins.module_utils._compare import is_subset, merge_into, prune_none
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import (
    scrub,
    secret_values,
    without_write_only,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._wait import (
    Deadline,
    check_wait_options,
    timeout_message,
    wait_until,
)

# A sandbox identifier: letters, digits, '_' and '-', no '-' at either end (facts-v2 C).
IDENTIFIER = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$")
# Settings a task may set; the PATCH takes all but os (facts-v2 C, PATCH body).
SPEC_KEYS = ("name", "os", "resources", "first_boot_commands", "app_dir", "apps", "tags", "endpoints", "variables",
             "timeout", "permissions")
PATCH_KEYS = ("name", "resources", "app_dir", "apps", "tags", "endpoints", "variables", "timeout", "permissions")
# Differences the API can't apply in place.
RECREATE_KEYS = ("os", "first_boot_commands")
# What a recreate takes over from the sandbox it replaces when the task does not set it (plain values only:
# endpoints, variables and permissions carry server-made and encrypted values).
CARRIED_KEYS = ("os", "resources", "first_boot_commands", "app_dir", "apps", "tags", "timeout")
# Secrets inside endpoints the server never hands back.
ENDPOINT_SECRETS = (("http", "password"), ("tls", "private_key"))
WAITS = ("running", "configured", "apps")
DEFAULT_WAITS = ("running", "configured")
BOOT_LOG_TAIL = 20
RUNNING_ENDS = ("RUNNING", "STOPPED", "FAILED")
SETUP_ENDS = ("SUCCESS", "FAILED", "STALE")
APP_OK = ("RUNNING", "ENDED")


class SandboxFailed(OpsflowError):
    """The sandbox (its boot, setup or apps) failed, or did not get there in time."""


# --- input ------------------------------------------------------------------------------------------------


# buddy_sandbox's options (its DOCUMENTATION is checked against them by a unit test).
ENDPOINT_OPTIONS = dict(
    name=dict(type="str", required=True),
    endpoint=dict(type="str", required=True),
    type=dict(type="str", choices=["HTTP", "TLS", "TCP", "SSH"], default="HTTP"),
    region=dict(type="str", choices=["EU", "US", "AS"]),
    whitelist=dict(type="list", elements="str"),
    timeout=dict(type="int"),
    http=dict(type="dict"),
    tls=dict(type="dict"),
)
VARIABLE_OPTIONS = dict(
    key=dict(type="str", required=True, no_log=False),
    value=dict(type="str", no_log=False),
    encrypted=dict(type="bool"),
    settable=dict(type="bool"),
    description=dict(type="str"),
    type=dict(type="str"),
)
OPTIONS = dict(
    project_name=dict(type="str"),
    identifier=dict(type="str"),
    sandbox_id=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "started", "stopped", "restarted", "absent"]),
    snapshot_id=dict(type="str"),
    snapshot_name=dict(type="str"),
    source_sandbox=dict(type="str"),
    name=dict(type="str"),
    os=dict(type="str"),
    resources=dict(type="str"),
    first_boot_commands=dict(type="str"),
    app_dir=dict(type="str"),
    apps=dict(type="list", elements="str"),
    tags=dict(type="list", elements="str"),
    endpoints=dict(type="list", elements="dict", options=ENDPOINT_OPTIONS),
    variables=dict(type="list", elements="dict", options=VARIABLE_OPTIONS),
    timeout=dict(type="int"),
    permissions=dict(type="dict"),
    recreate=dict(type="bool", default=False),
    wait_for=dict(type="list", elements="str", choices=["running", "configured", "apps"]),
    wait_timeout=dict(type="int", default=600),
    poll_interval=dict(type="float", default=3),
)
# "from" is a Python keyword, so it joins the table by name.
OPTIONS.update({"from": dict(type="str", default="scratch", choices=["scratch", "snapshot", "sandbox"])})
SANDBOX_SPEC = ArgumentSpec(
    OPTIONS,
    required_one_of=[("identifier", "sandbox_id")],
    mutually_exclusive=[("snapshot_id", "snapshot_name")],
)


def sandbox_secrets(params: Mapping[str, Any]) -> Set[str]:
    """Values the argument spec can't mark no_log: encrypted variable values, endpoint passwords and keys."""
    found = secret_values(params.get("variables") or [])
    for endpoint in params.get("endpoints") or []:
        for section, key in ENDPOINT_SECRETS:
            value = ((endpoint or {}).get(section) or {}).get(key)
            if value:
                found.add(str(value))
    return found


def validate(params: Mapping[str, Any]) -> None:
    """Every check that needs no request; each failure names the option."""
    identifier = params.get("identifier")
    if identifier is not None and not IDENTIFIER.match(identifier):
        raise ValidationError("identifier %r may contain only letters, digits, '_' and '-', and may not start or end"
                              " with '-'" % identifier, options=["identifier"])
    if params.get("sandbox_id") is not None and not str(params["sandbox_id"]).strip():
        raise ValidationError("sandbox_id may not be empty", options=["sandbox_id"])
    source = params.get("from") or "scratch"
    if source == "snapshot":
        if not params.get("snapshot_id") and not (params.get("snapshot_name") and params.get("source_sandbox")):
            raise ValidationError("from: snapshot needs snapshot_id, or snapshot_name with source_sandbox",
                                  options=["snapshot_id", "snapshot_name", "source_sandbox"])
        if params.get("snapshot_id") and params.get("snapshot_name"):
            raise ValidationError("snapshot_id and snapshot_name are mutually exclusive",
                                  options=["snapshot_id", "snapshot_name"])
    else:
        for option in ("snapshot_id", "snapshot_name"):
            if params.get(option):
                raise ValidationError("%s is used only with from: snapshot" % option, options=[option, "from"])
    if source == "sandbox":
        if not params.get("source_sandbox"):
            raise ValidationError("from: sandbox needs source_sandbox", options=["source_sandbox"])
        for option in RECREATE_KEYS:
            if params.get(option) is not None:
                raise ValidationError("%s can't be set on a clone: it comes from source_sandbox" % option,
                                      options=[option, "from"])
    elif source == "scratch" and params.get("source_sandbox") is not None:
        raise ValidationError("source_sandbox is used only with from: sandbox or from: snapshot",
                              options=["source_sandbox", "from"])
    if params.get("source_sandbox") is not None and not IDENTIFIER.match(params["source_sandbox"]):
        raise ValidationError("source_sandbox %r is not a sandbox identifier" % params["source_sandbox"],
                              options=["source_sandbox"])
    for index, variable in enumerate(params.get("variables") or []):
        if not (variable or {}).get("key"):
            raise ValidationError("variables[%d] needs a key" % index, options=["variables"])
    keys = [(variable or {}).get("key") for variable in params.get("variables") or []]
    if len(set(keys)) != len(keys):
        raise ValidationError("variables holds a key twice", options=["variables"])
    for option in ("timeout",):
        if params.get(option) is not None and params[option] < 0:
            raise ValidationError("%s may not be negative" % option, options=[option])
    check_wait_options(params)


def desired_spec(params: Mapping[str, Any]) -> Dict[str, Any]:
    """The settings the task sets, in the API's shape (None = not set, so neither sent nor compared)."""
    spec: Dict[str, Any] = {}
    for key in SPEC_KEYS:
        if params.get(key) is not None:
            spec[key] = copy.deepcopy(params[key])
    if "endpoints" in spec:
        spec["endpoints"] = [_endpoint(item) for item in spec["endpoints"]]
    if "variables" in spec:
        spec["variables"] = [prune_none(item) for item in spec["variables"]]
    if "permissions" in spec:
        spec["permissions"] = prune_none(spec["permissions"])
    return spec


def _endpoint(item: Mapping[str, Any]) -> Dict[str, Any]:
    endpoint = prune_none(dict(item))
    if "endpoint" in endpoint:
        endpoint["endpoint"] = str(endpoint["endpoint"])
    return endpoint


# --- comparison -------------------------------------------------------------------------------------------


def _comparable(key: str, value: Any) -> Any:
    """A desired value as it can be compared: write-only secrets left out."""
    if key == "endpoints":
        result = []
        for endpoint in value:
            endpoint = copy.deepcopy(endpoint)
            for section, secret in ENDPOINT_SECRETS:
                if isinstance(endpoint.get(section), dict):
                    endpoint[section].pop(secret, None)
            result.append(without_write_only(endpoint))
        return result
    return without_write_only(value)


def _actual(sandbox: Mapping[str, Any], key: str) -> Any:
    value = sandbox.get(key)
    if key == "apps" and isinstance(value, list):
        return [item.get("command") if isinstance(item, dict) else item for item in value]
    return value


def differences(spec: Mapping[str, Any], sandbox: Mapping[str, Any]) -> List[str]:
    """Keys of ``spec`` the sandbox does not hold yet, in spec order."""
    return [key for key in spec if not is_subset({key: _comparable(key, spec[key])}, {key: _actual(sandbox, key)})]


def source_difference(params: Mapping[str, Any], sandbox: Mapping[str, Any]) -> Optional[str]:
    """The source named by id that differs from the sandbox's, as text; None when it matches or can't be told."""
    wanted = params.get("snapshot_id") if (params.get("from") == "snapshot") else None
    if wanted and sandbox.get("snapshot_id") and sandbox["snapshot_id"] != wanted:
        return "snapshot_id (%s, wanted %s)" % (sandbox["snapshot_id"], wanted)
    return None


def compared(sandbox: Optional[Mapping[str, Any]], keys: Iterable[str]) -> Dict[str, Any]:
    """One side of the diff: the compared settings, secrets masked."""
    if not sandbox:
        return {}
    return mask_sandbox(dict((key, copy.deepcopy(_actual(sandbox, key))) for key in keys))


def masked(sandbox: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    return mask_sandbox(normalize_sandbox(dict(sandbox))) if sandbox is not None else None


# --- waits ------------------------------------------------------------------------------------------------


def boot_logs_tail(sandbox: Mapping[str, Any], lines: int = BOOT_LOG_TAIL) -> List[str]:
    logs = sandbox.get("boot_logs") or []
    return [str(line) for line in logs[-lines:]]


def _failure(sandbox: Mapping[str, Any], what: str, secrets: Iterable[str], changed: bool) -> SandboxFailed:
    tail = [scrub(line, secrets) for line in boot_logs_tail(sandbox)]
    message = "sandbox %s %s" % (sandbox.get("identifier") or sandbox.get("id"), what)
    if tail:
        message += "; boot logs (last %d lines):\n%s" % (len(tail), "\n".join(tail))
    return SandboxFailed(message, changed=changed, boot_logs=tail, sandbox=masked(sandbox),
                         status=sandbox.get("status"), setup_status=sandbox.get("setup_status"))


def check_failed(sandbox: Mapping[str, Any], waits: Iterable[str], secrets: Iterable[str], changed: bool) -> None:
    """Raise when the sandbox ended in a state a wait can't get past."""
    waits = list(waits)
    if "running" in waits and sandbox.get("status") == "FAILED":
        raise _failure(sandbox, "is FAILED", secrets, changed)
    if "configured" in waits and sandbox.get("setup_status") in ("FAILED", "STALE"):
        what = ("setup FAILED" if sandbox["setup_status"] == "FAILED" else
                "setup is STALE: first_boot_commands changed since it ran; recreate the sandbox to run them")
        raise _failure(sandbox, what, secrets, changed)
    if "apps" in waits:
        failed = [app.get("command") for app in sandbox.get("apps") or [] if app.get("app_status") == "FAILED"]
        if failed:
            raise _failure(sandbox, "has FAILED apps: %s" % ", ".join(str(item) for item in failed), secrets, changed)


def waits_done(sandbox: Mapping[str, Any], waits: Iterable[str]) -> bool:
    """Every asked wait has reached its end (successful or not)."""
    for wait in waits:
        if wait == "running" and sandbox.get("status") not in RUNNING_ENDS:
            return False
        if wait == "configured" and sandbox.get("setup_status") not in SETUP_ENDS:
            return False
        if wait == "apps" and any(app.get("app_status") not in APP_OK + ("FAILED",)
                                  for app in sandbox.get("apps") or []):
            return False
    return True


class Waiter:
    """All waits of one task, on one deadline; a STOPPED sandbox met while waiting to run is started once."""

    def __init__(self, client: Any, workspace: str, params: Mapping[str, Any], secrets: Iterable[str]) -> None:
        self.client = client
        self.workspace = workspace
        self.timeout = params["wait_timeout"]
        self.interval = params["poll_interval"]
        self.deadline = Deadline(params["wait_timeout"])
        self.secrets = list(secrets)
        self.changed = False

    def read(self, sandbox_id: str) -> Dict[str, Any]:
        found = self.client.get_sandbox(self.workspace, sandbox_id)
        if found is None:
            raise SandboxFailed("sandbox %s disappeared while waiting for it" % sandbox_id, changed=self.changed)
        return normalize_sandbox(found)

    def until(self, sandbox: Dict[str, Any], done: Any, what: str) -> Dict[str, Any]:
        record, ended = wait_until(lambda: self.read(sandbox["id"]), done, self.deadline, self.interval,
                                   current=sandbox)
        if not ended:
            raise SandboxFailed(timeout_message("sandbox %s (%s)" % (record.get("identifier"), what), self.timeout,
                                                "%s, setup %s" % (record.get("status"), record.get("setup_status")),
                                                "it may still get there"),
                                changed=self.changed, sandbox=masked(record), boot_logs=boot_logs_tail(record))
        return record

    def wait(self, sandbox: Dict[str, Any], waits: List[str]) -> Dict[str, Any]:
        if not waits:
            return sandbox
        started = False
        while True:
            record = self.until(sandbox, lambda item: waits_done(item, waits), "waiting for %s" % ", ".join(waits))
            check_failed(record, waits, self.secrets, self.changed)
            if "running" in waits and record.get("status") == "STOPPED" and not started:
                # As the SDK does: a sandbox met STOPPED while waiting to run is started (once).
                started = True
                self.changed = True
                answer = self.client.operate(self.workspace, record["id"], "start")
                sandbox = answer or self.read(record["id"])
                continue
            if "running" in waits and record.get("status") == "STOPPED":
                raise _failure(record, "stopped again after it was started", self.secrets, self.changed)
            return record

    def stopped(self, sandbox: Dict[str, Any]) -> Dict[str, Any]:
        record = self.until(sandbox, lambda item: item.get("status") in ("STOPPED", "FAILED"), "stopping")
        if record.get("status") == "FAILED":
            raise _failure(record, "is FAILED", self.secrets, self.changed)
        return record


# --- the task ---------------------------------------------------------------------------------------------


class SandboxTask:
    """One buddy_sandbox task: look-up, then create / recreate / PATCH / start / stop / delete and wait."""

    def __init__(self, client: Any, params: Mapping[str, Any], check_mode: bool, want_diff: bool) -> None:
        self.client = client
        self.sandboxes = client.sandboxes
        self.params = params
        self.workspace = params["workspace"]
        self.project = params.get("project_name")
        self.check_mode = check_mode
        self.want_diff = want_diff
        self.secrets = sandbox_secrets(params)
        self.spec = desired_spec(params)
        self.changed = False
        self.before: Dict[str, Any] = {}
        self.after: Dict[str, Any] = {}
        self.actions: List[str] = []

    # look-up
    def find(self) -> Optional[Dict[str, Any]]:
        if self.params.get("sandbox_id"):
            found = self.sandboxes.get_sandbox(self.workspace, self.params["sandbox_id"])
            return normalize_sandbox(found) if found is not None else None
        return self.sandboxes.find_sandbox(self.workspace, self.project, self.params["identifier"])

    def run(self) -> Dict[str, Any]:
        validate(self.params)
        state = self.params["state"]
        sandbox = self.find()
        if state == "absent":
            return self.absent(sandbox)
        if sandbox is None:
            if not self.params.get("identifier"):
                raise ValidationError("no sandbox with id %s; identifier is needed to create one"
                                      % self.params["sandbox_id"], options=["identifier", "sandbox_id"])
            sandbox = self.create(self.create_body())
            created = True
        else:
            sandbox, created = self.update(sandbox)
        return self.converge_state(sandbox, created)

    def result(self, sandbox: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        result: Dict[str, Any] = dict(changed=self.changed, sandbox=masked(sandbox) if sandbox else {},
                                      actions=self.actions)
        if self.want_diff:
            result["diff"] = dict(before=self.before, after=self.after)
        return result

    # absent
    def absent(self, sandbox: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        if sandbox is None:
            return self.result(None)
        self.changed = True
        self.actions.append("delete")
        self.before = compared(sandbox, ["identifier", "status"] + list(self.spec))
        if not self.check_mode:
            self.sandboxes.delete_sandbox(self.workspace, sandbox["id"])
        return self.result(None)

    # create
    def create_body(self, replaced: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """The POST body for the chosen source; a source named by identifier or snapshot name is looked up.

        ``replaced``: the sandbox a recreate deletes; the settings the task does not set are taken from it
        (CARRIED_KEYS), so that a recreate for a new ``os`` keeps the rest.
        """
        identifier = self.params["identifier"]
        body: Dict[str, Any] = {"name": self.params.get("name") or (replaced or {}).get("name") or identifier,
                                "identifier": identifier}
        source = self.params.get("from") or "scratch"
        if source == "sandbox":
            body["source_sandbox_id"] = self.source_sandbox()["id"]
            return body
        if source == "snapshot":
            body["snapshot_id"] = self.params.get("snapshot_id") or self.snapshot_by_name()
        elif "os" not in self.spec and not (replaced or {}).get("os"):
            raise ValidationError("os is required to create a sandbox from scratch", options=["os"])
        for key, value in self.spec.items():
            body.setdefault(key, copy.deepcopy(value))
        for key in CARRIED_KEYS if replaced is not None and source == "scratch" else ():
            if key not in body and replaced.get(key) not in (None, "", []):
                body[key] = copy.deepcopy(_actual(replaced, key))
        return body

    def source_sandbox(self) -> Dict[str, Any]:
        found = self.sandboxes.find_sandbox(self.workspace, self.project, self.params["source_sandbox"])
        if found is None:
            raise ValidationError("source_sandbox %r: no such sandbox in %s" % (
                self.params["source_sandbox"], "project %r" % self.project if self.project else "the workspace"),
                options=["source_sandbox"])
        return found

    def snapshot_by_name(self) -> str:
        source = self.source_sandbox()
        name = self.params["snapshot_name"]
        snapshots = self.sandboxes.list_snapshots(self.workspace, source["id"])
        ready = [item for item in snapshots if item.get("name") == name and item.get("status") == "CREATED"]
        if not ready:
            held = ", ".join("%s (%s)" % (item.get("name"), item.get("status")) for item in snapshots) or "none"
            raise ValidationError("sandbox %r has no CREATED snapshot named %r; it holds: %s"
                                  % (self.params["source_sandbox"], name, held), options=["snapshot_name"])
        ready.sort(key=lambda item: str(item.get("create_date") or ""))
        return ready[-1]["id"]

    def create(self, body: Dict[str, Any]) -> Dict[str, Any]:
        self.changed = True
        self.actions.append("create")
        self.after = compared(body, [key for key in body if key not in ("snapshot_id", "source_sandbox_id")])
        for key in ("snapshot_id", "source_sandbox_id"):
            if key in body:
                self.after[key] = body[key]
        if self.check_mode:
            predicted = copy.deepcopy(body)
            predicted.update(status="STARTING", setup_status="INPROGRESS",
                             apps=[{"command": item, "app_status": "NONE"} for item in body.get("apps") or []])
            return predicted
        created = self.sandboxes.create_sandbox(self.workspace, self.project, body)
        if self.params.get("from") == "sandbox":
            # A clone takes only its source, name and identifier; the rest of the task is one PATCH.
            changes = [key for key in differences(self.spec, created) if key in PATCH_KEYS]
            if changes:
                created = self.sandboxes.edit_sandbox(self.workspace, created["id"], self.patch_body(changes))
        return created

    # update
    def update(self, sandbox: Dict[str, Any]) -> Tuple[Dict[str, Any], bool]:
        changes = differences(self.spec, sandbox)
        fixed = [key for key in changes if key in RECREATE_KEYS]
        source = source_difference(self.params, sandbox)
        if source:
            fixed.append(source)
        if fixed:
            if not self.params.get("recreate"):
                raise OpsflowError("sandbox %s: %s can't be changed in place; set recreate: true to delete the sandbox"
                                   " and create it again" % (sandbox.get("identifier"), ", ".join(fixed)),
                                   changed=False, fields=fixed, options=["recreate"])
            self.before = compared(sandbox, ["identifier"] + list(self.spec))
            self.actions.append("delete")
            if not self.check_mode:
                self.sandboxes.delete_sandbox(self.workspace, sandbox["id"])
            return self.create(self.create_body(replaced=sandbox)), True
        if not changes:
            return sandbox, False
        self.changed = True
        self.actions.append("update")
        self.before = compared(sandbox, changes)
        self.after = compared(merge_into(dict((key, _actual(sandbox, key)) for key in changes),
                                         dict((key, self.spec[key]) for key in changes)), changes)
        if self.check_mode:
            predicted = copy.deepcopy(sandbox)
            for key in changes:
                predicted[key] = copy.deepcopy(self.spec[key])
            return predicted, False
        return self.sandboxes.edit_sandbox(self.workspace, sandbox["id"], self.patch_body(changes)), False

    def patch_body(self, changes: Iterable[str]) -> Dict[str, Any]:
        return dict((key, copy.deepcopy(self.spec[key])) for key in changes if key in PATCH_KEYS)

    # state
    def waits_for(self, moved: bool) -> List[str]:
        asked = self.params.get("wait_for")
        if asked is not None:
            return [item for item in WAITS if item in asked]
        return list(DEFAULT_WAITS) if moved else []

    def converge_state(self, sandbox: Dict[str, Any], created: bool) -> Dict[str, Any]:
        state = self.params["state"]
        status = sandbox.get("status")
        operation = None
        if state == "restarted":
            operation = "restart"
        elif state == "started" and status in ("STOPPED", "STOPPING", "FAILED") and not created:
            operation = "start"
        elif state == "stopped" and status not in ("STOPPED",):
            operation = "stop"
        if operation:
            self.changed = True
            self.actions.append(operation)
            self.after.setdefault("status", "STOPPED" if operation == "stop" else "RUNNING")
            self.before.setdefault("status", status)
        if self.check_mode:
            if operation:
                sandbox = dict(sandbox, status="STOPPED" if operation == "stop" else "STARTING")
            return self.result(sandbox)
        waiter = Waiter(self.sandboxes, self.workspace, self.params, self.secrets)
        waiter.changed = self.changed
        if operation == "start" and status == "STOPPING":
            sandbox = waiter.stopped(sandbox)
        if operation == "stop" and status in ("STARTING", "RESTORING"):
            sandbox = waiter.until(sandbox, lambda item: item.get("status") in RUNNING_ENDS, "starting before a stop")
        if operation:
            answer = self.sandboxes.operate(self.workspace, sandbox["id"], operation)
            sandbox = answer if answer is not None else waiter.read(sandbox["id"])
        if state == "stopped":
            return self.result(waiter.stopped(sandbox))
        sandbox = waiter.wait(sandbox, self.waits_for(created or operation is not None))
        self.changed = self.changed or waiter.changed
        return self.result(sandbox)


def ensure_sandbox(client: Any, params: Mapping[str, Any], check_mode: bool = False,
                   want_diff: bool = False) -> Dict[str, Any]:
    """buddy_sandbox's logic; see SandboxTask."""
    return SandboxTask(client, params, check_mode, want_diff).run()


# --- snapshots --------------------------------------------------------------------------------------------

SNAPSHOT_ENDS = ("CREATED", "FAILED")


def ensure_snapshot(client: Any, params: Mapping[str, Any], check_mode: bool = False,
                    want_diff: bool = False) -> Dict[str, Any]:
    """buddy_sandbox_snapshot's logic: one snapshot per name, waited for until CREATED; absent deletes.

    Several snapshots with the name: the newest is the one kept (present) and all are deleted (absent).
    """
    if not IDENTIFIER.match(params["sandbox"]):
        raise ValidationError("sandbox %r is not a sandbox identifier" % params["sandbox"], options=["sandbox"])
    if not params["name"].strip():
        raise ValidationError("name may not be empty", options=["name"])
    check_wait_options(params)
    sandboxes = client.sandboxes
    workspace = params["workspace"]
    sandbox = sandboxes.find_sandbox(workspace, params.get("project_name"), params["sandbox"])
    if sandbox is None:
        if params["state"] == "absent":
            return dict(changed=False, snapshot={}, snapshots_deleted=0)
        raise ValidationError("no sandbox %r in %s" % (params["sandbox"], "project %r" % params["project_name"]
                                                       if params.get("project_name") else "the workspace"),
                              options=["sandbox"])
    named = [item for item in sandboxes.list_snapshots(workspace, sandbox["id"]) if item.get("name") == params["name"]]
    named.sort(key=lambda item: str(item.get("create_date") or ""))
    result: Dict[str, Any] = dict(changed=False, sandbox_id=sandbox["id"])
    if params["state"] == "absent":
        live = [item for item in named if item.get("status") != "DELETING"]
        result.update(changed=bool(live), snapshot={}, snapshots_deleted=len(live))
        if want_diff:
            result["diff"] = dict(before=dict(name=params["name"], ids=[item.get("id") for item in live]) if live else {},
                                  after={})
        if not check_mode:
            for item in live:
                sandboxes.delete_snapshot(workspace, sandbox["id"], item["id"])
        return result
    usable = [item for item in named if item.get("status") in ("CREATED", "CREATING")]
    if usable:
        snapshot = usable[-1]
    else:
        result["changed"] = True
        if want_diff:
            result["diff"] = dict(before={}, after=dict(name=params["name"], sandbox=params["sandbox"]))
        if check_mode:
            result["snapshot"] = dict(name=params["name"], status="CREATING")
            return result
        snapshot = sandboxes.create_snapshot(workspace, sandbox["id"], params["name"])
    if params["wait"] and not check_mode and snapshot.get("status") not in SNAPSHOT_ENDS:
        deadline = Deadline(params["wait_timeout"])

        def read() -> Dict[str, Any]:
            found = sandboxes.get_snapshot(workspace, sandbox["id"], snapshot["id"])
            if found is None:
                raise SandboxFailed("snapshot %s of sandbox %s disappeared while waiting for it"
                                    % (params["name"], params["sandbox"]), changed=result["changed"])
            return found

        snapshot, ended = wait_until(read, lambda item: item.get("status") in SNAPSHOT_ENDS, deadline,
                                     params["poll_interval"], current=snapshot)
        if not ended:
            raise SandboxFailed(timeout_message("snapshot %s of sandbox %s" % (params["name"], params["sandbox"]),
                                                params["wait_timeout"], snapshot.get("status"),
                                                "it may still get there"), changed=result["changed"], snapshot=snapshot)
    if snapshot.get("status") == "FAILED":
        raise SandboxFailed("snapshot %s of sandbox %s FAILED" % (params["name"], params["sandbox"]),
                            changed=result["changed"], snapshot=snapshot)
    result["snapshot"] = snapshot
    return result
