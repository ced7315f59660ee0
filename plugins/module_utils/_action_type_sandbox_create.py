# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The SANDBOX_CREATE action type: a sandbox created (or reconfigured) by a pipeline run."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from typing import Any, List, Mapping

from ansible_collections.opsflow.pipelines.plugins.module_utils._action_type_base import (
    VARIABLE_SUBOPTIONS,
    ActionType,
    Problem,
    option,
)

SOURCES = ("SCRATCH", "SANDBOX", "SNAPSHOT")
OPERATING_SYSTEMS = ("ubuntu:22.04", "ubuntu:24.04")
# The source named by `from` needs its own option.
SOURCE_NEEDS = {"SCRATCH": "spec", "SANDBOX": "sandbox_identifier", "SNAPSHOT": "snapshot_name"}
# A sandbox identifier: letters, digits, '_' and '-', with no '-' at the start or the end (the API's rule).
SANDBOX_IDENTIFIER = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$")

ENDPOINT_SUBOPTIONS = {
    "name": option("str", "The endpoint's name."),
    "endpoint": option("str", "The address inside the sandbox, such as V(localhost:80) or V(80)."),
    "type": option("str", "The protocol.", choices=("HTTP", "TLS", "TCP")),
    "region": option("str", "The region the endpoint is served from.", choices=("EU", "US")),
    "whitelist": option("list", "IP addresses or CIDR ranges allowed to connect.", elements="str"),
    "timeout": option("int", "Idle timeout of a connection in seconds."),
}

SPEC_SUBOPTIONS = {
    "name": option("str", "The sandbox's display name."),
    "identifier": option("str", "The sandbox's identifier: letters, digits, C(_) and C(-), not starting or ending "
                         "with C(-)."),
    "os": option("str", "The operating system image.", choices=OPERATING_SYSTEMS),
    "resources": option("str", "CPU and memory, as C(<cpus>x<GB>) from V(1x2) to V(12x24), or V(CUSTOM)."),
    "first_boot_commands": option("str", "Commands run on the first boot (one string, one command per line)."),
    "app_dir": option("str", "The directory the apps run in."),
    "apps": option("list", "Commands that start the sandbox's apps.", elements="str"),
    "tags": option("list", "Tags of the sandbox.", elements="str"),
    "timeout": option("int", "Seconds of inactivity after which the sandbox stops."),
    "variables": option("list", "Environment variables of the sandbox, compared item by item in order.",
                        elements="dict", suboptions=VARIABLE_SUBOPTIONS),
    "endpoints": option("list", "Endpoints the sandbox exposes, compared item by item in order.", elements="dict",
                        suboptions=ENDPOINT_SUBOPTIONS),
}


class SandboxCreate(ActionType):
    name = "SANDBOX_CREATE"
    summary = "creates a sandbox, from scratch, from another sandbox or from a snapshot."
    options = {
        "from": option("str", "What the sandbox is created from. V(SCRATCH) needs O(spec), V(SANDBOX) needs "
                       "O(sandbox_identifier), V(SNAPSHOT) needs O(snapshot_name).", choices=SOURCES,
                       required_for_type=True),
        "spec": option("dict", "The sandbox specification. Compared key by key on the keys given; sent whole when it "
                       "differs.", suboptions=SPEC_SUBOPTIONS),
        "sandbox_identifier": option("str", "The sandbox to copy (required with V(SANDBOX) as O(from))."),
        "snapshot_name": option("str", "The snapshot to create the sandbox from (required with V(SNAPSHOT) as "
                                "O(from))."),
        "update_if_exists": option("bool", "When a sandbox with the same identifier exists in the project, "
                                   "reconfigure it with the new specification instead of creating another one."),
        "start": option("bool", "Whether to start the sandbox after creating it."),
    }

    def validate(self, fields: Mapping[str, Any]) -> List[Problem]:
        source = fields.get("from")
        needed = SOURCE_NEEDS.get(source) if source else None
        if needed and needed not in fields:
            return [("type SANDBOX_CREATE with from: %s requires %s" % (source, needed), [needed])]
        return []

    def check_values(self, fields: Mapping[str, Any]) -> List[Problem]:
        spec = fields.get("spec")
        if isinstance(spec, Mapping) and spec.get("identifier") is not None \
                and not SANDBOX_IDENTIFIER.match(str(spec["identifier"])):
            return [("spec.identifier may hold only letters, digits, '_' and '-', and may not start or end with '-'; "
                     "got %r" % spec["identifier"], ["spec"])]
        return []
