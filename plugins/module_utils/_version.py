# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""The collection's version, as Python, so that a module carries it.

A module runs from an AnsiballZ payload that holds Python files only: no
galaxy.yml, no MANIFEST.json. So the version the User-Agent names is written
here, and a unit test (tests/unit/plugins/module_utils/test__http.py, next to
the User-Agent it feeds) fails whenever it differs from galaxy.yml's ``version``:
bump both together.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

COLLECTION_VERSION = "0.2.0"
