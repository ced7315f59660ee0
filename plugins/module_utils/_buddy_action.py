# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The Buddy pipeline action model behind buddy_action and buddy_action_info.

The per-type tables below are the single source of which option belongs to
which modelled action type, which ones are required and which values are
allowed; the argument spec, the validation and the error messages all come
from them.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BuddyClient, PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._compare import (
    SENT_MASK,
    WRITE_ONLY_KEYS,
    compared_view,
    differing_keys,
    has_write_only,
    mask_secrets,
    merge_into,
    prune_none,
    without_keys,
    without_write_only,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError, ValidationError

# ---------------------------------------------------------------------------
# Option tables
# ---------------------------------------------------------------------------

TRIGGER_TIMES = ("ON_EVERY_EXECUTION", "ON_SUCCESS", "ON_FAILURE", "ON_BACK_TO_SUCCESS", "ON_WARNING",
                 "ON_WAIT_FOR_APPROVE", "ON_TERMINATE")
RUN_NEXT = ("WAIT_ON_SUCCESS", "IN_SOFT_PARALLEL", "IN_HARD_PARALLEL")
SHELLS = ("SH", "BASH", "POWERSHELL")
SANDBOX_OPERATIONS = ("START", "STOP", "DELETE", "APP_START", "APP_RESTART", "APP_STOP", "CREATE_SNAPSHOT")
SANDBOX_SOURCES = ("SCRATCH", "SANDBOX", "SNAPSHOT")
SANDBOX_OS = ("ubuntu:22.04", "ubuntu:24.04")
IMAGE_LOCATIONS = ("PUBLIC_REGISTRY", "PRIVATE_REGISTRY", "ACTION", "PACKAGE_REGISTRY")
DOCKER_REGISTRIES = ("NONE", "DOCKER_HUB", "AMAZON_ECR", "GOOGLE_GCR", "GOOGLE_ARTIFACT_REGISTRY", "OTHER",
                     "GIT_HUB_CONTAINER_REGISTRY", "PACKAGE_REGISTRY", "DIGITAL_OCEAN_CONTAINER_REGISTRY")
SANDBOX_IDENTIFIER = re.compile(r"^[A-Za-z0-9_-]+$")

VARIABLE_OPTIONS = dict(
    key=dict(type="str", required=True, no_log=False),
    value=dict(type="str"),
    type=dict(type="str"),
    encrypted=dict(type="bool"),
    settable=dict(type="bool"),
    description=dict(type="str"),
)

TRIGGER_CONDITION_OPTIONS = dict(
    trigger_condition=dict(type="str", required=True),
    trigger_condition_paths=dict(type="list", elements="str"),
    trigger_variable_key=dict(type="str", no_log=False),
    trigger_variable_value=dict(type="str"),
    trigger_hours=dict(type="list", elements="int"),
    trigger_days=dict(type="list", elements="int"),
    zone_id=dict(type="str"),
    timezone=dict(type="str"),
    trigger_project_name=dict(type="str"),
    trigger_pipeline_name=dict(type="str"),
    trigger_user=dict(type="str"),
    trigger_group=dict(type="str"),
)

PERMISSION_ENTRY_OPTIONS = dict(
    id=dict(type="int", required=True),
    access_level=dict(type="str", required=True),
)

PERMISSIONS_OPTIONS = dict(
    others=dict(type="str"),
    users=dict(type="list", elements="dict", options=PERMISSION_ENTRY_OPTIONS),
    groups=dict(type="list", elements="dict", options=PERMISSION_ENTRY_OPTIONS),
)

TARGET_OPTIONS = dict(
    identifier=dict(type="str"),
    scope=dict(type="str", choices=["ANY", "PROJECT", "WORKSPACE"]),
    type=dict(type="str", choices=["MATCH", "TAG"]),
    tags=dict(type="list", elements="str"),
)

ENDPOINT_OPTIONS = dict(
    name=dict(type="str"),
    endpoint=dict(type="str"),
    type=dict(type="str", choices=["HTTP", "TLS", "TCP"]),
    region=dict(type="str", choices=["EU", "US"]),
    whitelist=dict(type="list", elements="str"),
    timeout=dict(type="int"),
)

SANDBOX_SPEC_OPTIONS = dict(
    name=dict(type="str"),
    identifier=dict(type="str"),
    os=dict(type="str", choices=list(SANDBOX_OS)),
    resources=dict(type="str"),
    first_boot_commands=dict(type="str"),
    app_dir=dict(type="str"),
    apps=dict(type="list", elements="str"),
    tags=dict(type="list", elements="str"),
    timeout=dict(type="int"),
    variables=dict(type="list", elements="dict", options=VARIABLE_OPTIONS),
    endpoints=dict(type="list", elements="dict", options=ENDPOINT_OPTIONS),
)

# API fields every action type has.
COMMON_FIELD_OPTIONS = dict(
    trigger_time=dict(type="str", choices=list(TRIGGER_TIMES)),
    trigger_conditions=dict(type="list", elements="dict", options=TRIGGER_CONDITION_OPTIONS),
    run_next=dict(type="str", choices=list(RUN_NEXT)),
    run_only_on_first_failure=dict(type="bool"),
    variables=dict(type="list", elements="dict", options=VARIABLE_OPTIONS),
    disabled=dict(type="bool"),
    timeout=dict(type="int"),
    ignore_errors=dict(type="bool"),
    retry_count=dict(type="int"),
    retry_interval=dict(type="int"),
    loop=dict(type="list", elements="str"),
    permissions=dict(type="dict", options=PERMISSIONS_OPTIONS),
)

# API fields of the modelled types (some shared by several types).
TYPE_FIELD_OPTIONS = dict(
    # BLACKFIRE_PYTHON and RUN_DOCKER_CONTAINER
    execute_commands=dict(type="list", elements="str"),
    setup_commands=dict(type="list", elements="str"),
    version=dict(type="str"),
    integration=dict(type="raw"),
    shell=dict(type="str", choices=list(SHELLS)),
    # SANDBOX_MANAGE
    operation=dict(type="str", choices=list(SANDBOX_OPERATIONS)),
    targets=dict(type="list", elements="dict", options=TARGET_OPTIONS),
    snapshot_name=dict(type="str"),
    # SANDBOX_CREATE
    spec=dict(type="dict", options=SANDBOX_SPEC_OPTIONS),
    sandbox_identifier=dict(type="str"),
    update_if_exists=dict(type="bool"),
    start=dict(type="bool"),
    # RUN_DOCKER_CONTAINER
    docker_image_name=dict(type="str"),
    docker_image_tag=dict(type="str"),
    inline_commands=dict(type="str"),
    working_directory=dict(type="str"),
    volume_mappings=dict(type="list", elements="str"),
    cached_dirs=dict(type="list", elements="str"),
    services=dict(type="list", elements="dict"),
    run_as_user=dict(type="str"),
    main_service_name=dict(type="str"),
    mount_filesystem_disable=dict(type="bool"),
    entrypoint=dict(type="str"),
    reset_entrypoint=dict(type="bool"),
    image_location=dict(type="str", choices=list(IMAGE_LOCATIONS)),
    docker_registry=dict(type="str", choices=list(DOCKER_REGISTRIES)),
    registry=dict(type="str"),
    insecure_registry=dict(type="bool"),
    login=dict(type="str"),
    password=dict(type="str", no_log=True),
    region=dict(type="str"),
    target_stage=dict(type="str"),
    docker_build_action_id=dict(type="int"),
    docker_build_action_name=dict(type="str"),
    export_container_path=dict(type="str"),
    execute_every_command=dict(type="bool"),
    ignore_image_pull_failures=dict(type="bool"),
    cache_base_image=dict(type="bool"),
    package=dict(type="str"),
    unit_tests_suite=dict(type="str"),
    unit_tests_path=dict(type="str"),
    vt_suite=dict(type="str"),
)
# `from` is a Python keyword, not a problem for a dict key.
TYPE_FIELD_OPTIONS["from"] = dict(type="str", choices=list(SANDBOX_SOURCES))


class ActionType:
    """What one modelled action type accepts."""

    def __init__(self, name: str, options: Sequence[str], required: Sequence[str] = (),
                 choices: Optional[Mapping[str, Sequence[str]]] = None) -> None:
        self.name = name
        self.options = tuple(options)
        self.required = tuple(required)
        # Narrower choices than the argument spec's union of every type's.
        self.choices = dict(choices or {})


MODELLED_TYPES = dict((action_type.name, action_type) for action_type in (
    ActionType("BLACKFIRE_PYTHON",
               ("execute_commands", "version", "integration", "shell", "setup_commands"),
               required=("execute_commands", "version", "integration"),
               choices={"shell": ("SH", "BASH")}),
    ActionType("SANDBOX_MANAGE",
               ("operation", "targets", "snapshot_name"),
               required=("operation", "targets")),
    ActionType("SANDBOX_CREATE",
               ("from", "spec", "sandbox_identifier", "snapshot_name", "update_if_exists", "start"),
               required=("from",)),
    ActionType("RUN_DOCKER_CONTAINER",
               ("docker_image_name", "docker_image_tag", "execute_commands", "setup_commands", "inline_commands",
                "shell", "working_directory", "volume_mappings", "cached_dirs", "services", "run_as_user",
                "main_service_name", "mount_filesystem_disable", "entrypoint", "reset_entrypoint",
                "image_location", "docker_registry", "registry", "insecure_registry", "login", "password",
                "region", "target_stage", "docker_build_action_id", "docker_build_action_name",
                "export_container_path", "execute_every_command", "ignore_image_pull_failures",
                "cache_base_image", "version", "package", "integration", "unit_tests_suite", "unit_tests_path",
                "vt_suite")),
))

# SANDBOX_CREATE: the source named by `from` needs its own option.
SANDBOX_SOURCE_NEEDS = {"SCRATCH": "spec", "SANDBOX": "sandbox_identifier", "SNAPSHOT": "snapshot_name"}
# RUN_DOCKER_CONTAINER: where the image comes from (image_location, the server's default is PUBLIC_REGISTRY)
# decides which option names the image; one of the options listed is needed.
IMAGE_LOCATION_NEEDS = {"ACTION": ("docker_build_action_id", "docker_build_action_name"),
                        "PACKAGE_REGISTRY": ("package",)}
IMAGE_NAME_OPTIONS = ("docker_image_name",)

# Every option that becomes an API field of the action, in argument-spec order.
API_FIELD_OPTIONS = ("name",) + tuple(COMMON_FIELD_OPTIONS) + tuple(TYPE_FIELD_OPTIONS)

# Keys `fields` may never hold: the server sets them, or an option owns them (the common fields
# included: each has its option, with its checks); a modelled type's own options are refused too.
READ_ONLY_FIELDS = ("id", "url", "html_url", "pipeline", "last_execution_status")
FIELDS_OWNED_BY_OPTIONS = ("name", "type", "after_action_id", "password") + tuple(COMMON_FIELD_OPTIONS)
# buddy_action's options that are no API field (the connection and location options are found in
# the module's params: every option of the module is there).
NON_FIELD_OPTIONS = ("state", "action_id", "fields", "recreate", "update_password")

CONTROL_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    action_id=dict(type="int"),
    name=dict(type="str"),
    type=dict(type="str"),
    after_action_id=dict(type="int"),
    fields=dict(type="dict"),
    recreate=dict(type="bool", default=False),
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
)


def action_argument_spec() -> Dict[str, Any]:
    """buddy_action's own options (the module adds the connection and location ones)."""
    spec: Dict[str, Any] = {}
    for table in (CONTROL_OPTIONS, COMMON_FIELD_OPTIONS, TYPE_FIELD_OPTIONS):
        spec.update(copy.deepcopy(table))
    return spec


ACTION_REQUIRED_IF = [("state", "present", ("name",))]
ACTION_REQUIRED_ONE_OF = [("action_id", "name")]

INFO_OPTIONS = dict(
    action_id=dict(type="int"),
    name=dict(type="str"),
)
INFO_MUTUALLY_EXCLUSIVE = [("action_id", "name")]


# ---------------------------------------------------------------------------
# Validation: everything that can be checked before the first request
# ---------------------------------------------------------------------------

def _owners(option: str) -> List[str]:
    return [name for name, action_type in MODELLED_TYPES.items() if option in action_type.options]


def _normalise_integration(value: Any) -> Dict[str, Any]:
    if isinstance(value, str):
        if not value:
            raise ValidationError("integration may not be empty")
        return {"identifier": value}
    if isinstance(value, Mapping):
        identifier = value.get("identifier")
        if not isinstance(identifier, str) or not identifier:
            raise ValidationError("integration must be the integration's identifier, or a dict with an "
                                  "'identifier' string; got a dict with keys %s" % ", ".join(sorted(value)))
        return dict(value)
    raise ValidationError("integration must be the integration's identifier (a string) or a dict with "
                          "'identifier', got %s" % type(value).__name__)


def _image_problem(fields: Mapping[str, Any]) -> Optional[Tuple[str, List[str]]]:
    """RUN_DOCKER_CONTAINER: the option that names the image, when it is missing."""
    location = fields.get("image_location")
    needs = IMAGE_LOCATION_NEEDS.get(location, IMAGE_NAME_OPTIONS)
    if any(option in fields for option in needs):
        return None
    if location in IMAGE_LOCATION_NEEDS:
        return ("type RUN_DOCKER_CONTAINER with image_location: %s requires %s" % (location, " or ".join(needs)),
                list(needs))
    return ("type RUN_DOCKER_CONTAINER requires docker_image_name (unless image_location is %s)"
            % " or ".join(IMAGE_LOCATION_NEEDS), list(needs))


def check_options_for_type(type_name: str, fields: Mapping[str, Any], full: bool, free: Sequence[str] = ()) -> None:
    """Fail, naming every offending option, when ``fields`` don't fit a modelled type.

    ``full`` also checks required options; that is done when the task names
    the type (it then describes the whole action), not when the type is only
    learnt from an action that already exists. ``free`` are the keys that came
    from the ``fields`` option: an option of the type may not come that way.
    """
    action_type = MODELLED_TYPES.get(type_name)
    if action_type is None:
        return
    problems: List[str] = []
    named: List[str] = []
    misplaced = [key for key in free if key in action_type.options]
    if misplaced:
        problems.append("fields may not hold %s (%s of type %s); set %s as the option%s of that name instead" % (
            ", ".join(misplaced), "an option" if len(misplaced) == 1 else "options", type_name,
            "it" if len(misplaced) == 1 else "them", "" if len(misplaced) == 1 else "s"))
        named.extend(misplaced)
    foreign = [option for option in TYPE_FIELD_OPTIONS if option in fields and option not in action_type.options]
    if foreign:
        problems.append("%s not apply to type %s: %s" % (
            "option does" if len(foreign) == 1 else "options do", type_name,
            ", ".join("%s (an option of %s)" % (option, ", ".join(_owners(option))) for option in foreign)))
        named.extend(foreign)
    if full:
        missing = [option for option in action_type.required if option not in fields]
        if missing:
            problems.append("type %s requires %s: %s" % (
                type_name, "this option" if len(missing) == 1 else "these options", ", ".join(missing)))
            named.extend(missing)
    for option, allowed in action_type.choices.items():
        if option in fields and option not in misplaced and fields[option] not in allowed:
            problems.append("value of %s must be one of %s for type %s, got %s" % (
                option, ", ".join(allowed), type_name, fields[option]))
            named.append(option)
    if type_name == "SANDBOX_CREATE" and full:
        source = fields.get("from")
        needed = SANDBOX_SOURCE_NEEDS.get(source) if source else None
        if needed and needed not in fields:
            problems.append("type SANDBOX_CREATE with from: %s requires %s" % (source, needed))
            named.append(needed)
    if type_name == "RUN_DOCKER_CONTAINER" and full:
        image = _image_problem(fields)
        if image is not None:
            problems.append(image[0])
            named.extend(image[1])
    if problems:
        raise ValidationError("; ".join(problems), options=named)


def check_first_failure(trigger_time: Optional[str], fields: Mapping[str, Any]) -> None:
    if "run_only_on_first_failure" in fields and trigger_time != "ON_FAILURE":
        raise ValidationError("run_only_on_first_failure applies only with trigger_time: ON_FAILURE, and the "
                              "action's trigger_time is %s" % (trigger_time or "unset (ON_EVERY_EXECUTION)"),
                              options=["run_only_on_first_failure"])


class ActionRequest:
    """A buddy_action task, validated and turned into API fields."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.state: str = params["state"]
        self.action_id: Optional[int] = params.get("action_id")
        self.name: Optional[str] = params.get("name")
        self.type: Optional[str] = params.get("type")
        self.after_action_id: Optional[int] = params.get("after_action_id")
        self.recreate: bool = bool(params.get("recreate"))
        self.update_password: str = params.get("update_password") or "on_create"
        # The API fields the user set: the only ones sent and compared.
        self.fields: Dict[str, Any] = {}
        for option in API_FIELD_OPTIONS:
            value = params.get(option)
            if value is not None:
                self.fields[option] = prune_none(value)
        if "integration" in self.fields:
            self.fields["integration"] = _normalise_integration(self.fields["integration"])
        free = params.get("fields") or {}
        # The keys that came from `fields` (a modelled type's own options may not).
        self.free_keys: Tuple[str, ...] = tuple(free)
        self._merge_free_fields(free, params)
        if self.state == "present":
            self._validate()

    def _merge_free_fields(self, free: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        """Refuse, naming the keys and the option to use, what `fields` may never hold.

        A key goes to the first rule it breaks: read-only, an option of the
        module that is no API field, an option the task sets already, an option
        that owns the field.
        """
        module_options = set(NON_FIELD_OPTIONS) | (set(params) - set(API_FIELD_OPTIONS) - set(FIELDS_OWNED_BY_OPTIONS))
        rules = (
            (lambda key: key in READ_ONLY_FIELDS,
             lambda keys: "fields may not hold %s: the server sets %s" % (
                 ", ".join(keys), "it" if len(keys) == 1 else "them")),
            (lambda key: key in module_options,
             lambda keys: "fields may not hold %s: %s of this module, not %s of the action; set %s as the "
             "option%s of that name instead" % (
                 ", ".join(keys), "an option" if len(keys) == 1 else "options",
                 "an API field" if len(keys) == 1 else "API fields", "it" if len(keys) == 1 else "them",
                 "" if len(keys) == 1 else "s")),
            (lambda key: params.get(key) is not None,
             lambda keys: "fields repeats %s set as %s: %s; set each only once" % (
                 "an option" if len(keys) == 1 else "options",
                 "its own option" if len(keys) == 1 else "their own options", ", ".join(keys))),
            (lambda key: key in FIELDS_OWNED_BY_OPTIONS,
             lambda keys: "fields may not hold %s; use the option%s of that name" % (
                 ", ".join(keys), "" if len(keys) == 1 else "s")),
        )
        problems: List[str] = []
        named: List[str] = []
        for breaks, message in rules:
            keys = sorted(key for key in free if key not in named and breaks(key))
            if keys:
                problems.append(message(keys))
                named.extend(keys)
        if problems:
            raise ValidationError("; ".join(problems), options=named)
        self.fields.update(copy.deepcopy(dict(free)))

    def _validate(self) -> None:
        if self.after_action_id is not None and self.after_action_id == self.action_id:
            raise ValidationError("after_action_id can't be the action's own id (%s)" % self.action_id)
        if self.type is not None:
            check_options_for_type(self.type, self.fields, full=True, free=self.free_keys)
            if "trigger_time" in self.fields:
                check_first_failure(self.fields["trigger_time"], self.fields)
        spec = self.fields.get("spec")
        if isinstance(spec, Mapping) and spec.get("identifier") is not None \
                and not SANDBOX_IDENTIFIER.match(str(spec["identifier"])):
            raise ValidationError("spec.identifier may hold only letters, digits, '_' and '-', got %r"
                                  % spec["identifier"], options=["spec"])

    def add_payload(self, after_action_id: Optional[int]) -> Dict[str, Any]:
        payload = copy.deepcopy(self.fields)
        payload["type"] = self.type
        if after_action_id is not None:
            payload["after_action_id"] = after_action_id
        return payload


# ---------------------------------------------------------------------------
# Look-up
# ---------------------------------------------------------------------------

def find_action(client: BuddyClient, location: PipelineLocation, action_id: Optional[int] = None,
                name: Optional[str] = None, need_list: bool = False
                ) -> Tuple[Optional[Dict[str, Any]], Optional[List[Dict[str, Any]]]]:
    """The action (or None) and, when it was read, the pipeline's action list.

    By id this is one GET, unless the list is needed anyway (to know the
    action's position); by name the whole paginated list is searched.
    """
    if action_id is not None and not need_list:
        return client.get_action(location, action_id), None
    actions = client.list_actions(location)
    if action_id is not None:
        matches = [action for action in actions if action.get("id") == action_id]
    else:
        matches = [action for action in actions if action.get("name") == name]
    if len(matches) > 1:
        ids = [action.get("id") for action in matches]
        raise OpsflowError("pipeline %s holds %d actions named %r (ids %s); set action_id to say which one"
                           % (location.pipeline_id, len(matches), name, ", ".join(str(i) for i in ids)),
                           action_ids=ids)
    return (matches[0] if matches else None), actions


# Keys a short list entry carries; an entry with nothing beyond them is not the whole action.
SHORT_ENTRY_KEYS = frozenset(("url", "html_url", "id", "name", "type", "trigger_time", "run_next", "disabled",
                              "last_execution_status"))


def is_short_entry(entry: Mapping[str, Any]) -> bool:
    return set(entry) <= SHORT_ENTRY_KEYS


def complete_entry(client: BuddyClient, location: PipelineLocation, entry: Dict[str, Any],
                   compared: Sequence[str] = ()) -> Optional[Dict[str, Any]]:
    """The whole action behind a list entry.

    Lists may hold short entries (id, name, type and a few more). Comparing a
    field such an entry leaves out would report a false change, and returning
    it would hide the action's settings, so the action is then read once more
    (None if it vanished meanwhile). A list of whole actions costs no request.
    """
    if not is_short_entry(entry) and all(key in entry for key in compared):
        return entry
    return client.get_action(location, entry["id"])


def predecessor_id(actions: Sequence[Mapping[str, Any]], action_id: Any) -> Optional[int]:
    """The id of the action just before ``action_id`` in pipeline order (None when it is first)."""
    previous = None
    for action in actions:
        if action.get("id") == action_id:
            return previous
        previous = action.get("id")
    return None


def _check_after_action(actions: Optional[Sequence[Mapping[str, Any]]], after_action_id: Optional[int],
                        location: PipelineLocation) -> None:
    if after_action_id is None or actions is None:
        return
    if not any(action.get("id") == after_action_id for action in actions):
        raise ValidationError("after_action_id %s is not an action of pipeline %s" % (
            after_action_id, location.pipeline_id), options=["after_action_id"])


# ---------------------------------------------------------------------------
# Decide and apply
# ---------------------------------------------------------------------------

def _result(changed: bool, action: Optional[Mapping[str, Any]], diff: Optional[Dict[str, Any]],
            want_diff: bool, **extra: Any) -> Dict[str, Any]:
    result: Dict[str, Any] = dict(changed=changed, action=mask_secrets(dict(action or {})))
    if want_diff and diff is not None:
        result["diff"] = diff
    result.update(extra)
    return result


def _predicted_new(payload: Mapping[str, Any]) -> Dict[str, Any]:
    # What an add would leave on the server, as far as it is known before the server answers:
    # write-only keys never come back, encrypted values come back masked.
    return mask_secrets(without_keys(payload, ("after_action_id",) + tuple(WRITE_ONLY_KEYS)))


def ensure_absent(client: BuddyClient, location: PipelineLocation, request: ActionRequest,
                  check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    found = find_action(client, location, request.action_id, request.name)[0]
    if found is None:
        return _result(False, {}, {"before": {}, "after": {}}, want_diff)
    if not check_mode:
        client.delete_action(location, found["id"])
    return _result(True, {}, {"before": mask_secrets(found), "after": {}}, want_diff)


def _add(client: BuddyClient, location: PipelineLocation, request: ActionRequest,
         actions: Optional[List[Dict[str, Any]]], check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    if request.action_id is not None:
        raise OpsflowError("pipeline %s has no action with id %s; to add a new action, leave action_id out "
                           "(the server chooses the id)" % (location.pipeline_id, request.action_id))
    if request.type is None:
        raise ValidationError("pipeline %s has no action named %r, and type is required to add one"
                              % (location.pipeline_id, request.name), options=["type"])
    check_first_failure(request.fields.get("trigger_time"), request.fields)
    _check_after_action(actions, request.after_action_id, location)
    payload = request.add_payload(request.after_action_id)
    predicted = _predicted_new(payload)
    action = predicted if check_mode else client.add_action(location, payload)
    diff_after = mask_secrets(without_keys(payload, ("after_action_id",)))
    if request.after_action_id is not None:
        diff_after["after_action_id"] = request.after_action_id
    return _result(True, action, {"before": {}, "after": diff_after}, want_diff)


def _recreate(client: BuddyClient, location: PipelineLocation, request: ActionRequest, found: Dict[str, Any],
              actions: Optional[List[Dict[str, Any]]], check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    """Add the new action right after the old one, then delete the old one.

    Adding first keeps the position and loses nothing when the add fails; the
    old action is only deleted once its replacement exists.
    """
    check_first_failure(request.fields.get("trigger_time"), request.fields)
    _check_after_action(actions, request.after_action_id, location)
    after = request.after_action_id if request.after_action_id is not None else found["id"]
    payload = request.add_payload(after)
    predicted = _predicted_new(payload)
    keys = ["type"] + [key for key in request.fields if key != "type"]
    diff = {"before": compared_view(found, keys), "after": compared_view(predicted, keys)}
    if check_mode:
        return _result(True, predicted, diff, want_diff, replaced_action_id=found["id"])
    added = client.add_action(location, payload, exclude_ids=[found["id"]])
    try:
        client.delete_action(location, found["id"])
    except OpsflowError as error:
        raise OpsflowError("added the new %s action (id %s), but deleting the old %s action (id %s) failed: %s. "
                           "Delete the old action by hand (or with state: absent and its action_id) before "
                           "running the task again" % (request.type, added.get("id"), found.get("type"),
                                                       found["id"], error.message),
                           action=mask_secrets(added), replaced_action_id=found["id"])
    return _result(True, added, diff, want_diff, replaced_action_id=found["id"])


def plan_update(request: ActionRequest, found: Mapping[str, Any],
                actions: Optional[Sequence[Mapping[str, Any]]]) -> Tuple[Dict[str, Any], Dict[str, Any], List[str]]:
    """The PATCH body, the predicted action and the compared keys for an existing action.

    Only fields the user set are compared, secrets left out; a field whose
    value the server already holds (as a subset) is not sent. With
    ``update_password: always`` the fields that carry a secret are sent too.
    """
    comparable = without_write_only(request.fields)
    changed_keys = differing_keys(comparable, found)
    if request.update_password == "always":
        changed_keys += [key for key in request.fields
                         if key not in changed_keys and has_write_only({key: request.fields[key]})]
    payload = dict((key, copy.deepcopy(request.fields[key])) for key in request.fields if key in changed_keys)
    if request.after_action_id is not None and actions is not None:
        if predecessor_id(actions, found["id"]) != request.after_action_id:
            payload["after_action_id"] = request.after_action_id
    predicted = merge_into(dict(found), without_write_only(without_keys(payload, ("after_action_id",))))
    return payload, predicted, list(comparable)


def ensure_present(client: BuddyClient, location: PipelineLocation, request: ActionRequest,
                   check_mode: bool, want_diff: bool) -> Dict[str, Any]:
    need_list = request.after_action_id is not None
    found, actions = find_action(client, location, request.action_id,
                                 None if request.action_id is not None else request.name, need_list)
    if found is not None and actions is not None and request.type in (None, found.get("type")):
        # (An action of another type is replaced or refused whole: its entry is enough.)
        found = complete_entry(client, location, found, list(without_write_only(request.fields)))
    if found is None:
        return _add(client, location, request, actions, check_mode, want_diff)

    if request.after_action_id is not None and request.after_action_id == found.get("id"):
        raise ValidationError("after_action_id %s is the id of action %r itself; an action can't be placed after "
                              "itself: set after_action_id to the id of the action it should follow"
                              % (request.after_action_id, found.get("name")), options=["after_action_id"])
    found_type = found.get("type")
    if request.type is not None and request.type != found_type:
        if not request.recreate:
            message = ("action %r (id %s) has type %s, and the type of an existing action can't be changed. Set "
                       "recreate: true to replace it with a new %s action at the same position (the old action "
                       "is deleted, and with it its run history)"
                       % (found.get("name"), found.get("id"), found_type, request.type))
            raise ValidationError(message, options=["type", "recreate"])
        return _recreate(client, location, request, found, actions, check_mode, want_diff)

    if request.type is None:
        check_options_for_type(found_type, request.fields, full=False, free=request.free_keys)
    if "run_only_on_first_failure" in request.fields:
        check_first_failure(request.fields.get("trigger_time", found.get("trigger_time")), request.fields)
    _check_after_action(actions, request.after_action_id, location)

    payload, predicted, keys = plan_update(request, found, actions)
    before = compared_view(found, keys)
    if not payload:
        return _result(False, found, {"before": before, "after": copy.deepcopy(before)}, want_diff)
    after = compared_view(predicted, keys)
    if "after_action_id" in payload:
        before["after_action_id"] = predecessor_id(actions or [], found["id"])
        after["after_action_id"] = payload["after_action_id"]
    for key in payload:
        if key != "after_action_id" and has_write_only({key: payload[key]}):
            # A secret sent (update_password: always, or along with a nested field that differs) can't be
            # compared: `after` marks it as sent, at any depth, so the diff shows what the change is.
            after[key] = merge_into(after.get(key), mask_secrets({key: payload[key]}, SENT_MASK)[key])
    action = predicted if check_mode else client.edit_action(location, found["id"], payload)
    return _result(True, action, {"before": before, "after": after}, want_diff)


def ensure_action(client: BuddyClient, params: Mapping[str, Any], check_mode: bool = False,
                  want_diff: bool = False) -> Dict[str, Any]:
    """buddy_action's whole logic: validate, look up, compare, write (unless check mode), report."""
    location = PipelineLocation.from_params(params)
    request = ActionRequest(params)
    if request.state == "absent":
        return ensure_absent(client, location, request, check_mode, want_diff)
    return ensure_present(client, location, request, check_mode, want_diff)


def action_info(client: BuddyClient, params: Mapping[str, Any]) -> Dict[str, Any]:
    """buddy_action_info's logic: the matching whole actions, in pipeline order, secrets masked."""
    location = PipelineLocation.from_params(params)
    if params.get("action_id") is not None:
        action = client.get_action(location, params["action_id"])
        found = [action] if action is not None else []
    else:
        found = []
        for entry in client.list_actions(location):
            if params.get("name") is not None and entry.get("name") != params["name"]:
                continue
            action = complete_entry(client, location, entry)
            if action is not None:
                found.append(action)
    return dict(changed=False, actions=[mask_secrets(action) for action in found])
