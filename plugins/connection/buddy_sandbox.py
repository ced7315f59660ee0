# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
name: buddy_sandbox
short_description: Run Ansible tasks inside a Buddy.works sandbox through the sandbox API
version_added: 0.2.0
description:
  - Runs Ansible's modules inside a Buddy.works sandbox without SSH (a sandbox has no SSH address); commands go
    through the sandbox command API, files through its content API (upload and download).
  - The sandbox is found by its identifier in O(project_name) (the inventory host name, or C(ansible_host)); it
    must be C(RUNNING).
  - The P(opsflow.pipelines.buddy_sandboxes#inventory) inventory sets this connection for every sandbox it lists.
author:
  - opsflow maintainers (@opsflow)
requirements:
  - requests (on the controller)
options:
  sandbox:
    description:
      - The sandbox's identifier within O(project_name). By default the inventory host name; C(ansible_host)
        overrides it.
    type: str
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_buddy_sandbox
  workspace:
    description:
      - The workspace's domain (its URL handle), for example V(my-company).
    type: str
    required: true
    env:
      - name: BUDDY_WORKSPACE
    vars:
      - name: ansible_buddy_workspace
  project_name:
    description:
      - The name ID of the project the sandbox belongs to.
    type: str
    required: true
    env:
      - name: BUDDY_PROJECT_NAME
    vars:
      - name: ansible_buddy_project_name
  api_url:
    description:
      - Root URL of the Buddy.works REST API, as the modules' O(opsflow.pipelines.buddy_sandbox_command#module:api_url).
    type: str
    default: https://api.buddy.works
    env:
      - name: BUDDY_API_URL
      - name: BUDDY_BASE_URL
    vars:
      - name: ansible_buddy_api_url
  token:
    description:
      - "Personal access token or OAuth token, sent as C(Authorization: Bearer <token>). It needs the
        E(SANDBOX_INFO) and E(SANDBOX_MANAGE) scopes."
      - Never printed or logged, at any verbosity.
    type: str
    required: true
    env:
      - name: BUDDY_TOKEN
    vars:
      - name: ansible_buddy_token
  validate_certs:
    description:
      - Whether to verify the API server's TLS certificate.
    type: bool
    default: true
    env:
      - name: BUDDY_VALIDATE_CERTS
    vars:
      - name: ansible_buddy_validate_certs
  request_timeout:
    description:
      - Seconds to wait for an answer to one request.
    type: float
    default: 30
    env:
      - name: BUDDY_REQUEST_TIMEOUT
      - name: BUDDY_TIMEOUT
    vars:
      - name: ansible_buddy_request_timeout
  max_retries:
    description:
      - How many times a request is repeated after HTTP 429, 502, 503 or 504 or a connection failure, with the
        modules' rules (O(opsflow.pipelines.buddy_sandbox_command#module:max_retries)); a command is never sent
        twice when the first request may have reached the sandbox.
    type: int
    default: 5
    vars:
      - name: ansible_buddy_max_retries
  command_timeout:
    description:
      - Seconds one command (one step of a task) may run. When they pass, the task fails as unreachable; the
        command keeps running in the sandbox.
    type: float
    default: 3600
    vars:
      - name: ansible_buddy_command_timeout
  poll_interval:
    description:
      - The longest pause, in seconds, between two reads of a running command's status. The first read comes at
        once, the next after 0.05 seconds, and the pauses double up to this.
    type: float
    default: 2
    vars:
      - name: ansible_buddy_poll_interval
notes:
  - Each command of a task is one command in the sandbox (C(POST .../commands)), its status is polled, and its
    output read from its logs once it has ended. Ansible's pipelining is not available (the command API has no
    standard input), so modules are uploaded first.
  - "Output limits: the API returns standard output and standard error as text lines. The return code and the text
    come back exactly, except that the last line always ends with a newline, and bytes that are not UTF-8 come
    back as replacement characters. Files move byte for byte through the content API (C(copy), C(template),
    C(fetch))."
  - C(become) works when the sandbox user may run C(sudo) without a password (C(become_method=sudo), the default);
    a become password can't be typed in through the API and is refused.
  - A sandbox that is missing or not C(RUNNING) fails the host as unreachable, saying so and how to start it.
seealso:
  - plugin: opsflow.pipelines.buddy_sandboxes
    plugin_type: inventory
  - module: opsflow.pipelines.buddy_sandbox_command
'''

EXAMPLES = r'''
# An inventory without the dynamic inventory plugin: one sandbox, named by its identifier.
# inventory.yml
# all:
#   hosts:
#     review-123:
#       ansible_connection: opsflow.pipelines.buddy_sandbox
#       ansible_buddy_workspace: my-company
#       ansible_buddy_project_name: website
# The token comes from BUDDY_TOKEN (or ansible_buddy_token, from a vault).

- name: Configure the review sandbox
  hosts: review-123
  gather_facts: true
  tasks:
    - name: Write the app's configuration
      ansible.builtin.template:
        src: app.env.j2
        dest: /buddy/app/.env
        mode: "0600"

    - name: Check the service answers
      ansible.builtin.uri:
        url: http://localhost:8080/health
'''

import os

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import connection_params
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_sandbox_commands import (
    find_sandbox,
    not_ended_message,
    require_running,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._errors import OpsflowError
from ansible_collections.opsflow.pipelines.plugins.module_utils._http import HAS_REQUESTS

display = Display()

# Most steps of a task (mkdir, chmod, rm) end within milliseconds: poll early, then back off.
FIRST_POLL = 0.05


class Connection(ConnectionBase):
    """Commands through the sandbox command API, files through its content API."""

    transport = "opsflow.pipelines.buddy_sandbox"
    has_pipelining = False
    has_tty = False

    def __init__(self, *args, **kwargs):
        super(Connection, self).__init__(*args, **kwargs)
        self._client = None
        self._sandbox_id = None
        self._identifier = None

    # --- connecting ---------------------------------------------------------------------------------
    def _connect(self):
        if self._connected:
            return self
        if not HAS_REQUESTS:
            raise AnsibleError("the opsflow.pipelines.buddy_sandbox connection needs the Python library requests"
                               " on the controller")
        identifier = self.get_option("sandbox")
        workspace = self.get_option("workspace")
        project_name = self.get_option("project_name")
        try:
            self._client = BuddyClient.from_params(connection_params(self.get_option), warn=display.warning)
            display.vvv("BUDDY SANDBOX: look up %s in project %s of workspace %s" % (identifier, project_name, workspace),
                        host=identifier)
            sandbox = find_sandbox(self._client.sandboxes, workspace, project_name, identifier)
            require_running(sandbox)
        except OpsflowError as error:
            raise AnsibleConnectionFailure(to_native(error.message))
        self._identifier = identifier
        self._sandbox_id = sandbox["id"]
        display.vvv("BUDDY SANDBOX: connected to sandbox %s (id %s)" % (identifier, self._sandbox_id), host=identifier)
        self._connected = True
        return self

    def _workspace(self):
        return self.get_option("workspace")

    def _fail(self, what, error):
        raise AnsibleConnectionFailure("%s in sandbox %s: %s" % (what, self._identifier, to_native(error.message)))

    # --- commands -------------------------------------------------------------------------------------
    def exec_command(self, cmd, in_data=None, sudoable=True):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        if in_data is not None:
            raise AnsibleConnectionFailure("the buddy_sandbox connection can't send standard input (the sandbox "
                                           "command API has none); turn pipelining off for these hosts")
        if sudoable and self.become and self.become.expect_prompt():
            raise AnsibleConnectionFailure("a become password can't be typed in through the sandbox command API;"
                                           " let the sandbox user run sudo without a password")
        self._connect()
        display.vvv("BUDDY SANDBOX EXEC %s" % cmd, host=self._identifier)
        timeout = self.get_option("command_timeout")
        try:
            result = self._client.commands.run(self._workspace(), self._sandbox_id, cmd, "BASH",
                                               wait_timeout=timeout, poll_interval=self.get_option("poll_interval"),
                                               first_poll=FIRST_POLL)
        except OpsflowError as error:
            self._fail("running a command failed", error)
        if not result.ended:
            raise AnsibleConnectionFailure(not_ended_message(self._identifier, result, timeout))
        display.vvvvv("BUDDY SANDBOX command %s ended with %s" % (result.command_id, result.rc), host=self._identifier)
        return result.rc, to_bytes(result.stdout, errors="surrogate_or_strict"), \
            to_bytes(result.stderr, errors="surrogate_or_strict")

    # --- files ----------------------------------------------------------------------------------------
    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        self._connect()
        display.vvv("BUDDY SANDBOX PUT %s TO %s" % (in_path, out_path), host=self._identifier)
        local = to_bytes(in_path, errors="surrogate_or_strict")
        if not os.path.isfile(local):
            raise AnsibleFileNotFound("file or module does not exist: %s" % to_native(in_path))
        with open(local, "rb") as handle:
            data = handle.read()
        try:
            self._client.commands.upload(self._workspace(), self._sandbox_id, self._absolute(out_path), data)
        except OpsflowError as error:
            self._fail("uploading %s failed" % out_path, error)

    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        self._connect()
        display.vvv("BUDDY SANDBOX FETCH %s TO %s" % (in_path, out_path), host=self._identifier)
        try:
            data = self._client.commands.download(self._workspace(), self._sandbox_id, self._absolute(in_path))
        except OpsflowError as error:
            self._fail("downloading %s failed" % in_path, error)
        with open(to_bytes(out_path, errors="surrogate_or_strict"), "wb") as handle:
            handle.write(data)

    def _absolute(self, path):
        """The content API takes absolute paths; a relative one is the home directory's."""
        path = to_text(path, errors="surrogate_or_strict")
        if path.startswith("/"):
            return path
        home = self._home()
        return home.rstrip("/") + "/" + path

    def _home(self):
        rc, stdout, stderr = self.exec_command("echo ~", sudoable=False)
        if rc != 0:
            raise AnsibleConnectionFailure("could not find the home directory in sandbox %s: %s"
                                           % (self._identifier, to_native(stderr)))
        return to_text(stdout).strip()

    def reset(self):
        self.close()

    def close(self):
        self._client = None
        self._sandbox_id = None
        self._connected = False
