# -*- coding: utf-8 -*-
# Copyright (c) opsflow maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Buddy pipeline runs and sandboxes: ``server.py`` loads this file; the model is in runs.py and sandboxes.py.

Test tooling only.
"""

from __future__ import annotations

from runs import register

__all__ = ["register"]
