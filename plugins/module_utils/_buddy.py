# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""What every Buddy client shares: the connection table, where a pipeline is, the transport.

The calls themselves live in one file per resource (``_buddy_actions.py``,
``_buddy_pipelines.py``, ``_buddy_executions.py``, ``_buddy_sandboxes.py``),
all over the transport ``buddy_transport`` builds; ``_buddy_client.BuddyClient``
hands a module all of them at once.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    OpsflowError,
    TransportError,
    ValidationError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport, credential, join_path, quote_segment
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._options import ConnectionOption, connection_spec

DEFAULT_API_URL = "https://api.buddy.works"
# The page size Buddy lists (actions, pipelines) are read with: what the official Go SDK asks for
# (GetList / GetListAll, per_page 30). No source states a larger page the server honours, and a
# capped page never ends a list on its own (Transport.paginate reads on until the list shows its end).
PER_PAGE = 30

BUDDY_CONNECTION_OPTIONS = (
    ConnectionOption("api_url", "str", DEFAULT_API_URL, env=("BUDDY_API_URL", "BUDDY_BASE_URL")),
    ConnectionOption("token", "str", env=("BUDDY_TOKEN",), required=True, no_log=True),
    ConnectionOption("validate_certs", "bool", True, env=("BUDDY_VALIDATE_CERTS",)),
    ConnectionOption("request_timeout", "float", 30.0, env=("BUDDY_REQUEST_TIMEOUT", "BUDDY_TIMEOUT")),
    ConnectionOption("max_retries", "int", 5),
)

BUDDY_CONNECTION_SPEC = connection_spec(BUDDY_CONNECTION_OPTIONS)
# Where a module works (doc fragment sections _buddy.WORKSPACE and _buddy.PIPELINE): merge one of these.
WORKSPACE_SPEC = ArgumentSpec({"workspace": {"type": "str", "required": True}})
# The pipeline by its id or by its exact name (resolved once per task, see PipelineLocation).
PIPELINE_SPEC = WORKSPACE_SPEC.merge(ArgumentSpec({
    "project_name": {"type": "str", "required": True},
    "pipeline_id": {"type": "int"},
    "pipeline_name": {"type": "str"},
}, mutually_exclusive=[("pipeline_id", "pipeline_name")], required_one_of=[("pipeline_id", "pipeline_name")]))

# Anything with ``list_pipelines(location)``: _buddy_pipelines.BuddyPipelinesClient, or a test's stand-in.
PipelineLister = Any


def check_pipeline_id(pipeline_id: Any, option: str = "pipeline_id") -> Optional[int]:
    """A server-given pipeline ID, or None; anything else fails before any request.

    ``true`` passes Ansible's int check (a bool is an int in Python) and would
    be sent as ``/pipelines/True``; 0 or less can only be a typo.
    """
    if pipeline_id is None:
        return None
    if isinstance(pipeline_id, bool) or not isinstance(pipeline_id, int):
        raise ValidationError("%s must be the ID of a pipeline, a positive integer, got %r" % (option, pipeline_id),
                              options=[option])
    if pipeline_id < 1:
        raise ValidationError("%s must be the ID of a pipeline, a positive integer, got %s" % (option, pipeline_id),
                              options=[option])
    return pipeline_id


def check_pipeline_name(pipeline_name: Any, option: str = "pipeline_name") -> Optional[str]:
    """A pipeline name to look up, or None; an empty or blank name fails before any request."""
    if pipeline_name is None:
        return None
    if not isinstance(pipeline_name, str) or not pipeline_name.strip():
        raise ValidationError("%s may not be empty" % option, options=[option])
    return pipeline_name


def pick_pipeline(pipelines: List[Dict[str, Any]], name: str, project_name: str,
                  option: str = "pipeline_name") -> Optional[Dict[str, Any]]:
    """The one pipeline named exactly ``name``; None when there is none, an error when there are several."""
    matches = [pipeline for pipeline in pipelines if pipeline.get("name") == name]
    if len(matches) > 1:
        raise OpsflowError("project %s has %d pipelines named %r (ids %s); set pipeline_id to say which one"
                           % (project_name, len(matches), name,
                              ", ".join(str(pipeline.get("id")) for pipeline in matches)), options=[option])
    return matches[0] if matches else None


def describe_names(pipelines: List[Dict[str, Any]], limit: int = 20) -> str:
    """What a project holds, for a message: its pipelines' names (the first ``limit``)."""
    if not pipelines:
        return "it has no pipelines"
    names = ["%r (id %s)" % (pipeline.get("name"), pipeline.get("id")) for pipeline in pipelines[:limit]]
    more = len(pipelines) - limit
    return "its pipelines: %s%s" % (", ".join(names), " and %d more" % more if more > 0 else "")


class PipelineLocation:
    """workspace / project / pipeline, quoted once so every path is built the same way.

    The pipeline is given by ``pipeline_id``, or by ``pipeline_name``: then the
    project's pipelines are listed (all pages) the first time the id is needed,
    once per location, through ``pipelines`` (the task's pipelines client; when
    none is given, one is built from the connection options in the params).
    Resolving late keeps every check of the task's input before the first request.
    """

    def __init__(self, workspace: str, project_name: str, pipeline_id: Optional[int] = None,
                 pipeline_name: Optional[str] = None, pipelines: PipelineLister = None) -> None:
        self.workspace = workspace
        self.project_name = project_name
        self._pipeline_id = check_pipeline_id(pipeline_id)
        self.pipeline_name = check_pipeline_name(pipeline_name) if self._pipeline_id is None else None
        self._pipelines = pipelines
        self._workspace = quote_segment(workspace, "workspace")
        self._project = quote_segment(project_name, "project_name")

    @classmethod
    def from_params(cls, params: Dict[str, Any], pipelines: PipelineLister = None) -> "PipelineLocation":
        name = params.get("pipeline_name")
        if pipelines is None and name is not None and params.get("pipeline_id") is None:
            pipelines = _lister_from_params(params)
        return cls(params["workspace"], params["project_name"], params.get("pipeline_id"), name, pipelines)

    @property
    def pipeline_id(self) -> Optional[int]:
        if self._pipeline_id is None and self.pipeline_name is not None:
            self._pipeline_id = self._resolve()
        return self._pipeline_id

    def _resolve(self) -> int:
        if self._pipelines is None:
            raise ValueError("pipeline_name needs a pipelines client to be resolved")
        listed = self._pipelines.list_pipelines(self)
        found = pick_pipeline(listed, self.pipeline_name or "", self.project_name)
        if found is None:
            raise OpsflowError("project %s has no pipeline named %r; %s"
                               % (self.project_name, self.pipeline_name, describe_names(listed)),
                               options=["pipeline_name"])
        return check_pipeline_id(found.get("id"), "the id of pipeline %r" % self.pipeline_name) or 0

    def workspace_path(self, *rest: Any) -> str:
        return join_path("workspaces", self._workspace, *rest)

    def project_path(self, *rest: Any) -> str:
        return self.workspace_path("projects", self._project, *rest)

    def pipeline_path(self, *rest: Any) -> str:
        pipeline_id = self.pipeline_id
        if pipeline_id is None:
            raise ValueError("pipeline_id is needed for this call")
        return self.project_path("pipelines", quote_segment(pipeline_id, "pipeline_id"), *rest)

    def pipelines_path(self) -> str:
        return self.project_path("pipelines")

    def actions_path(self, action_id: Optional[int] = None) -> str:
        if action_id is None:
            return self.pipeline_path("actions")
        return self.pipeline_path("actions", quote_segment(action_id, "action_id"))

    def executions_path(self, execution_id: Optional[int] = None) -> str:
        if execution_id is None:
            return self.pipeline_path("executions")
        return self.pipeline_path("executions", quote_segment(execution_id, "execution_id"))


def _lister_from_params(params: Dict[str, Any]) -> PipelineLister:
    """A pipelines client over the task's connection options, for callers that did not hand theirs over.

    Its retry warnings go where AnsibleModule.warn sends them (the task's warnings).
    """
    from ansible.module_utils.common.warnings import warn
    from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_pipelines import BuddyPipelinesClient
    return BuddyPipelinesClient(buddy_transport(params, warn=warn))


def sandboxes_path(workspace: str, sandbox_id: Optional[str] = None, *rest: str) -> str:
    """Sandboxes belong to the workspace (a project only filters the list)."""
    segments = ["workspaces", quote_segment(workspace, "workspace"), "sandboxes"]
    if sandbox_id is not None:
        segments.append(quote_segment(sandbox_id, "sandbox id"))
    segments.extend(rest)
    return join_path(*segments)


def connection_params(get_option: Callable[[str], Any]) -> Dict[str, Any]:
    """The connection options a plugin (connection, inventory) reads with ``get_option``, as the modules' params."""
    return dict((option.name, get_option(option.name)) for option in BUDDY_CONNECTION_OPTIONS)


def post_once(transport: Transport, path: str, body: Dict[str, Any], find: Optional[Callable[[], Any]],
              what: str, missing: str, verb: str = "created",
              query: Optional[Dict[str, Any]] = None, whole_response: bool = False) -> Tuple[Any, bool]:
    """POST a creation so that it never happens twice: (the answer's JSON or what ``find`` found, found?).

    A creation is not idempotent, so a POST that may have reached the server (timeout, dropped
    connection, gateway error) is followed by ``find()``, which returns what it made or None;
    only when nothing is found is it sent again, up to the transport's retries. Without
    ``find`` (nothing to look for) such a failure is raised at once. ``what`` names the thing,
    ``verb`` what the POST does to it and ``missing`` what the last look-up saw, for the messages.
    ``whole_response`` gives the answer as the Response, for a caller that judges its body itself.
    """
    attempt = 0
    while True:
        try:
            response = transport.request("POST", path, query=query, body=body, expected=(200, 201))
            return (response if whole_response else response.json), False
        except TransportError as error:
            if not error.may_have_committed or find is None:
                raise
            found = find()
            if found is not None:
                transport.warn("POST %s: %s; found the %s it %s (id %s), so it was not sent again"
                               % (path, error.reason, what, verb, found.get("id")))
                return found, True
            if attempt >= transport.max_retries:
                raise TransportError("POST", path, "%s; %s after %d retries" % (error.reason, missing, attempt))
            attempt += 1
            transport.wait_before_retry("POST", path, attempt, "%s; the %s was not %s" % (error.reason, what, verb),
                                        None)


def buddy_transport(params: Dict[str, Any], warn: Optional[Callable[[str], None]] = None) -> Transport:
    """The transport for the connection options in ``params``; a bad token fails here, before any request."""
    return Transport.from_params(params["api_url"], {"Authorization": "Bearer %s" % credential(params["token"], "token")},
                                 params, warn=warn)
