#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_action
short_description: Add, change, move or remove one action of a Buddy.works pipeline
version_added: 0.1.0
description:
  - Keeps one action of a Buddy.works pipeline as the task describes it, idempotently.
  - The action is found by O(action_id), else by O(name) among all the actions of the pipeline.
    Two actions with the same name make the task fail and list their ids; set O(action_id) then.
  - A missing action is added. An existing action is compared with the task on the options the
    task sets, and only those; keys the server adds and defaults it fills in never count as a
    difference. Only the fields that differ are sent (one C(PATCH)); when nothing differs nothing
    is written and the task reports RV(ignore:changed=false).
  - The comparison is a subset comparison. Nested dicts compare key by key, only on the keys you
    set. Lists compare item by item in order and must have the same length; each item you give
    must be a subset of the server's item at the same position. Lists of strings or numbers
    therefore compare exactly, order included. An empty list or dict, or a null, also matches a
    field the server leaves out.
  - A nested option (for example O(spec) or O(variables)) that differs is sent whole, as the task
    writes it; keys you leave out of it are left to the server.
  - The type of an existing action can't be changed. With O(recreate=true), a new action of the
    requested type is added right after the old one, then the old one is deleted, so the action
    keeps its position and nothing is lost if the add fails.
  - Four action types are modelled, each with its own options (listed below; each option's description
    starts with the types it belongs to). Their required options, options that belong to another type
    and values outside the allowed ones make the task fail before any request, naming the option. Any
    other Buddy action type is passed through, with its fields in O(fields); the options from
    O(trigger_time) to O(permissions) are fields every type has.
  # BEGIN generated from the action-type registry: run tests/unit/plugins/modules/test_buddy_action_docs.py
  - Type C(BLACKFIRE_PYTHON) runs Python commands profiled by Blackfire. It takes O(execute_commands)
    (required), O(version) (required), O(integration) (required), O(shell), O(setup_commands).
  - Type C(SANDBOX_MANAGE) starts, stops, deletes or snapshots sandboxes, or their apps. It takes O(operation)
    (required), O(targets) (required), O(snapshot_name).
  - Type C(SANDBOX_CREATE) creates a sandbox, from scratch, from another sandbox or from a snapshot. It
    takes O(from) (required), O(spec), O(sandbox_identifier), O(snapshot_name), O(update_if_exists), O(start).
  - Type C(RUN_DOCKER_CONTAINER) runs commands in a container of any image (every field of the API's reference
    a user can set). It takes O(docker_image_name), O(docker_image_tag), O(execute_commands), O(setup_commands),
    O(inline_commands), O(shell), O(working_directory), O(volume_mappings), O(cached_dirs), O(services),
    O(run_as_user), O(main_service_name), O(mount_filesystem_disable), O(entrypoint), O(reset_entrypoint),
    O(image_location), O(docker_registry), O(registry), O(insecure_registry), O(login), O(password), O(region),
    O(target_stage), O(docker_build_action_id), O(docker_build_action_name), O(export_container_path),
    O(execute_every_command), O(ignore_image_pull_failures), O(cache_base_image), O(version), O(package),
    O(integration), O(unit_tests_suite), O(unit_tests_path), O(vt_suite).
  # END generated
  - Options you leave unset are neither sent nor compared.
author:
  - opsflow maintainers (@opsflow)
extends_documentation_fragment:
  - opsflow.pipelines._buddy
  - opsflow.pipelines._buddy.WORKSPACE
  - opsflow.pipelines._buddy.PIPELINE
  - opsflow.pipelines._attributes
  - opsflow.pipelines._attributes.BUDDY
attributes:
  check_mode:
    support: full
    details:
      - Makes the same look-ups as a real run, writes nothing and reports the same RV(ignore:changed).
      - RV(action) is then the predicted action, without the fields only the server can fill in (such as
        C(id) of an action that would be added).
  diff_mode:
    support: full
    details:
      - C(before) and C(after) hold the fields the task sets (and C(after_action_id) when the action moves),
        secrets masked. For an added action C(before) is empty; for a removed one C(after) is empty.
      - A secret that an update sends (see O(update_password)) shows in C(after) as V(******** (sent\)), at any
        depth (O(password), the value of an encrypted variable, a C(password) of O(services)).
notes:
  - "Needs a token with the E(EXECUTION_INFO) scope to read actions and E(EXECUTION_MANAGE) to change them."
  - "Secrets are write-only: the server never hands back a registry O(password) nor the value of an
    encrypted variable, so they can't be compared. They are sent when the action is added; on an
    existing action only with O(update_password=always), which then sends them on every run and
    always reports a change. A variable with C(encrypted: true) is still compared on its other keys,
    and whenever the variables list is sent (because it differs) the values in the task are sent with it."
  - "Secrets never appear in RV(action), in the diff or in error messages: O(password) and the values of
    encrypted variables are replaced by C(********)."
  - "The position of an action is the order of the pipeline's action list; the action after which another
    one sits is its predecessor in that list."
seealso:
  - module: opsflow.pipelines.buddy_action_info
  - name: Buddy.works pipeline actions API
    description: The vendor's reference of the action fields.
    link: https://buddy.works/docs/api/pipelines/actions
options:
  state:
    description:
      - V(present) adds the action when it is missing and updates it when it differs.
      - V(absent) deletes the action when it exists. Only O(action_id) or O(name) are used then; the other
        options are ignored.
    type: str
    choices: [present, absent]
    default: present
  action_id:
    description:
      - The numerical ID of the action. When set, the action is found by this ID (one request), O(name)
        then only sets the action's name, so this is how an action is renamed.
      - An O(action_id) that does not exist fails the task with O(state=present); an action can't be added
        with a chosen ID.
    type: int
  name:
    description:
      - The action's name. Required with O(state=present).
      - Without O(action_id) it identifies the action among all the actions of the pipeline. Several
        actions of this name and of one type (as two playbooks adding it at the same time leave them)
        are settled, the oldest (lowest ID) being kept and the others deleted, with a warning
        (RV(removed_action_ids)); with O(state=absent) all of them are deleted. Several of different types
        make the task fail, naming their IDs, unless O(recreate=true) and some have the requested type.
      - After adding the action the pipeline is read again; when another task added the same name at the
        same time, the older action is kept and the one this task added is deleted (with a warning).
      - May not be empty or only white space.
    type: str
  type:
    description:
      - The action's type, such as V(RUN_DOCKER_CONTAINER), V(SANDBOX_CREATE), V(SANDBOX_MANAGE),
        V(BLACKFIRE_PYTHON), or any other Buddy action type (V(BUILD), V(SLEEP) ...).
      - Required to add an action. When it is left out, an existing action keeps its type and is updated
        on the options the task sets, checked against that type.
      - When the existing action has another type the task fails, unless O(recreate=true).
      - Written in any case (V(blackfire_python)), it is sent and checked in the API's upper case.
    type: str
  recreate:
    description:
      - When the existing action has another O(type), add a new action of the requested type right after the
        old one, then delete the old one. The action keeps its position (or moves to O(after_action_id)),
        but the old action's ID and run history are gone.
      - When deleting the old action fails, the task fails, names both IDs and leaves the new action in place;
        running the task again finishes the recreate (the old-typed action is deleted).
    type: bool
    default: false
  update_password:
    description:
      - V(on_create) sends write-only secrets (O(password), values of encrypted variables) only when the
        action is added; on an existing action they are never sent unless another change in the same field
        needs it.
      - V(always) also sends them to an existing action, on every run. As they can't be compared, the task
        then always reports a change, and the diff shows each secret sent as V(******** (sent\)).
    type: str
    choices: [on_create, always]
    default: on_create
  after_action_id:
    description:
      - The ID of the action after which this action is placed.
      - On a new action, places it. On an existing action whose predecessor in the pipeline is another
        action (or none), moves it (sent in the same C(PATCH)). Leave it unset to keep the current position;
        new actions are then added at the end.
      - Must be the ID of another action of the same pipeline (also with O(recreate=true)), not the action's
        own; otherwise the task fails after the look-up, before any change, in check mode too.
    type: int
  fields:
    description:
      - Further API fields of the action, sent and compared as given, for the many action types this module
        does not model (for example C(BUILD), C(SLEEP) or C(SFTP)) or for fields the options do not cover.
      - May not hold what an option owns, so that no option's checks are skipped; the task fails naming the
        keys and the option to use instead. These are the options of this module that are no API field
        (O(state), O(action_id), O(recreate), O(update_password), O(fields), the connection and location
        options), C(name), C(type), C(after_action_id), C(password), the fields every type has
        (O(trigger_time), O(trigger_conditions), O(run_next), O(run_only_on_first_failure), O(variables),
        O(disabled), O(timeout), O(ignore_errors), O(retry_count), O(retry_interval), O(loop),
        O(permissions)), read-only fields (C(id), C(url), C(html_url), C(pipeline), C(last_execution_status)),
        an option the task also sets, and, for a modelled type (O(type), or the existing action's type when
        O(type) is left out), any option of that type.
      - For any other type it may hold every other field, including names the modelled types use (such as
        C(execute_commands) for C(BUILD)), just as those options may be set directly for such a type.
      - Values are compared like the options (subset rules), but a null is kept and sent.
    type: dict
  # BEGIN generated from the action-type registry: run tests/unit/plugins/modules/test_buddy_action_docs.py
  trigger_time:
    description:
      - When the action runs. The server's default is V(ON_EVERY_EXECUTION).
    type: str
    choices:
      - ON_EVERY_EXECUTION
      - ON_SUCCESS
      - ON_FAILURE
      - ON_BACK_TO_SUCCESS
      - ON_WARNING
      - ON_WAIT_FOR_APPROVE
      - ON_TERMINATE
  trigger_conditions:
    description:
      - Conditions that must all be met for the action to run.
      - The list is compared item by item, in order.
    type: list
    elements: dict
    suboptions:
      trigger_condition:
        description:
          - The kind of condition, for example V(ON_CHANGE), V(ON_CHANGE_AT_PATH), V(VAR_IS), V(VAR_IS_NOT),
            V(VAR_CONTAINS), V(VAR_NOT_CONTAINS), V(DATETIME), V(SUCCESS_PIPELINE), V(TRIGGERING_USER_IS)
            or V(TRIGGERING_USER_IS_IN_GROUP).
        type: str
        required: true
      trigger_condition_paths:
        description:
          - Paths for V(ON_CHANGE_AT_PATH).
        type: list
        elements: str
      trigger_variable_key:
        description:
          - Variable name for the C(VAR_*) conditions.
        type: str
      trigger_variable_value:
        description:
          - Value for the C(VAR_*) conditions.
        type: str
      trigger_hours:
        description:
          - Hours (0-23) for V(DATETIME).
        type: list
        elements: int
      trigger_days:
        description:
          - Days of the week (1 is Monday) for V(DATETIME).
        type: list
        elements: int
      zone_id:
        description:
          - Time zone for V(DATETIME), for example V(Europe/Warsaw).
        type: str
      timezone:
        description:
          - Time zone for V(DATETIME) in newer API versions.
        type: str
      trigger_project_name:
        description:
          - Project of the pipeline for V(SUCCESS_PIPELINE).
        type: str
      trigger_pipeline_name:
        description:
          - Pipeline for V(SUCCESS_PIPELINE).
        type: str
      trigger_user:
        description:
          - User (email) for V(TRIGGERING_USER_IS) and V(TRIGGERING_USER_IS_NOT).
        type: str
      trigger_group:
        description:
          - Group for V(TRIGGERING_USER_IS_IN_GROUP) and V(TRIGGERING_USER_IS_NOT_IN_GROUP).
        type: str
  run_next:
    description:
      - Whether the next action waits for this one (V(WAIT_ON_SUCCESS)) or runs in parallel with it.
    type: str
    choices:
      - WAIT_ON_SUCCESS
      - IN_SOFT_PARALLEL
      - IN_HARD_PARALLEL
  run_only_on_first_failure:
    description:
      - With V(true) the action runs only on the first failure, not on each one.
      - Only with O(trigger_time=ON_FAILURE) (set in the task or already on the action); otherwise the
        task fails before any change.
    type: bool
  variables:
    description:
      - Environment variables of the action. The list is compared item by item, in order.
      - The value of a variable with O(variables[].encrypted=true) is a secret; see O(update_password).
    type: list
    elements: dict
    suboptions:
      key:
        description:
          - The variable's name.
        type: str
        required: true
      value:
        description:
          - The variable's value. With O(variables[].encrypted=true) it is write-only, masked in output.
        type: str
      type:
        description:
          - The variable's type, for example V(VAR) (the server's default), V(FILE) or V(SSH_KEY).
        type: str
      encrypted:
        description:
          - Whether the value is stored encrypted.
        type: bool
      settable:
        description:
          - Whether the value can be changed when a run starts.
        type: bool
      description:
        description:
          - A description of the variable.
        type: str
  disabled:
    description:
      - Whether the action is disabled.
    type: bool
  timeout:
    description:
      - The action's timeout in seconds.
    type: int
  ignore_errors:
    description:
      - Whether a failure of this action only marks it as a warning and the run goes on.
    type: bool
  retry_count:
    description:
      - How many times a failed action is retried.
    type: int
  retry_interval:
    description:
      - Seconds between retries.
    type: int
  loop:
    description:
      - Values (or variable names) the action is run in a loop for.
    type: list
    elements: str
  permissions:
    description:
      - Who may see and run the action (not every action type has permissions).
    type: dict
    suboptions:
      others:
        description:
          - Access level of everyone not listed, for example V(DEFAULT), V(DENIED), V(READ_ONLY) or V(RUN_ONLY).
        type: str
      users:
        description:
          - Access of single users.
        type: list
        elements: dict
        suboptions:
          id:
            description:
              - The user's or group's ID.
            type: int
            required: true
          access_level:
            description:
              - Access level, for example V(DENIED), V(READ_ONLY), V(RUN_ONLY) or V(MANAGE).
            type: str
            required: true
      groups:
        description:
          - Access of groups.
        type: list
        elements: dict
        suboptions:
          id:
            description:
              - The user's or group's ID.
            type: int
            required: true
          access_level:
            description:
              - Access level, for example V(DENIED), V(READ_ONLY), V(RUN_ONLY) or V(MANAGE).
            type: str
            required: true
  execute_commands:
    description:
      - Only for types C(BLACKFIRE_PYTHON) (required for it) and C(RUN_DOCKER_CONTAINER).
      - Commands the action runs.
    type: list
    elements: str
  version:
    description:
      - Only for types C(BLACKFIRE_PYTHON) (required for it) and C(RUN_DOCKER_CONTAINER).
      - For C(BLACKFIRE_PYTHON), the Python version, such as V(3.12) or V(latest).
      - For C(RUN_DOCKER_CONTAINER), the version of the package from the package registry.
    type: str
  integration:
    description:
      - Only for types C(BLACKFIRE_PYTHON) (required for it) and C(RUN_DOCKER_CONTAINER).
      - The integration the action uses, as its identifier (a string) or a dict with C(identifier).
      - A string is sent as a dict with that C(identifier); only the keys given are compared.
      - For C(BLACKFIRE_PYTHON), the Blackfire integration.
      - For C(RUN_DOCKER_CONTAINER), the registry's integration.
    type: raw
  shell:
    description:
      - Only for types C(BLACKFIRE_PYTHON) and C(RUN_DOCKER_CONTAINER).
      - The shell that runs the commands. The server's default is V(SH).
      - C(BLACKFIRE_PYTHON) takes only V(SH) and V(BASH).
    type: str
    choices:
      - SH
      - BASH
      - POWERSHELL
  setup_commands:
    description:
      - Only for types C(BLACKFIRE_PYTHON) and C(RUN_DOCKER_CONTAINER).
      - Commands run only on the first run, to prepare the environment.
    type: list
    elements: str
  operation:
    description:
      - Only for type C(SANDBOX_MANAGE); required for it.
      - What to do to the target sandboxes.
    type: str
    choices:
      - START
      - STOP
      - DELETE
      - APP_START
      - APP_RESTART
      - APP_STOP
      - CREATE_SNAPSHOT
  targets:
    description:
      - Only for type C(SANDBOX_MANAGE); required for it.
      - The sandboxes to act on. The list is compared item by item, in order.
    type: list
    elements: dict
    suboptions:
      identifier:
        description:
          - The sandbox identifier to match (with O(targets[].type=MATCH)).
        type: str
      scope:
        description:
          - Where to look for the sandboxes.
        type: str
        choices:
          - ANY
          - PROJECT
          - WORKSPACE
      type:
        description:
          - Match by identifier (V(MATCH)) or by tags (V(TAG)).
        type: str
        choices:
          - MATCH
          - TAG
      tags:
        description:
          - Tags to match (with O(targets[].type=TAG)).
        type: list
        elements: str
  snapshot_name:
    description:
      - Only for types C(SANDBOX_MANAGE) and C(SANDBOX_CREATE).
      - For C(SANDBOX_MANAGE), the name of the snapshot to make with O(operation=CREATE_SNAPSHOT); may
        use Buddy variables such as C($BUDDY_RUN_ID).
      - For C(SANDBOX_CREATE), the snapshot to create the sandbox from (required with V(SNAPSHOT) as O(from)).
    type: str
  from:
    description:
      - Only for type C(SANDBOX_CREATE); required for it.
      - What the sandbox is created from. V(SCRATCH) needs O(spec), V(SANDBOX) needs O(sandbox_identifier),
        V(SNAPSHOT) needs O(snapshot_name).
    type: str
    choices:
      - SCRATCH
      - SANDBOX
      - SNAPSHOT
  spec:
    description:
      - Only for type C(SANDBOX_CREATE).
      - The sandbox specification. Compared key by key on the keys given; sent whole when it differs.
    type: dict
    suboptions:
      name:
        description:
          - The sandbox's display name.
        type: str
      identifier:
        description:
          - 'The sandbox''s identifier: letters, digits, C(_) and C(-), not starting or ending with C(-).'
        type: str
      os:
        description:
          - The operating system image.
        type: str
        choices:
          - ubuntu:22.04
          - ubuntu:24.04
      resources:
        description:
          - CPU and memory, as C(<cpus>x<GB>) from V(1x2) to V(12x24), or V(CUSTOM).
        type: str
      first_boot_commands:
        description:
          - Commands run on the first boot (one string, one command per line).
        type: str
      app_dir:
        description:
          - The directory the apps run in.
        type: str
      apps:
        description:
          - Commands that start the sandbox's apps.
        type: list
        elements: str
      tags:
        description:
          - Tags of the sandbox.
        type: list
        elements: str
      timeout:
        description:
          - Seconds of inactivity after which the sandbox stops.
        type: int
      variables:
        description:
          - Environment variables of the sandbox, compared item by item in order.
        type: list
        elements: dict
        suboptions:
          key:
            description:
              - The variable's name.
            type: str
            required: true
          value:
            description:
              - The variable's value. With O(variables[].encrypted=true) it is write-only, masked in output.
            type: str
          type:
            description:
              - The variable's type, for example V(VAR) (the server's default), V(FILE) or V(SSH_KEY).
            type: str
          encrypted:
            description:
              - Whether the value is stored encrypted.
            type: bool
          settable:
            description:
              - Whether the value can be changed when a run starts.
            type: bool
          description:
            description:
              - A description of the variable.
            type: str
      endpoints:
        description:
          - Endpoints the sandbox exposes, compared item by item in order.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - The endpoint's name.
            type: str
          endpoint:
            description:
              - The address inside the sandbox, such as V(localhost:80) or V(80).
            type: str
          type:
            description:
              - The protocol.
            type: str
            choices:
              - HTTP
              - TLS
              - TCP
          region:
            description:
              - The region the endpoint is served from.
            type: str
            choices:
              - EU
              - US
          whitelist:
            description:
              - IP addresses or CIDR ranges allowed to connect.
            type: list
            elements: str
          timeout:
            description:
              - Idle timeout of a connection in seconds.
            type: int
  sandbox_identifier:
    description:
      - Only for type C(SANDBOX_CREATE).
      - The sandbox to copy (required with V(SANDBOX) as O(from)).
    type: str
  update_if_exists:
    description:
      - Only for type C(SANDBOX_CREATE).
      - When a sandbox with the same identifier exists in the project, reconfigure it with the new specification
        instead of creating another one.
    type: bool
  start:
    description:
      - Only for type C(SANDBOX_CREATE).
      - Whether to start the sandbox after creating it.
    type: bool
  docker_image_name:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The image's name, such as V(library/ubuntu).
      - Required unless O(image_location) is V(ACTION) or V(PACKAGE_REGISTRY).
    type: str
  docker_image_tag:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The image's tag, such as V(24.04).
    type: str
  inline_commands:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - Commands to run inside the container, as one string.
    type: str
  working_directory:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - Where the pipeline filesystem is mounted in the container.
    type: str
  volume_mappings:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - Mounts as C(<filesystem path>:<container path>).
    type: list
    elements: str
  cached_dirs:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - Directories cached between runs of the pipeline.
    type: list
    elements: str
  services:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - Services (databases, caches ...) attached to the container, as the API's service objects (keys
        such as C(type), C(version), C(connection), C(login), C(password)). Compared item by item in order
        on the keys given; C(password) keys are write-only like O(password).
    type: list
    elements: dict
  run_as_user:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The user the commands run as (must exist in the image).
    type: str
  main_service_name:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The container's host name in the services' Docker network.
    type: str
  mount_filesystem_disable:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With V(true) the pipeline filesystem is not mounted.
    type: bool
  entrypoint:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The container's entrypoint.
    type: str
  reset_entrypoint:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With V(true) the image's default entrypoint is reset.
    type: bool
  image_location:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - Where the image comes from. The server's default is V(PUBLIC_REGISTRY).
      - A registry needs O(docker_image_name); V(ACTION) needs O(docker_build_action_id) or O(docker_build_action_name);
        V(PACKAGE_REGISTRY) needs O(package).
    type: str
    choices:
      - PUBLIC_REGISTRY
      - PRIVATE_REGISTRY
      - ACTION
      - PACKAGE_REGISTRY
  docker_registry:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The kind of registry the image is pulled from.
    type: str
    choices:
      - NONE
      - DOCKER_HUB
      - AMAZON_ECR
      - GOOGLE_GCR
      - GOOGLE_ARTIFACT_REGISTRY
      - OTHER
      - GIT_HUB_CONTAINER_REGISTRY
      - PACKAGE_REGISTRY
      - DIGITAL_OCEAN_CONTAINER_REGISTRY
  registry:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The registry's URL.
    type: str
  insecure_registry:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With V(true) the registry is reached over HTTP.
    type: bool
  login:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The registry user name.
    type: str
  password:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The registry password. Write-only, never compared, returned or shown; see O(update_password).
    type: str
  region:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The registry's region (Amazon ECR).
    type: str
  target_stage:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The Dockerfile target stage.
    type: str
  docker_build_action_id:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With O(image_location=ACTION), the ID of the action that builds the image; this or O(docker_build_action_name)
        is required then.
    type: int
  docker_build_action_name:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With O(image_location=ACTION), the name of the action that builds the image; this or O(docker_build_action_id)
        is required then.
    type: str
  export_container_path:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - A path in the container to export.
    type: str
  execute_every_command:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With V(true) every command runs whatever the previous one returned.
    type: bool
  ignore_image_pull_failures:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With V(true) a cached image is used when pulling times out (official images).
    type: bool
  cache_base_image:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - With V(true) the cached image is used instead of pulling it each time.
    type: bool
  package:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The package from the package registry (required with O(image_location=PACKAGE_REGISTRY)).
    type: str
  unit_tests_suite:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The unit tests suite identifier.
    type: str
  unit_tests_path:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The path to the unit tests results.
    type: str
  vt_suite:
    description:
      - Only for type C(RUN_DOCKER_CONTAINER).
      - The visual tests suite identifier.
    type: str
  # END generated
'''

EXAMPLES = r'''
# The examples run in sequence on a pipeline that already holds actions 321, 456 and 789, a
# RUN_DOCKER_CONTAINER action named "Start preview" and an action named "Lint (retired)".
# Set the connection once for every opsflow.pipelines Buddy module of the play (the group takes
# connection options only), and the location once for this module.
- name: Manage the actions of the deploy pipeline
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/opsflow.pipelines.buddy:
      api_url: https://api.eu.buddy.works
      token: "{{ lookup('ansible.builtin.env', 'BUDDY_TOKEN') }}"
    opsflow.pipelines.buddy_action:
      workspace: my-company
      project_name: my-project
      pipeline_id: 123
  tasks:
    - name: Run the tests in a container
      opsflow.pipelines.buddy_action:
        name: Run tests
        type: RUN_DOCKER_CONTAINER
        docker_image_name: library/python
        docker_image_tag: "3.12"
        execute_commands:
          - pip install -r requirements.txt
          - pytest
        shell: BASH
        cached_dirs:
          - /root/.cache/pip
        variables:
          - key: PYTHONUNBUFFERED
            value: "1"
        trigger_time: ON_EVERY_EXECUTION

    - name: Smoke-test staging right after the deployment (action 789), with an image from a private registry
      opsflow.pipelines.buddy_action:
        name: Smoke test
        type: RUN_DOCKER_CONTAINER
        image_location: PRIVATE_REGISTRY
        docker_registry: OTHER
        registry: registry.example.com
        docker_image_name: team/smoke
        docker_image_tag: latest
        login: ci
        # Only sent when the action is added (see update_password below)
        password: "{{ registry_password }}"
        inline_commands: ./smoke.sh
        after_action_id: 789

    - name: Profile with Blackfire
      opsflow.pipelines.buddy_action:
        name: Blackfire profile
        type: BLACKFIRE_PYTHON
        version: "3.12"
        integration: 5ddb7c180fb38be67bd78a88a
        setup_commands:
          - pip install -r requirements.txt
        execute_commands:
          - blackfire run python app.py
        shell: BASH
        trigger_time: ON_SUCCESS

    - name: Create a preview sandbox from scratch
      opsflow.pipelines.buddy_action:
        name: Create preview sandbox
        type: SANDBOX_CREATE
        from: SCRATCH
        update_if_exists: true
        start: true
        spec:
          name: Preview
          identifier: preview
          os: "ubuntu:24.04"
          resources: 2x4
          first_boot_commands: |
            apt-get update
            apt-get install -y nginx
          app_dir: /var/www/html
          apps:
            - nginx -g 'daemon off;'
          tags: [preview]
          endpoints:
            - name: web
              endpoint: "80"
              type: HTTP
              region: EU
              whitelist: [203.0.113.0/24]

    - name: Snapshot the preview sandbox after each run
      opsflow.pipelines.buddy_action:
        name: Snapshot preview
        type: SANDBOX_MANAGE
        operation: CREATE_SNAPSHOT
        snapshot_name: preview-$BUDDY_RUN_ID
        targets:
          - identifier: preview
            scope: PROJECT
            type: MATCH

    - name: Stop every sandbox tagged preview when the run fails, only on the first failure
      opsflow.pipelines.buddy_action:
        name: Stop previews
        type: SANDBOX_MANAGE
        operation: STOP
        targets:
          - type: TAG
            scope: PROJECT
            tags: [preview]
        trigger_time: ON_FAILURE
        run_only_on_first_failure: true

    - name: An action type the module does not model, with its fields passed through
      opsflow.pipelines.buddy_action:
        name: Wait a minute
        type: SLEEP
        fields:
          sleep_in_sec: 60

    - name: Disable an action, whatever its type, by its ID (and rename it)
      opsflow.pipelines.buddy_action:
        action_id: 321
        name: Legacy upload (disabled)
        disabled: true

    # With type left out the action keeps its own, and the options are checked against it.
    - name: Rotate the smoke test's registry password (reports a change on every run)
      opsflow.pipelines.buddy_action:
        name: Smoke test
        password: "{{ new_registry_password }}"
        update_password: always

    - name: Turn the RUN_DOCKER_CONTAINER action that starts the preview into a SANDBOX_MANAGE one, in the same place
      opsflow.pipelines.buddy_action:
        name: Start preview
        type: SANDBOX_MANAGE
        operation: START
        targets:
          - identifier: preview
            scope: PROJECT
            type: MATCH
        recreate: true

    - name: Remove an action
      opsflow.pipelines.buddy_action:
        name: Lint (retired)
        state: absent

# Without module_defaults every task carries the connection and location.
- name: One task on its own
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Move the tests to right after action 456
      opsflow.pipelines.buddy_action:
        token: "{{ buddy_token }}"
        workspace: my-company
        project_name: my-project
        pipeline_id: 123
        name: Run tests
        after_action_id: 456
      register: moved

    - name: Show where the API put it
      ansible.builtin.debug:
        msg: "{{ moved.action.id }} {{ moved.action.html_url }}"
'''

RETURN = r'''
action:
  description:
    - The action as the API holds it after the task, as the server answered the add or edit (or the look-up
      when nothing changed). Secrets are never included; O(password) and values of encrypted variables are
      masked as C(********) should the server return them.
    - In check mode, the predicted action (the current one with the task's changes applied, or for a new action
      the fields that would be sent, with no C(id)).
    - An empty dict after O(state=absent) (the action is gone) and when the action did not exist.
  returned: always
  type: dict
  sample:
    id: 456
    url: https://api.buddy.works/workspaces/my-company/projects/my-project/pipelines/123/actions/456
    html_url: https://app.buddy.works/my-company/my-project/pipelines/pipeline/123/action/456/edit
    name: Run tests
    type: RUN_DOCKER_CONTAINER
    trigger_time: ON_EVERY_EXECUTION
    run_next: WAIT_ON_SUCCESS
    disabled: false
    docker_image_name: library/python
    docker_image_tag: "3.12"
    execute_commands: [pip install -r requirements.txt, pytest]
    shell: BASH
    variables:
      - key: PYTHONUNBUFFERED
        value: "1"
        type: VAR
        encrypted: false
        settable: false
    last_execution_status: INITIAL
    pipeline:
      id: 123
      name: Deploy
replaced_action_id:
  description: With O(recreate=true), the ID of the old action that was (or in check mode would be) deleted.
  returned: when the action was recreated
  type: int
  sample: 455
removed_action_ids:
  description:
    - IDs of the other actions of the same name that were (or in check mode would be) deleted, the oldest being
      kept; see O(name).
  returned: when several actions had the task's name
  type: list
  elements: int
  sample: [462]
'''


from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, PIPELINE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_action import ACTION_SPEC, ensure_action
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import module_main
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import secret_values

SPEC = BUDDY_CONNECTION_SPEC.merge(PIPELINE_SPEC, ACTION_SPEC)


def run(module, client):
    return ensure_action(client.actions, module.params, check_mode=module.check_mode, want_diff=module._diff,
                         pipelines=client.pipelines)


def main():
    # Encrypted variable values are secrets no argument spec can mark no_log: secret_values finds them.
    module_main(SPEC, run, BuddyClient.from_module, secret_finder=secret_values)


if __name__ == '__main__':
    main()
