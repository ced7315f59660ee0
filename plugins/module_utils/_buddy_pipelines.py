# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Buddy pipelines: read one, list a project's."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Dict, List

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import PER_PAGE, PipelineLocation
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import Transport


class BuddyPipelinesClient:
    """The pipeline calls, each with its expected statuses."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def get_pipeline(self, location: PipelineLocation) -> Dict[str, Any]:
        """The pipeline; NotFoundError when it (or its project or workspace) does not exist."""
        return self.transport.request("GET", location.pipeline_path()).json

    def list_pipelines(self, location: PipelineLocation) -> List[Dict[str, Any]]:
        """Every pipeline of the location's project, across all pages (``pipeline_id`` is not used)."""
        return self.transport.paginate(location.pipelines_path(), "pipelines", per_page=PER_PAGE)
