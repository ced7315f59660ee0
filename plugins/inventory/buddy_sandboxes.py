# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
name: buddy_sandboxes
short_description: Buddy.works sandboxes as inventory hosts
version_added: 0.2.0
description:
  - One host per sandbox of one or more Buddy.works projects, named by the sandbox's identifier.
  - Each host gets the sandbox record as C(buddy_sandbox) (encrypted variable values, passwords and TLS private keys
    masked) and is reached through the P(opsflow.pipelines.buddy_sandbox#connection) connection, so playbooks run
    inside the sandboxes.
  - The configuration file's name must end in C(buddy_sandboxes.yml) or C(buddy_sandboxes.yaml).
author:
  - opsflow maintainers (@opsflow)
requirements:
  - requests (on the controller)
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: The name of this plugin; the file is for it only when it says so.
    type: str
    required: true
    choices: [opsflow.pipelines.buddy_sandboxes]
  workspace:
    description:
      - The workspace's domain (its URL handle), for example V(my-company).
    type: str
    required: true
    env:
      - name: BUDDY_WORKSPACE
  project_name:
    description:
      - The name ID of the project whose sandboxes become hosts; a list for several projects.
      - Identifiers are unique within a project only. When two projects have a sandbox with the same identifier,
        the first project's one is kept and a warning names the other.
    type: list
    elements: str
    required: true
  status:
    description:
      - Only sandboxes with one of these statuses become hosts. An empty list keeps every sandbox.
      - Commands run only in C(RUNNING) sandboxes.
    type: list
    elements: str
    default: [RUNNING]
  tags:
    description:
      - Only sandboxes that carry every one of these tags become hosts.
    type: list
    elements: str
    default: []
  connection:
    description:
      - The C(ansible_connection) given to every host.
      - Set it to an empty string to leave C(ansible_connection) to group or host variables; O(compose) can also
        override it per host.
    type: str
    default: opsflow.pipelines.buddy_sandbox
  api_url:
    description:
      - Root URL of the Buddy.works REST API. Also given to the hosts as C(ansible_buddy_api_url), so that the
        connection talks to the same server.
    type: str
    default: https://api.buddy.works
    env:
      - name: BUDDY_API_URL
      - name: BUDDY_BASE_URL
  token:
    description:
      - "Personal access token or OAuth token, sent as C(Authorization: Bearer <token>). It needs the
        E(SANDBOX_INFO) scope (the connection also needs E(SANDBOX_MANAGE))."
      - Prefer the E(BUDDY_TOKEN) environment variable (what the AWX credential type injects) to writing it in
        the file. It is never given to the hosts as a variable; the connection reads E(BUDDY_TOKEN) or
        C(ansible_buddy_token) itself.
    type: str
    required: true
    env:
      - name: BUDDY_TOKEN
  validate_certs:
    description:
      - Whether to verify the API server's TLS certificate.
    type: bool
    default: true
    env:
      - name: BUDDY_VALIDATE_CERTS
  request_timeout:
    description:
      - Seconds to wait for an answer to one request.
    type: float
    default: 30
    env:
      - name: BUDDY_REQUEST_TIMEOUT
      - name: BUDDY_TIMEOUT
  max_retries:
    description:
      - How many times a read is repeated after HTTP 429, 502, 503 or 504 or a connection failure.
    type: int
    default: 5
notes:
  - Requests made are one per project (the sandbox list), plus one per listed sandbox that passes the O(status)
    filter when the list holds only short entries (Buddy lists sandboxes as short views). With O(cache), a
    cached answer costs none.
  - Host variables set for each host are C(buddy_sandbox) (the record), C(ansible_connection) (see O(connection)),
    C(ansible_buddy_workspace), C(ansible_buddy_project_name) and C(ansible_buddy_api_url), and
    C(ansible_buddy_validate_certs) when O(validate_certs) is V(false).
seealso:
  - plugin: opsflow.pipelines.buddy_sandbox
    plugin_type: connection
  - module: opsflow.pipelines.buddy_sandbox_info
'''

EXAMPLES = r'''
# review.buddy_sandboxes.yml: the running sandboxes of two projects, grouped by tag.
plugin: opsflow.pipelines.buddy_sandboxes
workspace: my-company
project_name:
  - website
  - api
keyed_groups:
  - key: buddy_sandbox.tags
    prefix: tag
  - key: buddy_sandbox.project.name
    prefix: project
groups:
  ubuntu_24: buddy_sandbox.os == 'ubuntu:24.04'
compose:
  app_url: (buddy_sandbox.endpoints | first).endpoint_url

# every.buddy_sandboxes.yml: all sandboxes of a project, whatever their status, cached for an hour.
# plugin: opsflow.pipelines.buddy_sandboxes
# workspace: my-company
# project_name: website
# status: []
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/buddy-inventory
# cache_timeout: 3600
'''

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import connection_params
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandboxes import (
    FULL_SANDBOX_KEYS,
    mask_sandbox,
    normalize_sandbox,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import redact_userinfo

display = Display()

FILE_ENDINGS = ("buddy_sandboxes.yml", "buddy_sandboxes.yaml")


def wanted(sandbox, statuses, tags):
    """The status and tag filters: any listed status, every listed tag."""
    if statuses and sandbox.get("status") not in statuses:
        return False
    held = sandbox.get("tags") or []
    return all(tag in held for tag in tags)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """Sandboxes of Buddy.works projects as hosts, reached through the buddy_sandbox connection."""

    NAME = "opsflow.pipelines.buddy_sandboxes"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(FILE_ENDINGS)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        records = None
        if use_cache:
            try:
                records = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if records is None:
            records = self._fetch()
        if update_cache:
            self._cache[cache_key] = records
        self._populate(records)

    def _fetch(self):
        """The sandboxes that pass the filters, each project's in list order (masked, JSON-able)."""
        if not HAS_REQUESTS:
            raise AnsibleError("the opsflow.pipelines.buddy_sandboxes inventory needs the Python library requests")
        workspace = self.get_option("workspace")
        statuses = self.get_option("status") or []
        tags = self.get_option("tags") or []
        try:
            client = BuddyClient.from_params(connection_params(self.get_option), warn=display.warning)
            records = []
            for project_name in self.get_option("project_name"):
                for item in client.sandboxes.list_sandboxes(workspace, project_name):
                    if statuses and item.get("status") not in statuses:
                        continue
                    if not all(key in item for key in FULL_SANDBOX_KEYS) and item.get("id"):
                        item = client.sandboxes.get_sandbox(workspace, item["id"])
                        if item is None:
                            continue  # deleted since it was listed
                    if wanted(item, statuses, tags):
                        record = mask_sandbox(normalize_sandbox(item))
                        record.setdefault("project", {}).setdefault("name", project_name)
                        records.append(record)
        except OpsflowError as error:
            raise AnsibleError("buddy_sandboxes inventory: %s" % to_native(error.message))
        return records

    def _populate(self, records):
        workspace = self.get_option("workspace")
        connection = self.get_option("connection")
        strict = self.get_option("strict")
        seen = {}
        for record in records:
            name = record.get("identifier")
            project = (record.get("project") or {}).get("name")
            if not name:
                continue
            if name in seen:
                display.warning("buddy_sandboxes inventory: sandbox %r of project %r is left out: project %r has a"
                                " sandbox with the same identifier" % (name, project, seen[name]))
                continue
            seen[name] = project
            self.inventory.add_host(name)
            host_vars = {
                "buddy_sandbox": record,
                "ansible_buddy_workspace": workspace,
                "ansible_buddy_project_name": project,
                "ansible_buddy_api_url": redact_userinfo(self.get_option("api_url")),
            }
            if connection:
                host_vars["ansible_connection"] = connection
            if not self.get_option("validate_certs"):
                host_vars["ansible_buddy_validate_certs"] = False  # the connection talks to the same server
            for key, value in host_vars.items():
                self.inventory.set_variable(name, key, value)
            self._set_composite_vars(self.get_option("compose"), host_vars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, name, strict=strict)
