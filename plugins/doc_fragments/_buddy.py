# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options of every buddy_* module. Keep in step with
    # BUDDY_CONNECTION_OPTIONS in plugins/module_utils/_buddy.py (a unit test checks it).
    DOCUMENTATION = r'''
requirements:
  - requests
notes:
  - In C(module_defaults), C(group/opsflow.pipelines.buddy) should set only the connection options (O(api_url),
    O(token), O(validate_certs), O(request_timeout), O(max_retries)); set C(workspace), C(project_name) and
    C(pipeline_id) (or C(pipeline_name)) on each task, since not every module of the group accepts them
    (C(pipeline_id) is refused by M(opsflow.pipelines.buddy_sandbox_info)). A YAML anchor or a variable keeps them in one place.
options:
  api_url:
    description:
      - Root URL of the Buddy.works REST API.
      - Use V(https://api.eu.buddy.works) for the EU region, V(https://api.asia.buddy.works) for Asia-Pacific,
        and V(https://HOST/api) for a self-hosted Buddy.
      - If not set, the value of the E(BUDDY_API_URL) environment variable is used, then E(BUDDY_BASE_URL)
        (the variable the official Terraform provider reads).
    type: str
    default: https://api.buddy.works
  token:
    description:
      - "Personal access token or OAuth token, sent as C(Authorization: Bearer <token>)."
      - Reading actions needs the E(EXECUTION_INFO) scope, changing them E(EXECUTION_MANAGE), running pipelines
        E(EXECUTION_RUN), sandboxes E(SANDBOX_INFO) or E(SANDBOX_MANAGE).
      - If not set, the value of the E(BUDDY_TOKEN) environment variable is used.
      - Never printed, logged or returned.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. Set to V(false) only for a self-hosted server you trust.
      - If not set, the value of the E(BUDDY_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for an answer to one request.
      - If not set, the value of the E(BUDDY_REQUEST_TIMEOUT) environment variable is used, then E(BUDDY_TIMEOUT).
    type: float
    default: 30
  max_retries:
    description:
      - How many times a request is repeated after HTTP 429, 502, 503 or 504, or a connection failure.
      - Reads (C(GET)) and idempotent changes (C(PATCH), C(DELETE)) are repeated. A C(POST) is repeated only when
        the server certainly did not act on it (HTTP 429 or 503, or a connection refused before sending);
        otherwise the module says what may have happened instead of sending it again.
      - The wait follows the server's C(Retry-After) or C(X-Rate-Limit-Reset) header, else an exponential
        backoff with jitter (at most 120 seconds a wait). Each retry is reported as a warning.
      - V(0) disables retries.
    type: int
    default: 5
'''

    # Where a module works: WORKSPACE alone, or with PIPELINE the pipeline inside it
    # (WORKSPACE_SPEC / PIPELINE_SPEC in plugins/module_utils/_buddy.py; unit tests compare them).
    WORKSPACE = r'''
options:
  workspace:
    description:
      - The workspace's domain (its URL handle), as in C(https://app.buddy.works/<workspace>), for example
        V(my-company).
    type: str
    required: true
'''

    PIPELINE = r'''
options:
  project_name:
    description:
      - The project's name ID (the human-readable ID in the project's URL), as in
        C(https://app.buddy.works/<workspace>/<project_name>).
    type: str
    required: true
  pipeline_id:
    description:
      - The numerical ID of the pipeline, as in
        C(https://app.buddy.works/<workspace>/<project_name>/pipelines/pipeline/<pipeline_id>).
      - Exactly one of O(pipeline_id) and O(pipeline_name) is required.
    type: int
  pipeline_name:
    description:
      - The pipeline's exact name, instead of O(pipeline_id). The project's pipelines are listed (every page)
        once per task to find its ID; no pipeline of that name, or several, fail the task naming what the
        project holds.
      - Exactly one of O(pipeline_id) and O(pipeline_name) is required.
    type: str
'''

    # How buddy_pipeline_run and buddy_pipeline_execution wait for a run (RUN_WAIT_SPEC in
    # plugins/module_utils/_buddy_execution.py; a unit test compares them).
    RUN_WAIT = r'''
options:
  wait_timeout:
    description: Seconds to wait for the run to end (with O(wait)).
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two looks at the run while waiting. One C(GET) each.
    type: float
    default: 5
'''
