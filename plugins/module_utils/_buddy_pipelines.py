# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy pipelines: list a project's, read, create (never twice), edit, delete."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE, PipelineLocation, post_once
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import NotFoundError, OpsflowError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport

PIPELINES_PER_PAGE = PER_PAGE  # see _buddy.PER_PAGE


class BuddyPipelinesClient:
    """The pipeline calls, each with its expected statuses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def get_pipeline(self, location: PipelineLocation) -> Dict[str, Any]:
        """The pipeline; NotFoundError when it (or its project or workspace) does not exist."""
        pipeline = self.transport.request("GET", location.pipeline_path()).json
        if not isinstance(pipeline, dict) or pipeline.get("id") is None:
            raise OpsflowError("GET %s answered without a pipeline in the body; try again" % location.pipeline_path())
        return pipeline

    def find_pipeline(self, location: PipelineLocation) -> Optional[Dict[str, Any]]:
        """The pipeline, or None when the server has none with that id (its project must exist)."""
        try:
            return self.get_pipeline(location)
        except NotFoundError:
            return None

    def list_pipelines(self, location: PipelineLocation) -> List[Dict[str, Any]]:
        """Every pipeline of the location's project, across all pages (``pipeline_id`` is not used)."""
        return self.transport.paginate(location.pipelines_path(), "pipelines", per_page=PIPELINES_PER_PAGE)

    def create_pipeline(self, location: PipelineLocation, payload: Dict[str, Any],
                        exclude_ids: Sequence[int] = ()) -> Dict[str, Any]:
        """POST a new pipeline (200 or 201: sources differ) without ever creating it twice.

        When the POST may have reached the server, the project is searched for
        a pipeline of that name that was not there before (``exclude_ids``);
        only when none is found is the POST sent again.
        """
        path = location.pipelines_path()
        created, found = post_once(self.transport, path, payload,
                                   lambda: self._find_created(location, payload, exclude_ids),
                                   "pipeline", "the pipeline is not in the project")
        if found or isinstance(created, dict) and created.get("id") is not None:
            return created
        looked_up = self._find_created(location, payload, exclude_ids)
        if looked_up is None:
            raise OpsflowError("POST %s answered without the pipeline, and the project holds no pipeline "
                               "named %r; it may still appear: check the project before running the task "
                               "again" % (path, payload.get("name")), changed=True)
        return looked_up

    def _find_created(self, location: PipelineLocation, payload: Dict[str, Any],
                      exclude_ids: Sequence[int]) -> Optional[Dict[str, Any]]:
        for pipeline in self.list_pipelines(location):
            if pipeline.get("name") == payload.get("name") and pipeline.get("id") not in exclude_ids:
                return pipeline
        return None

    def edit_pipeline(self, location: PipelineLocation, payload: Dict[str, Any]) -> Dict[str, Any]:
        edited = self.transport.request("PATCH", location.pipeline_path(), body=payload).json
        if not isinstance(edited, dict) or edited.get("id") is None:
            # A 2xx without the pipeline: read it back rather than report an empty success.
            return self.get_pipeline(location)
        return edited

    def delete_pipeline(self, location: PipelineLocation) -> None:
        """DELETE (204); a pipeline already gone (say, after a retried DELETE) counts as deleted."""
        try:
            self.transport.request("DELETE", location.pipeline_path(), expected=(200, 204))
        except NotFoundError:
            pass
