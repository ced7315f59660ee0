# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-only callback: every task result as one JSON line, for the integration tests to read.

The normal stdout callback keeps printing, so the tests can also read what a user sees.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
name: record_results
type: aggregate
short_description: Write every task result to the JSON-lines file named by E(OPSFLOW_RESULTS_FILE)
description:
  - Used by the collection's integration tests only.
author: opsflow maintainers
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._path = os.environ.get('OPSFLOW_RESULTS_FILE')

    def _record(self, result, status):
        if not self._path:
            return
        entry = {
            'task': result._task.get_name(),
            'host': result._host.get_name(),
            'status': status,
            'result': self._clean(result._result),
        }
        with open(self._path, 'a') as handle:
            handle.write(json.dumps(entry, default=str) + '\n')

    def _clean(self, data):
        return json.loads(json.dumps(data, default=str))

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')
