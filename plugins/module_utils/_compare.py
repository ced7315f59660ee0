# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""Desired-versus-actual comparison and prediction.

One rule decides idempotency everywhere: what the user set must be a subset
of what the server holds. Keys the server adds and defaults it fills in never
count as a difference, so a re-run reports ``changed: false``.

Secrets are write-only on the server, so callers compare ``without_write_only``
copies; what counts as a secret and how it is masked lives in ``_secrets.py``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
from typing import Any, Dict, Iterable, List, Mapping

from ansible_collections.opsflow.pipelines.plugins.module_utils._secrets import mask_secrets


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


def _scalar_equal(desired: Any, actual: Any) -> bool:
    # True == 1 in Python, but a boolean and a number are different settings.
    if isinstance(desired, bool) or isinstance(actual, bool):
        return isinstance(desired, bool) and isinstance(actual, bool) and desired == actual
    if isinstance(desired, (int, float)) and isinstance(actual, (int, float)):
        return desired == actual
    # "30" and 30 are different settings, even though YAML makes the slip easy.
    if isinstance(desired, str) or isinstance(actual, str):
        return isinstance(desired, str) and isinstance(actual, str) and desired == actual
    return bool(desired == actual)


def is_subset(desired: Any, actual: Any) -> bool:
    """True when every value the user set is already held by the server.

    - dicts: each desired key must match the actual value; extra actual keys are ignored.
      A desired ``None``, ``[]`` or ``{}`` also matches a key the server left out.
    - lists: same length, compared item by item in order, each desired item a subset of
      the actual one (so lists of scalars compare exactly).
    - scalars: equal, with booleans never equal to numbers.
    """
    if isinstance(desired, Mapping):
        if not isinstance(actual, Mapping):
            return False
        for key, value in desired.items():
            if key not in actual or actual[key] is None:
                if not _is_empty(value):
                    return False
                continue
            if not is_subset(value, actual[key]):
                return False
        return True
    if isinstance(desired, list):
        if actual is None:
            return not desired
        if not isinstance(actual, list) or len(desired) != len(actual):
            return False
        return all(is_subset(want, have) for want, have in zip(desired, actual))
    if desired is None:
        return actual is None
    return _scalar_equal(desired, actual)


def differing_keys(desired: Mapping[str, Any], actual: Mapping[str, Any]) -> List[str]:
    """Top-level keys of ``desired`` whose value the server does not hold yet, in desired order."""
    return [key for key in desired if not is_subset({key: desired[key]}, actual)]


def merge_into(actual: Any, desired: Any) -> Any:
    """What the server should hold after ``desired`` is written over ``actual``.

    Used to predict the result in check mode and to show a readable diff:
    nested dicts merge, lists of equal length merge item by item (so keys the
    server added stay visible), anything else is replaced by the desired value.
    """
    if isinstance(desired, Mapping) and isinstance(actual, Mapping):
        merged = copy.deepcopy(dict(actual))
        for key, value in desired.items():
            merged[key] = merge_into(actual.get(key), value)
        return merged
    if isinstance(desired, list) and isinstance(actual, list) and len(desired) == len(actual):
        return [merge_into(have, want) for have, want in zip(actual, desired)]
    return copy.deepcopy(desired)


def prune_none(value: Any) -> Any:
    """Drop ``None`` values from dicts, recursively.

    Ansible fills every sub-option the user left out with ``None``; those mean
    "not set", so they are neither sent nor compared.
    """
    if isinstance(value, Mapping):
        return dict((key, prune_none(item)) for key, item in value.items() if item is not None)
    if isinstance(value, list):
        return [prune_none(item) for item in value]
    return value


def without_keys(value: Mapping[str, Any], keys: Iterable[str]) -> Dict[str, Any]:
    """A shallow copy of ``value`` without ``keys``."""
    drop = set(keys)
    return dict((key, item) for key, item in value.items() if key not in drop)


def compared_view(value: Mapping[str, Any], keys: Iterable[str]) -> Dict[str, Any]:
    """The masked values of ``keys`` only: one side of a diff of the compared fields."""
    return mask_secrets(dict((key, copy.deepcopy(value.get(key))) for key in keys))
