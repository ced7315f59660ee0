#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_variable
short_description: Create, change or remove one Buddy.works environment variable
version_added: 0.2.0
description:
  - Keeps one environment variable of a Buddy.works workspace as the task describes it, idempotently.
  - A variable lives in one scope, given by the scope options; at most one scope, the deepest one named. No scope
    option means the workspace; O(project_name) alone a project; O(project_name) with O(pipeline_id) (or
    O(pipeline_name)) a pipeline; O(action_id) with its pipeline an action. The same key can exist in several scopes, each being another variable.
  - The variable is found by O(key) among the scope's variables (one request). A missing variable is created. An
    existing one is compared with the task on the options the task sets, and only those; when something differs,
    one C(PATCH) sends the differing fields. When nothing differs nothing is written and the task reports
    RV(ignore:changed=false).
  - A plain value is compared with the server's. An encrypted value can't be, since the API returns only its
    ciphertext; it is sent when the variable is created, and on an existing variable only with
    O(update_value=always) (or when O(encrypted) itself changes).
  - A key or scope change is a new variable. Set O(previous_key) and/or O(previous_scope) to the key and scope the
    variable had; the new one is created, then the old one deleted, in one task that shows both in the diff.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
attributes:
  check_mode:
    support: full
    details:
      - Makes the same look-ups as a real run, writes nothing and reports the same RV(ignore:changed).
      - RV(variable) is then the predicted variable (for a new one, the fields that would be sent, with no C(id)).
  diff_mode:
    support: full
    details:
      - C(before) and C(after) hold the key, the scope, the type and the fields the task sets. The value shows only
        as a mark, never in clear; V(********) when it stays, V(******** (changed\)) when a plain value differs,
        V(******** (sent\)) when an encrypted value is sent.
      - For a new variable C(before) is empty (or, with O(previous_key) / O(previous_scope), the variable it
        replaces); for a removed one C(after) is empty.
notes:
  - Needs a token with the E(VARIABLE_INFO) scope to read variables, E(VARIABLE_ADD) to create them and
    E(VARIABLE_MANAGE) to change or delete them.
  - O(value) never appears in the task's result, its diff, its messages or the logged invocation, encrypted or
    not, at any verbosity; RV(variable) holds C(value) as C(********).
  - Since O(value) is a C(no_log) option, Ansible masks its text wherever it appears in the task's output, so a
    very short value (V(1), V(on)) masks those characters in messages too.
  - "Requests made: one C(GET) of the scope's variables (two with O(previous_scope) naming another scope), plus one
    C(GET) of the action for an action scope when a variable is created, plus the one write that is needed; with
    O(pipeline_name), one more per page of the project's pipeline list."
seealso:
  - module: opsflow.pipelines.buddy_variable_info
  - name: Buddy.works environment variables API
    description: The vendor's reference of the variable fields.
    link: https://buddy.works/docs/api/variables/create
options:
  project_name:
    description:
      - The project's name ID. Alone, it makes the variable a project variable.
      - With O(pipeline_id), the project of the pipeline (the variable is then the pipeline's).
    type: str
  pipeline_id:
    description:
      - The numerical ID of a pipeline of O(project_name), whose variable this is then.
      - With O(action_id), the pipeline of the action (the variable is then the action's).
      - Mutually exclusive with O(pipeline_name).
    type: int
  pipeline_name:
    description:
      - The exact name of a pipeline of O(project_name), instead of O(pipeline_id). It is looked up in the project's
        pipelines (one more request per page of the list); a name that matches none or several pipelines fails the
        task, listing what the project holds.
    type: str
  action_id:
    description:
      - The numerical ID of an action of the pipeline (O(project_name) and O(pipeline_id) or O(pipeline_name) are
        needed too), whose variable this is then.
      - Before an action variable is created, the action is checked to belong to that pipeline.
    type: int
  key:
    description:
      - The variable's name, as the pipelines see it (for example V(DATABASE_URL)). It identifies the variable
        within its scope.
    type: str
    required: true
  value:
    description:
      - The variable's value, or for keys and files their content.
      - Required to create a variable (unless O(previous_key) / O(previous_scope) names a plain variable, whose
        value is then kept). When left out, an existing variable keeps its value.
      - A plain value is compared with the server's; an encrypted one is sent only as O(update_value) says.
      - Never shown, logged or returned.
    type: str
  type:
    description:
      - V(VAR) for a plain variable (the default when one is created), V(FILE), V(SSH_KEY), V(SSH_PUBLIC_KEY),
        V(GPG_KEY), V(IOS_KEYCHAIN) or V(IOS_PROVISION_PROFILES).
      - The type of an existing variable can't be changed; a task naming another type fails.
    type: str
    choices: [VAR, SSH_KEY, FILE, SSH_PUBLIC_KEY, GPG_KEY, IOS_KEYCHAIN, IOS_PROVISION_PROFILES]
  encrypted:
    description:
      - Whether the server stores the value encrypted. It then returns only ciphertext, so the value is no longer
        compared (see O(update_value)).
      - Turning it on or off sends O(value) along, which must then be set.
    type: bool
  settable:
    description:
      - Whether the value can be changed when a pipeline is run.
    type: bool
  run_only_settable:
    description:
      - Type V(VAR) only. Whether the value can be set only for a run (it is then not stored).
    type: bool
  description:
    description:
      - The variable's description.
    type: str
  file_place:
    description:
      - For keys and files (not type V(VAR)). V(CONTAINER) writes the value to O(file_path) in the pipeline's
        container, V(NONE) does not.
    type: str
    choices: [NONE, CONTAINER]
  file_path:
    description:
      - For keys and files (not type V(VAR)). Where the file is written, for example V(~/.ssh/id_deploy).
    type: str
  file_chmod:
    description:
      - For keys and files (not type V(VAR)). The file's mode, for example V(600).
    type: str
  state:
    description:
      - V(present) creates the variable when it is missing and changes it when it differs.
      - V(absent) deletes it when it exists. Only O(key) and the scope are used then.
    type: str
    choices: [present, absent]
    default: present
  update_value:
    description:
      - When an encrypted value is sent. V(on_create) sends it only when the variable is created (or when
        O(encrypted) changes); a changed secret is then not noticed, since the API returns only ciphertext.
      - V(always) sends it on every run, which always reports a change. Use it to rotate a secret.
      - Plain values are compared whatever this says.
    type: str
    choices: [on_create, always]
    default: on_create
  previous_key:
    description:
      - The key the variable had before, to rename it. The variable under the old key (in O(previous_scope), else
        in the task's scope) is replaced; the new one is created, then the old one deleted.
      - The new variable takes the old one's settings the task leaves out, and its value when it is not encrypted.
      - Once the old variable is gone, the task works as without this option.
    type: str
  previous_scope:
    description:
      - The scope the variable had before, to move it; V({}) is the workspace. Works as O(previous_key) does, with
        the old key being O(key) unless O(previous_key) is set too.
    type: dict
    suboptions:
      project_name:
        description: The old scope's project.
        type: str
      pipeline_id:
        description: The old scope's pipeline (with its O(previous_scope.project_name)).
        type: int
      pipeline_name:
        description: The old scope's pipeline by its exact name, instead of O(previous_scope.pipeline_id).
        type: str
      action_id:
        description: The old scope's action (with its pipeline).
        type: int
'''

EXAMPLES = r'''
- name: A workspace variable, for every pipeline of the workspace
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    key: DEPLOY_REGION
    value: eu-central-1
    description: Region the pipelines deploy to

- name: An encrypted project variable; its value is sent when it is created, never shown
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    key: DATABASE_PASSWORD
    value: "{{ database_password }}"
    encrypted: true

- name: Rotate that secret (sent on every run, so always reported as changed)
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    key: DATABASE_PASSWORD
    value: "{{ new_database_password }}"
    encrypted: true
    update_value: always

- name: A pipeline variable that a run may override
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    pipeline_id: 123
    key: LOG_LEVEL
    value: info
    settable: true

- name: A deploy key written into the container of one action
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    pipeline_id: 123
    action_id: 456
    key: DEPLOY_KEY
    type: SSH_KEY
    value: "{{ deploy_private_key }}"
    encrypted: true
    file_place: CONTAINER
    file_path: ~/.ssh/id_deploy
    file_chmod: "600"

- name: Rename a variable (the old key is replaced, its settings and plain value kept)
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    key: DEPLOY_TARGET_REGION
    previous_key: DEPLOY_REGION

- name: Move the log level up from the pipeline to the project
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    key: LOG_LEVEL
    previous_scope:
      project_name: my-project
      pipeline_id: 123

- name: Remove a variable
  opsflow.pipelines.buddy_variable:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    key: DATABASE_PASSWORD
    state: absent
'''

RETURN = r'''
variable:
  description:
    - The variable as the API holds it after the task (as the server answered the create or edit, or the look-up
      when nothing changed), with C(value) masked as C(********).
    - In check mode, the predicted variable (for a new one, the fields that would be sent, with no C(id)).
    - An empty dict after O(state=absent) and when the variable did not exist.
  returned: always
  type: dict
  contains:
    id:
      description: The variable's ID.
      type: int
      sample: 41
    key:
      description: The variable's key.
      type: str
      sample: DATABASE_PASSWORD
    value:
      description: Always C(********) (the value is never returned).
      type: str
      sample: "********"
    type:
      description: The variable's type.
      type: str
      sample: VAR
    encrypted:
      description: Whether the value is stored encrypted.
      type: bool
    settable:
      description: Whether a run may change the value.
      type: bool
    description:
      description: The variable's description.
      type: str
    project:
      description: For a project variable, its project (C(name), ...).
      type: dict
      sample: {name: my-project}
    pipeline:
      description: For a pipeline variable, its pipeline (C(id), ...).
      type: dict
      sample: {id: 123}
    action:
      description: For an action variable, its action (C(id), ...).
      type: dict
      sample: {id: 456}
  sample:
    id: 41
    key: DATABASE_PASSWORD
    value: "********"
    type: VAR
    encrypted: true
    settable: false
    run_only_settable: false
    description: ""
    project:
      name: my-project
replaced_variable_id:
  description: With O(previous_key) or O(previous_scope), the ID of the old variable that was (or in check mode would
    be) deleted.
  returned: when an old variable was replaced
  type: int
  sample: 40
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_variable import VARIABLE_SPEC, ensure_variable
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main

SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, VARIABLE_SPEC)


def run(module, client):
    return ensure_variable(client, module.params, check_mode=module.check_mode, want_diff=module._diff)


def main():
    module_main(SPEC, run, BuddyClient.from_module)


if __name__ == '__main__':
    main()
