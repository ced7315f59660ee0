# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # Connection options of every blink_* module. Keep in step with
    # BLINK_CONNECTION_OPTIONS in plugins/module_utils/_blink.py (a unit test checks it).
    DOCUMENTATION = r'''
requirements:
  - requests
notes:
  - In C(module_defaults), C(group/opsflow.pipelines.blink) should set only the connection options (O(api_url),
    O(api_key), O(validate_certs), O(request_timeout), O(max_retries)); set the other options on each task, since
    not every module of the group accepts them (C(workflow_id) is refused by
    M(opsflow.pipelines.blink_execution_info)).
options:
  api_url:
    description:
      - URL of BlinkOps. Every call goes to the API root C(/api/v1) under it.
      - Use the regional URL (for example V(https://ue1.blinkops.com) or V(https://us2.blinkops.com)) or your
        tenant's URL when your account lives there. A URL that already ends in C(/api/v1) is accepted too.
      - If not set, the value of the E(BLINK_API_URL) environment variable is used.
    type: str
    default: https://app.blinkops.com
  api_key:
    description:
      - BlinkOps API key, sent in the C(BLINK-API-KEY) header. Create one under API Keys in your BlinkOps user
        settings.
      - The key acts with its user's role in the workspace. A Viewer can only list; running and cancelling
        workflows needs Owner or Contributor.
      - If not set, the value of the E(BLINK_API_KEY) environment variable is used.
      - Never printed, logged or returned.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the server's TLS certificate. Set to V(false) only for a server you trust.
      - If not set, the value of the E(BLINK_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for an answer to one request.
      - A call that asks the server to wait for the workflow (C(run_sync)) gets its C(timeout) on top.
      - If not set, the value of the E(BLINK_REQUEST_TIMEOUT) environment variable is used.
    type: float
    default: 30
  max_retries:
    description:
      - How many times a request is repeated when the server did not act on it, or when repeating it is harmless.
      - Reads (C(GET) of executions) are repeated after HTTP 429, 502, 503 or 504, or a connection failure.
      - Starting a workflow (the execute C(POST)) is repeated only when the server certainly did not take it
        (HTTP 429, or a connection refused before anything was sent). After a timeout, a dropped connection or a
        gateway error the task fails saying that the workflow may have started, and the request is not repeated.
      - Cancelling an execution (O(opsflow.pipelines.blink_workflow_execute#module:cancel_on_timeout)) is repeated
        after HTTP 429 or 503, or a connection refused before anything was sent.
      - The wait follows the server's C(Retry-After) header, else an exponential backoff with jitter (at most
        120 seconds a wait). Each retry is reported as a warning.
      - V(0) disables retries.
    type: int
    default: 5
'''
