# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # Attributes shared by the modules. Each module states its own support level.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    BUDDY = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/opsflow.pipelines.buddy) in C(module_defaults) to set the connection options once for
      every module of the group; put only connection options there (see the notes). C(group/opsflow.pipelines.all)
      holds the Buddy and the BlinkOps modules; use it only for options both services share (O(validate_certs),
      O(request_timeout), O(max_retries)), since a module refuses the other service's options (C(token) or
      C(api_key)) and O(api_url) differs between them.
    support: full
    membership:
      - opsflow.pipelines.buddy
      - opsflow.pipelines.all
'''

    BLINK = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/opsflow.pipelines.blink) in C(module_defaults) to set the connection options once for
      every module of the group. C(group/opsflow.pipelines.all) holds the Buddy and the BlinkOps modules; use it only
      for options both services share (O(validate_certs), O(request_timeout), O(max_retries)), since a module
      refuses the other service's options (C(token) or C(api_key)) and O(api_url) differs between them.
    support: full
    membership:
      - opsflow.pipelines.blink
      - opsflow.pipelines.all
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details: This module only reads, so it runs the same in check mode.
  diff_mode:
    support: N/A
    details: This module never changes anything.
'''
