# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every Buddy resource of the emulator shares: look-ups, URLs, pipeline views, paging, timing.

Test tooling only. No routes here: ``buddy_pipelines.py`` serves workspaces, projects and
pipelines and seeds them; the other ``buddy_*.py`` files build on the helpers below.

State layout (``state.data``)::

    workspaces:
      <ws>: {name, integrations: {<id>: {name, type}}, projects: {
        <project>: {display_name, status, pipelines: {
          "<pipeline id>": {id, name, <pipeline fields>..., actions: [<stored action>, ...]}}}}}
    run_settings: {action_duration, queue_delay, sandbox_boot, ...}   (seconds, see DEFAULT_SETTINGS)
    _counters: {action: next id, variable: next id, ...}
    _secrets: {actions: {"<action id>": {password: ...}}, variables: {"<var id>": plain value}}
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import time
from typing import Any, Dict, List, Sequence, Tuple
from urllib.parse import quote

from .core import POSITIVE_INTEGER, ApiError, Request, SettingRule, State, checked_settings

# Route patterns over the raw path; each named group is one segment, percent-decoded for handlers.
SEG = r"[^/]+"
WS = r"/workspaces/(?P<ws>%s)" % SEG
PROJECT = WS + r"/projects/(?P<project>%s)" % SEG
PIPELINE = PROJECT + r"/pipelines/(?P<pipeline_id>%s)" % SEG

PIPELINE_DEFAULTS: Dict[str, Any] = {
    "on": "CLICK",
    "refs": ["refs/heads/main"],
    "definition_source": "LOCAL",
    "git_config_ref": "NONE",
    "priority": "NORMAL",
    "disabled": False,
    "last_execution_status": "INITIAL",
    "last_execution_revision": None,
    "always_from_scratch": False,
    "ignore_fail_on_project_status": False,
    "strict_context": False,
    "no_skip_to_most_recent": False,
    "terminate_stale_runs": False,
    "auto_clear_cache": False,
    "fetch_all_refs": False,
    "fail_on_prepare_env_warning": True,
    "concurrent_pipeline_runs": False,
    "do_not_create_commit_status": False,
    "stale": False,
    "waiting_for_push": False,
    "resources": "DEFAULT",
    "git_changeset_base": "LATEST_RUN",
    "filesystem_changeset_base": "DATE_MODIFIED",
    "cpu": "X64",
    "description_required": False,
    "create_date": "2026-01-01T00:00:00Z",
}
SHORT_PIPELINE_KEYS = ("identifier", "name", "on", "refs", "last_execution_status", "last_execution_revision")
PRIVATE_PIPELINE_KEYS = ("actions",)


def seg(value: Any) -> str:
    """Percent-encode one path segment for URLs the emulator hands out."""
    return quote(str(value), safe="")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "pipeline"


# --- look-ups (404 names the missing level) -----------------------------------------------------
def get_workspace(state: State, ws: str) -> Dict[str, Any]:
    workspace = state.data.get("workspaces", {}).get(ws)
    if workspace is None:
        raise ApiError(404, "Workspace not found: %s" % ws)
    return workspace


def get_project(state: State, ws: str, project: str) -> Dict[str, Any]:
    found = get_workspace(state, ws).get("projects", {}).get(project)
    if found is None:
        raise ApiError(404, "Project not found: %s" % project)
    return found


def parse_int_id(raw: str, what: str) -> int:
    """A numeric path id; an id that is not a number can't exist -> 404 naming it."""
    if not re.match(r"^[0-9]+$", raw):
        raise ApiError(404, "%s not found: %s" % (what, raw))
    return int(raw)


def get_pipeline(state: State, ws: str, project: str, pipeline_id: str) -> Dict[str, Any]:
    pipelines = get_project(state, ws, project).get("pipelines", {})
    found = pipelines.get(str(parse_int_id(pipeline_id, "Pipeline")))
    if found is None:
        raise ApiError(404, "Pipeline not found: %s" % pipeline_id)
    return found


# --- URLs and views ----------------------------------------------------------------------------
def pipeline_url(base: str, ws: str, project: str, pipeline_id: Any) -> str:
    return "%s/workspaces/%s/projects/%s/pipelines/%s" % (base, seg(ws), seg(project), seg(pipeline_id))


def pipeline_html_url(base: str, ws: str, project: str, pipeline_id: Any) -> str:
    return "%s/app/%s/%s/pipelines/pipeline/%s" % (base, seg(ws), seg(project), seg(pipeline_id))


def project_view(base: str, ws: str, project_name: str, project: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "url": "%s/workspaces/%s/projects/%s" % (base, seg(ws), seg(project_name)),
        "html_url": "%s/app/%s/%s" % (base, seg(ws), seg(project_name)),
        "name": project_name,
        "display_name": project.get("display_name", project_name),
        "status": project.get("status", "ACTIVE"),
    }


def pipeline_full(pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """Stored pipeline fields with server defaults filled in (no actions)."""
    full = copy.deepcopy(PIPELINE_DEFAULTS)
    full["identifier"] = slug(str(pipeline.get("name", "pipeline")))
    for key, value in pipeline.items():
        if key not in PRIVATE_PIPELINE_KEYS and not key.startswith("_"):
            full[key] = copy.deepcopy(value)
    return full


def pipeline_short_view(base: str, ws: str, project: str, pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """Short pipeline object as embedded in actions."""
    full = pipeline_full(pipeline)
    view: Dict[str, Any] = {
        "url": pipeline_url(base, ws, project, pipeline["id"]),
        "html_url": pipeline_html_url(base, ws, project, pipeline["id"]),
        "id": pipeline["id"],
    }
    for key in SHORT_PIPELINE_KEYS:
        view[key] = full.get(key)
    return view


def pipeline_view(base: str, ws: str, project_name: str, project: Dict[str, Any], pipeline: Dict[str, Any]) -> Dict[str, Any]:
    """Full pipeline object as ``GET .../pipelines/{id}`` answers it."""
    full = pipeline_full(pipeline)
    view: Dict[str, Any] = {
        "url": pipeline_url(base, ws, project_name, pipeline["id"]),
        "html_url": pipeline_html_url(base, ws, project_name, pipeline["id"]),
        "id": pipeline["id"],
        "identifier": full.pop("identifier"),
        "name": full.pop("name", None),
    }
    view.update({key: value for key, value in full.items() if key != "id"})
    view["project"] = project_view(base, ws, project_name, project)
    return view


# --- lists ---------------------------------------------------------------------------------------
# Realism switches for Buddy lists, per test: seed ``{"list_settings": {...}}`` (a reset brings back the start-up
# values of --list-view / --page-size / --max-per-page).
#   view:         "full" (entries are whole objects) | "short" (entries hold a few keys; actions: SHORT_ACTION_KEYS)
#   page_size:    per_page when the client sends none (Buddy documents 20)
#   max_per_page: the most items a page holds, whatever per_page asks; lists state no total, so a client that
#                 asks for more sees a short page that is not the last one
LIST_SETTING_CHOICES = {"view": ("full", "short")}


def list_settings(state: State) -> Dict[str, Any]:
    """The list switches now in force (see above)."""
    if "list_settings" not in state.data:
        init_list_settings(state)
    return state.data["list_settings"]


def init_list_settings(state: State) -> None:
    config = state.config
    state.data["list_settings"] = {"view": config.list_view, "page_size": config.page_size,
                                   "max_per_page": config.max_per_page}


def seed_list_settings(state: State, values: Any) -> None:
    """Seed ``list_settings``: ``view``, ``page_size``, ``max_per_page``."""
    current = list_settings(state)
    current.update(checked_settings("list_settings", values, current, LIST_SETTING_CHOICES,
                                    {"page_size": POSITIVE_INTEGER, "max_per_page": POSITIVE_INTEGER}))


def list_view(state: State) -> str:
    """``full`` or ``short`` list entries."""
    return list_settings(state)["view"]


def page_params(state: State, request: Request) -> Tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (default ``page_size``, capped at ``max_per_page``); 400 below 1."""
    current = list_settings(state)
    page = request.query_int("page", 1)
    per_page = request.query_int("per_page", current["page_size"])
    if page < 1:
        raise ApiError(400, "Query parameter 'page' must be 1 or more")
    if per_page < 1:
        raise ApiError(400, "Query parameter 'per_page' must be 1 or more")
    return page, min(per_page, current["max_per_page"])


def page_of(items: Sequence[Any], page: int, per_page: int) -> List[Any]:
    """One page of ``items``; a page past the end is empty."""
    return list(items[(page - 1) * per_page:page * per_page])


# --- time and ids -----------------------------------------------------------------------------------
DEFAULT_SETTINGS: Dict[str, float] = {
    "action_duration": 0.2,   # seconds an action takes (plus any `sleep N` in its commands)
    "queue_delay": 0.05,      # seconds a new run stays ENQUEUED
    "sandbox_boot": 0.2,      # seconds a sandbox takes to start, restore or set up
    "sandbox_stop": 0.1,      # seconds a sandbox takes to stop
    "snapshot_time": 0.1,     # seconds a snapshot stays CREATING
}


SECONDS: SettingRule = (lambda value: isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0,
                        "a number of seconds")


def settings(state: State) -> Dict[str, float]:
    """``run_settings``: how long the timed things of the Buddy resources take."""
    return state.data.setdefault("run_settings", dict(DEFAULT_SETTINGS))


def init_settings(state: State) -> None:
    state.data["run_settings"] = dict(DEFAULT_SETTINGS)


def seed_settings(state: State, values: Any) -> None:
    """Seed ``run_settings``: durations in seconds (see DEFAULT_SETTINGS)."""
    checked = checked_settings("run_settings", values, DEFAULT_SETTINGS,
                               rules=dict((key, SECONDS) for key in DEFAULT_SETTINGS))
    settings(state).update((key, float(value)) for key, value in checked.items())


def iso(moment: float) -> str:
    """``time.time()`` seconds as Buddy writes dates (UTC, milliseconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + ".%03dZ" % int((moment % 1) * 1000)


def short_id(seed: str, prefix: str = "") -> str:
    """13 lowercase letters and digits, like Buddy's sandbox ids (deterministic for tests)."""
    digest = int(hashlib.sha256(seed.encode("utf-8")).hexdigest(), 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    chars = []
    for _index in range(13):
        digest, rest = divmod(digest, 36)
        chars.append(alphabet[rest])
    return prefix + "".join(chars)


# --- secrets -----------------------------------------------------------------------------------------
ENCRYPTED_PREFIX = "secure!"


def encrypt(value: str) -> str:
    """What Buddy answers for an encrypted value: ciphertext, never the plain value."""
    digest = hashlib.sha256(value.encode("utf-8")).digest()
    return ENCRYPTED_PREFIX + base64.b64encode(digest).decode("ascii").rstrip("=")
