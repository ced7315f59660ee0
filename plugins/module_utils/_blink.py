# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""BlinkOps connection: option table, API root, error wording, and the client every Blink resource uses.

Resources (executions today: ``_blink_executions.py``) each have their own
client file over this one ``BlinkClient``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import (
    ApiError,
    NotFoundError,
    PermissionDeniedError,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import (
    Response,
    Transport,
    credential,
    join_path,
    quote_segment,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._options import ConnectionOption, connection_spec
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import userinfo_values

DEFAULT_API_URL = "https://app.blinkops.com"
API_ROOT = ("api", "v1")

BLINK_CONNECTION_OPTIONS = (
    ConnectionOption("api_url", "str", DEFAULT_API_URL, env=("BLINK_API_URL",)),
    ConnectionOption("api_key", "str", env=("BLINK_API_KEY",), required=True, no_log=True),
    ConnectionOption("validate_certs", "bool", True, env=("BLINK_VALIDATE_CERTS",)),
    ConnectionOption("request_timeout", "float", 30.0, env=("BLINK_REQUEST_TIMEOUT",)),
    ConnectionOption("max_retries", "int", 5),
)
# Every blink_* module merges its own options onto this (doc fragment opsflow.pipelines._blink).
BLINK_CONNECTION_SPEC = connection_spec(BLINK_CONNECTION_OPTIONS)

# Which identifiers to check when a call answers 404, by what the call was about.
NOT_FOUND_HINTS = {
    "workflow": "check workspace_id and workflow_id, and that the API key's user has a role in that workspace",
    "execution": "check workspace_id and execution_id",
    "workspace": "check workspace_id",
}
FORBIDDEN_HINT = ("the API key's role in this workspace does not allow this call: a Viewer can only list,"
                  " running and cancelling workflows needs Owner or Contributor")


def api_base_url(api_url: str) -> str:
    """The server root: the API root /api/v1 is added to every path, so drop it from the URL if given."""
    url = (api_url or "").rstrip("/")
    if url.endswith("/api/v1"):
        url = url[:-len("/api/v1")]
    return url


def blink_secret_values(params: Dict[str, Any]) -> Set[str]:
    """Credentials written into a URL option (api_url, callback.url): the module base hides them everywhere."""
    callback = params.get("callback") if isinstance(params.get("callback"), dict) else {}
    return userinfo_values(params.get("api_url"), callback.get("url"))


def with_blink_hint(error: ApiError, what: str) -> ApiError:
    """A 403 or 404 worded for BlinkOps: what to check, by what the call was about."""
    if isinstance(error, NotFoundError):
        return NotFoundError(error.method, error.path, error.status, error.server_message, hint=NOT_FOUND_HINTS[what])
    if isinstance(error, PermissionDeniedError):
        return PermissionDeniedError(error.method, error.path, error.status, error.server_message, hint=FORBIDDEN_HINT)
    return error


def rql_results(body: Any, path: str) -> Tuple[List[Dict[str, Any]], Optional[int]]:
    """(records, total) of a BlinkOps list answer (``{"results": [...], "total": n}``, or a bare list)."""
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)], None
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        total = body.get("total")
        return ([item for item in body["results"] if isinstance(item, dict)],
                total if isinstance(total, int) and not isinstance(total, bool) else None)
    raise ApiError("GET", path, 200, "unexpected answer: no 'results' list in the body")


class BlinkClient:
    """The transport with BlinkOps' key header, paths and error wording; resource clients wrap it."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @classmethod
    def from_params(cls, params: Dict[str, Any], warn: Optional[Callable[[str], None]] = None) -> "BlinkClient":
        headers = {"BLINK-API-KEY": credential(params["api_key"], "api_key")}
        return cls(Transport.from_params(api_base_url(params["api_url"]), headers, params, warn=warn))

    @classmethod
    def from_module(cls, module: Any) -> "BlinkClient":
        return cls.from_params(module.params, warn=module.warn)

    @staticmethod
    def workspace_path(workspace_id: str, *rest: Any) -> str:
        return join_path(*(API_ROOT + ("workspace", quote_segment(workspace_id, "workspace_id")) + rest))

    def request(self, what: str, method: str, path: str, **kwargs: Any) -> Response:
        """transport.request, with BlinkOps wording for 403 and 404 (``what`` names the object)."""
        try:
            return self.transport.request(method, path, **kwargs)
        except (NotFoundError, PermissionDeniedError) as error:
            raise with_blink_hint(error, what)
