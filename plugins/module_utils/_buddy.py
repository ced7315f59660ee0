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

from typing import Any, Callable, Dict, Optional

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import ValidationError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport, credential, join_path, quote_segment
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec
from ansible_collections.opsflow.pipelines.plugins.module_utils._options import ConnectionOption, connection_spec

DEFAULT_API_URL = "https://api.buddy.works"
# Buddy's lists hand out 20 items a page by default; asking for more could look like the last
# page to a server that caps page sizes at its default, so ask for exactly that.
PER_PAGE = 20

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
PIPELINE_SPEC = WORKSPACE_SPEC.merge(ArgumentSpec({
    "project_name": {"type": "str", "required": True},
    "pipeline_id": {"type": "int", "required": True},
}))


class PipelineLocation:
    """workspace / project / pipeline, quoted once so every path is built the same way."""

    def __init__(self, workspace: str, project_name: str, pipeline_id: Optional[int] = None) -> None:
        self.workspace = workspace
        self.project_name = project_name
        if pipeline_id is not None and pipeline_id < 1:
            # A server-given ID: 0 or less can only be a typo, and fails before any request.
            raise ValidationError("pipeline_id must be the ID of a pipeline, a positive integer, got %s"
                                  % pipeline_id, options=["pipeline_id"])
        self.pipeline_id = pipeline_id
        self._workspace = quote_segment(workspace, "workspace")
        self._project = quote_segment(project_name, "project_name")

    @classmethod
    def from_params(cls, params: Dict[str, Any]) -> "PipelineLocation":
        return cls(params["workspace"], params["project_name"], params.get("pipeline_id"))

    def workspace_path(self, *rest: Any) -> str:
        return join_path("workspaces", self._workspace, *rest)

    def project_path(self, *rest: Any) -> str:
        return self.workspace_path("projects", self._project, *rest)

    def pipeline_path(self, *rest: Any) -> str:
        if self.pipeline_id is None:
            raise ValueError("pipeline_id is needed for this call")
        return self.project_path("pipelines", quote_segment(self.pipeline_id, "pipeline_id"), *rest)

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


def sandboxes_path(workspace: str, sandbox_id: Optional[str] = None, *rest: str) -> str:
    """Sandboxes belong to the workspace (a project only filters the list)."""
    segments = ["workspaces", quote_segment(workspace, "workspace"), "sandboxes"]
    if sandbox_id is not None:
        segments.append(quote_segment(sandbox_id, "sandbox id"))
    segments.extend(rest)
    return join_path(*segments)


def buddy_transport(params: Dict[str, Any], warn: Optional[Callable[[str], None]] = None) -> Transport:
    """The transport for the connection options in ``params``; a bad token fails here, before any request."""
    return Transport.from_params(params["api_url"], {"Authorization": "Bearer %s" % credential(params["token"], "token")},
                                 params, warn=warn)
