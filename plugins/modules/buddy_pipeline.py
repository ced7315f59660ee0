#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: buddy_pipeline
short_description: A whole Buddy.works pipeline, its settings and its ordered actions, in one task
version_added: 0.2.0
description:
  - Keeps one Buddy.works pipeline as the task describes it, idempotently; its settings and, with O(actions),
    its actions in order.
  - The pipeline is found by O(pipeline_id), else by O(name) among all the pipelines of the project. A missing
    pipeline is created (the create is never sent twice), then its actions are added in order.
  - Settings are compared as a subset, on the options the task sets only; keys the server adds and its defaults
    never count. Only the settings that differ are sent, in one C(PATCH).
  - Each item of O(actions) is handled by the same rules as M(opsflow.pipelines.buddy_action) (the same
    action-type registry, comparison and write rules); missing actions are added at their place, existing
    ones get one C(PATCH) with only their differing fields, and actions out of order are moved with the fewest
    moves (a move and a field change of one action share one C(PATCH)). With O(purge_actions=true) the actions
    no item names are deleted.
  - A run that changes nothing reads the pipeline once (by O(pipeline_id) one request; by O(name) the pages of
    the project's pipeline list) and the pages of its action list, and writes nothing.
  - A pipeline whose definition lives in git (C(definition_source=REMOTE)) can't have its O(actions) managed
    here; the task fails before any change, saying so. Its settings can still be managed.
  - M(opsflow.pipelines.buddy_pipeline_info) with O(opsflow.pipelines.buddy_pipeline_info#module:export=true)
    returns every pipeline as exactly this module's options, a good start for a playbook.
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
      - Makes the same look-ups as a real run, writes nothing and reports the same RV(ignore:changed) and RV(changes).
      - RV(pipeline) and RV(actions) are then the predicted ones, without what only the server can fill in (such as
        the C(id) of an action that would be added).
  diff_mode:
    support: full
    details:
      - C(before) and C(after) hold C(pipeline) (the settings the task sets), C(actions) (by name, the fields
        each item sets; actions that O(purge_actions) deletes with their C(id) and C(type)) and C(order) (the
        action names in pipeline order), secrets masked.
notes:
  - "Needs a token with the E(EXECUTION_INFO) scope to read, E(EXECUTION_MANAGE) to change actions, and the
    rights to manage pipelines (E(PIPELINE_WRITE) / E(PIPELINE_MANAGE) in newer token scopes) to create, edit
    or delete a pipeline."
  - "Secrets are write-only, as in M(opsflow.pipelines.buddy_action): see O(update_password). They never appear
    in RV(pipeline), RV(actions), the diff or error messages."
  - "The list order is the pipeline order of the actions the task names; actions it does not name (without
    O(purge_actions)) stay where they are."
seealso:
  - module: opsflow.pipelines.buddy_pipeline_info
  - module: opsflow.pipelines.buddy_action
  - name: Buddy.works pipelines API
    description: The vendor's reference of the pipeline fields.
    link: https://buddy.works/docs/api/pipelines/create
options:
  project_name:
    description:
      - The project's name ID (the human-readable ID in the project's URL), as in C(https://app.buddy.works/<workspace>/<project_name>).
    type: str
    required: true
  pipeline_id:
    description:
      - The numerical ID of the pipeline. When set, the pipeline is found by this ID (one request) and O(name) only
        sets its name, so this is how a pipeline is renamed.
      - An O(pipeline_id) that does not exist fails the task; a pipeline can't be created with a chosen ID.
    type: int
  name:
    description:
      - The pipeline's name. Required unless O(pipeline_id) is set, and to create a pipeline.
      - Without O(pipeline_id) it identifies the pipeline among all the pipelines of the project (every page of
        the list); two pipelines of that name fail the task, naming their IDs.
    type: str
  state:
    description:
      - V(present) creates the pipeline when it is missing and brings its settings and O(actions) to what the task
        says.
      - V(absent) deletes the pipeline, with its actions, when it exists.
    type: str
    choices:
      - present
      - absent
    default: present
  identifier:
    description:
      - The pipeline's unique human-readable ID in the project. The server derives one from O(name) when it is not
        set.
    type: str
  refs:
    description:
      - Branches, tags or pull requests (as refs, wildcards allowed) the pipeline runs for, for example V(refs/heads/main).
    type: list
    elements: str
  tags:
    description:
      - Tags of the pipeline.
    type: list
    elements: str
  events:
    description:
      - What starts the pipeline; compared item by item, in order. Leave it out (or V([])) for a pipeline started
        by hand or by the API.
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - V(PUSH), V(CREATE_REF), V(DELETE_REF), V(PULL_REQUEST), V(SCHEDULE), V(WEBHOOK), V(EMAIL) and the package
            events.
        type: str
        required: true
      refs:
        description:
          - Refs the event applies to.
        type: list
        elements: str
      events:
        description:
          - Pull-request events, for example V(OPENED).
        type: list
        elements: str
      branches:
        description:
          - Branches of a pull request.
        type: list
        elements: str
      start_date:
        description:
          - First run of a V(SCHEDULE), ISO 8601.
        type: str
      delay:
        description:
          - Minutes between runs of a V(SCHEDULE).
        type: int
      cron:
        description:
          - Cron expression of a V(SCHEDULE).
        type: str
      timezone:
        description:
          - Time zone of a V(SCHEDULE).
        type: str
      prefix:
        description:
          - Email prefix of an V(EMAIL) event.
        type: str
      whitelist:
        description:
          - Senders allowed for an V(EMAIL) event.
        type: list
        elements: str
      totp:
        description:
          - Whether a V(WEBHOOK) needs a one-time password.
        type: bool
      packages:
        description:
          - Packages of a package event.
        type: list
        elements: dict
        suboptions:
          identifier:
            description:
              - The package's identifier.
            type: str
          scope:
            description:
              - V(WORKSPACE) or V(PROJECT).
            type: str
  trigger_conditions:
    description:
      - Conditions that must all hold for a run to start; compared item by item, in order.
    type: list
    elements: dict
    suboptions:
      trigger_condition:
        description:
          - For example V(ON_CHANGE), V(ON_CHANGE_AT_PATH), V(VAR_IS), V(DATETIME) or V(SUCCESS_PIPELINE).
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
      timezone:
        description:
          - Time zone for V(DATETIME).
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
          - User (email) for the C(TRIGGERING_USER_*) conditions.
        type: str
      trigger_group:
        description:
          - Group for the C(TRIGGERING_USER_*_IN_GROUP) conditions.
        type: str
  priority:
    description:
      - Run priority. The server's default is V(NORMAL).
    type: str
    choices:
      - LOW
      - NORMAL
      - HIGH
  cpu:
    description:
      - Processor architecture of the runs. The server's default is V(X64).
    type: str
    choices:
      - X64
      - ARM
  paused:
    description:
      - Whether the pipeline is paused.
    type: bool
  disabled:
    description:
      - Whether the pipeline is disabled (no run can start).
    type: bool
  disabled_reason:
    description:
      - Why the pipeline is disabled, shown to users.
    type: str
  concurrent_pipeline_runs:
    description:
      - Whether runs of this pipeline may run at the same time.
    type: bool
  clone_depth:
    description:
      - Git clone depth; V(0) clones the whole history.
    type: int
  always_from_scratch:
    description:
      - Whether every run starts with an empty filesystem.
    type: bool
  auto_clear_cache:
    description:
      - Whether the cache is cleared before each run.
    type: bool
  fetch_all_refs:
    description:
      - Whether every ref is fetched, not only the run's.
    type: bool
  fail_on_prepare_env_warning:
    description:
      - Whether a warning while preparing the environment fails the run.
    type: bool
  no_skip_to_most_recent:
    description:
      - Whether queued runs all run instead of skipping to the newest.
    type: bool
  do_not_create_commit_status:
    description:
      - Whether the pipeline leaves commit statuses alone.
    type: bool
  execution_message_template:
    description:
      - Title of each run, for example V($BUDDY_EXECUTION_REVISION_SUBJECT).
    type: str
  target_site_url:
    description:
      - URL of the site the pipeline deploys to.
    type: str
  git_changeset_base:
    description:
      - What a run's changes are compared with.
    type: str
    choices:
      - LATEST_RUN
      - LATEST_RUN_MATCHING_REF
      - PULL_REQUEST
  filesystem_changeset_base:
    description:
      - How changed files are found.
    type: str
    choices:
      - DATE_MODIFIED
      - CONTENTS
  pause_on_repeated_failures:
    description:
      - Pause the pipeline after this many failed runs in a row.
    type: int
  permissions:
    description:
      - Who may see, run and change the pipeline.
    type: dict
    suboptions:
      others:
        description:
          - 'Access level of everyone not listed: V(DEFAULT), V(DENIED), V(READ_ONLY), V(RUN_ONLY) or V(READ_WRITE).'
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
              - V(DENIED), V(READ_ONLY), V(RUN_ONLY) or V(READ_WRITE).
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
              - V(DENIED), V(READ_ONLY), V(RUN_ONLY) or V(READ_WRITE).
            type: str
            required: true
  fields:
    description:
      - Any other pipeline field of the API, for example C(definition_source), C(worker), C(folder) or C(strict_context).
        It may not repeat an option set above, nor hold a field the server sets (C(id), C(url) ...).
      - 'Compared like the options: only the keys given.'
    type: dict
  actions:
    description:
      - The pipeline's actions, in pipeline order. Each item takes what M(opsflow.pipelines.buddy_action) takes
        for one action, without the location options and C(after_action_id) (the list order is the position).
      - Items are matched to the existing actions by O(actions[].name). A missing action is added at its place;
        an existing one is compared on the options its item sets (nothing else counts) and only differing fields
        are sent; actions out of order are moved, with the fewest moves.
      - Actions of the pipeline that no item names are left alone, unless O(purge_actions=true).
      - Left out, the pipeline's actions are not read or changed at all.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - 'The action''s name: it matches the item to an existing action of the pipeline, so each name may appear
            once.'
        type: str
        required: true
      type:
        description:
          - The action's type, such as V(RUN_DOCKER_CONTAINER), V(SANDBOX_CREATE), V(SANDBOX_MANAGE), V(BLACKFIRE_PYTHON),
            or any other Buddy action type (V(BUILD), V(SLEEP) ...).
          - Required to add the action. Left out, an existing action keeps its type.
          - When the existing action has another type the task fails before any change, unless O(recreate=true).
        type: str
      fields:
        description:
          - Further API fields of the action, sent and compared as given, for the many action types not modelled
            (for example C(BUILD), C(SLEEP) or C(SFTP)) or for fields the options do not cover.
          - May not hold what an option owns (C(name), C(type), C(after_action_id), C(password), the fields every
            type has, a modelled type's options) nor what the server sets (C(id), C(url) ...); the task fails naming
            the keys.
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
          - Only with O(actions[].trigger_time=ON_FAILURE) (set in the task or already on the action);
            otherwise the task fails before any change.
        type: bool
      variables:
        description:
          - Environment variables of the action. The list is compared item by item, in order.
          - The value of a variable with O(actions[].variables[].encrypted=true) is a secret; see O(update_password).
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
              - The variable's value. With O(actions[].variables[].encrypted=true) it is write-only, masked
                in output.
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
              - Access level of everyone not listed, for example V(DEFAULT), V(DENIED), V(READ_ONLY) or
                V(RUN_ONLY).
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
              - The sandbox identifier to match (with O(actions[].targets[].type=MATCH)).
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
              - Tags to match (with O(actions[].targets[].type=TAG)).
            type: list
            elements: str
      snapshot_name:
        description:
          - Only for types C(SANDBOX_MANAGE) and C(SANDBOX_CREATE).
          - For C(SANDBOX_MANAGE), the name of the snapshot to make with O(actions[].operation=CREATE_SNAPSHOT);
            may use Buddy variables such as C($BUDDY_RUN_ID).
          - For C(SANDBOX_CREATE), the snapshot to create the sandbox from (required with V(SNAPSHOT)
            as O(actions[].from)).
        type: str
      from:
        description:
          - Only for type C(SANDBOX_CREATE); required for it.
          - What the sandbox is created from. V(SCRATCH) needs O(actions[].spec), V(SANDBOX) needs O(actions[].sandbox_identifier),
            V(SNAPSHOT) needs O(actions[].snapshot_name).
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
              - 'The sandbox''s identifier: letters, digits, C(_) and C(-), not starting or ending with
                C(-).'
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
                  - The variable's value. With O(actions[].variables[].encrypted=true) it is write-only,
                    masked in output.
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
          - The sandbox to copy (required with V(SANDBOX) as O(actions[].from)).
        type: str
      update_if_exists:
        description:
          - Only for type C(SANDBOX_CREATE).
          - When a sandbox with the same identifier exists in the project, reconfigure it with the new
            specification instead of creating another one.
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
          - Required unless O(actions[].image_location) is V(ACTION) or V(PACKAGE_REGISTRY).
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
            such as C(type), C(version), C(connection), C(login), C(password)). Compared item by item
            in order on the keys given; C(password) keys are write-only like O(actions[].password).
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
          - A registry needs O(actions[].docker_image_name); V(ACTION) needs O(actions[].docker_build_action_id)
            or O(actions[].docker_build_action_name); V(PACKAGE_REGISTRY) needs O(actions[].package).
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
          - With O(actions[].image_location=ACTION), the ID of the action that builds the image; this
            or O(actions[].docker_build_action_name) is required then.
        type: int
      docker_build_action_name:
        description:
          - Only for type C(RUN_DOCKER_CONTAINER).
          - With O(actions[].image_location=ACTION), the name of the action that builds the image; this
            or O(actions[].docker_build_action_id) is required then.
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
          - The package from the package registry (required with O(actions[].image_location=PACKAGE_REGISTRY)).
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
  after_action_id:
    description:
      - The ID of an action that O(actions) does not name. The actions the task names then form one unbroken
        block, in order, right after it; the actions already in that chain stay, the others are moved (or
        added) there.
      - Without it, only the order of the named actions counts; actions the task does not name stay where they
        are, between them or not.
      - Can't be combined with O(purge_actions=true).
    type: int
  purge_actions:
    description:
      - Delete the actions of the pipeline that O(actions) does not name. Diff and check mode show them first.
      - Ignored when O(actions) is left out.
    type: bool
    default: false
  recreate:
    description:
      - 'For every item of O(actions): when the existing action has another O(actions[].type), add a new action
        of that type at its place, then delete the old one (its ID and run history are gone). Without it such a
        change fails the task before any change.'
    type: bool
    default: false
  update_password:
    description:
      - 'For every item of O(actions), as in M(opsflow.pipelines.buddy_action): V(on_create) sends write-only secrets
        (a registry C(password), the values of encrypted variables) only when the action is added; V(always) sends
        them on every run (and always reports a change).'
    type: str
    choices:
      - on_create
      - always
    default: on_create
'''

EXAMPLES = r'''
- name: A whole pipeline, settings and actions in order, in one task
  opsflow.pipelines.buddy_pipeline:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    name: Deploy
    refs: [refs/heads/main]
    priority: HIGH
    actions:
      - name: Run tests
        type: RUN_DOCKER_CONTAINER
        docker_image_name: library/python
        docker_image_tag: "3.12"
        execute_commands: [pip install -r requirements.txt, pytest]
      - name: Wait a moment
        type: SLEEP
        fields:
          sleep_in_sec: 5
    purge_actions: true
  register: deploy

- name: Show what changed (added, updated, moved, recreated, deleted action names)
  ansible.builtin.debug:
    var: deploy.changes

- name: Settings only (actions left alone), found by ID, renamed
  opsflow.pipelines.buddy_pipeline:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    pipeline_id: "{{ deploy.pipeline.id }}"
    name: Deploy to production
    paused: false
    fields:
      strict_context: true

- name: Remove the pipeline with its actions
  opsflow.pipelines.buddy_pipeline:
    token: "{{ buddy_token }}"
    workspace: my-company
    project_name: my-project
    name: Deploy to production
    state: absent
'''

RETURN = r'''
pipeline:
  description:
    - The pipeline as the API holds it after the task (as the server answered the create or edit, or the
      look-up when nothing changed). In check mode, the predicted pipeline.
    - An empty dict after O(state=absent).
  returned: always
  type: dict
  sample:
    id: 12
    identifier: deploy
    name: Deploy
    refs: [refs/heads/main]
    priority: HIGH
    definition_source: LOCAL
    url: https://api.buddy.works/workspaces/my-company/projects/my-project/pipelines/12
actions:
  description:
    - The pipeline's actions in pipeline order after the task, secrets masked (C(********)). Empty when
      O(actions) is left out, and after O(state=absent).
    - In check mode, the predicted actions; an action that would be added has no C(id).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 456
      name: Run tests
      type: RUN_DOCKER_CONTAINER
      docker_image_name: library/python
      docker_image_tag: "3.12"
      execute_commands: [pip install -r requirements.txt, pytest]
changes:
  description: What the task did (or in check mode would do).
  returned: with O(state=present)
  type: dict
  contains:
    settings:
      description: The settings sent (all of them when the pipeline was created).
      type: list
      elements: str
    added:
      description: Names of the actions added.
      type: list
      elements: str
    updated:
      description: Names of the actions whose fields were changed.
      type: list
      elements: str
    moved:
      description: Names of the actions moved to another position.
      type: list
      elements: str
    recreated:
      description: Names of the actions replaced by one of another type (O(recreate=true)).
      type: list
      elements: str
    deleted:
      description: Names of the actions deleted by O(purge_actions=true).
      type: list
      elements: str
  sample:
    settings: [priority]
    added: [Wait a moment]
    updated: []
    moved: [Run tests]
    recreated: []
    deleted: [Old step]
'''

from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy import BUDDY_CONNECTION_SPEC, WORKSPACE_SPEC
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_client import BuddyClient
from ansible_collections.opsflow.pipelines.plugins.module_utils._buddy_pipeline import (
    PIPELINE_REQUIRED_IF,
    PIPELINE_REQUIRED_ONE_OF,
    ensure_pipeline,
    pipeline_argument_spec,
)
from ansible_collections.opsflow.pipelines.plugins.module_utils._module import ArgumentSpec, module_main
from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import secret_values

SPEC = BUDDY_CONNECTION_SPEC.merge(WORKSPACE_SPEC, ArgumentSpec(
    pipeline_argument_spec(), required_if=PIPELINE_REQUIRED_IF, required_one_of=PIPELINE_REQUIRED_ONE_OF))


def run(module, client):
    return ensure_pipeline(client, module.params, check_mode=module.check_mode, want_diff=module._diff)


def main():
    # Encrypted variable values inside actions are secrets no argument spec can mark no_log.
    module_main(SPEC, run, BuddyClient.from_module, secret_finder=secret_values)


if __name__ == '__main__':
    main()
