# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""What counts as a secret, and how it is hidden, written once for every module.

Some secrets are plain options (``api_key``, ``token``: ``no_log`` in the
argument spec does it). The rest are secrets only by their place in a
structure, which no argument spec can mark:

- the ``value`` of an item that has ``encrypted: true`` (Buddy variables in
  actions, runs and sandboxes);
- a write-only key (``password``) at any depth.

The server never hands these back in clear, so they are also left out of
comparisons (``without_write_only``). And a URL may carry ``user:password@``:
``redact_userinfo`` takes it out of any text before it reaches a message.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from typing import Any, Dict, Iterable, Mapping, Set

MASK = "********"
# In a diff's `after`: a secret that the write sends (it can't be compared, so it always counts as a change).
SENT_MASK = MASK + " (sent)"
# Keys whose value is a secret the server never hands back, at any depth.
WRITE_ONLY_KEYS = frozenset(("password",))

# scheme://userinfo@ -- userinfo is everything up to the first '@' before the host's end.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#@\s]*)@")


def is_secret_holder(value: Mapping[str, Any]) -> bool:
    """A variable (action, run, sandbox spec, ...) with ``encrypted: true`` holds a secret ``value``."""
    return value.get("encrypted") is True and "value" in value


def _is_secret_key(holder: Mapping[str, Any], key: Any) -> bool:
    return key in WRITE_ONLY_KEYS or (key == "value" and is_secret_holder(holder))


def secret_values(value: Any) -> Set[str]:
    """Every secret in ``value`` as text, to hand to Ansible's ``no_log_values``.

    A number stored encrypted is a secret too; it is collected as its text.
    """
    found: Set[str] = set()
    if isinstance(value, Mapping):
        for key, item in value.items():
            if _is_secret_key(value, key) and _is_scalar(item):
                text = str(item)
                if text:
                    found.add(text)
            else:
                found.update(secret_values(item))
    elif isinstance(value, list):
        for item in value:
            found.update(secret_values(item))
    return found


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def mask_secrets(value: Any, mask: str = MASK) -> Any:
    """A copy safe to return or show: write-only keys and encrypted values replaced by ``mask``.

    The shape stays (a masked key is still there), so a reader sees that a value is set.
    """
    if isinstance(value, Mapping):
        masked: Dict[str, Any] = {}
        for key, item in value.items():
            if _is_secret_key(value, key) and item is not None:
                masked[key] = mask
            else:
                masked[key] = mask_secrets(item, mask)
        return masked
    if isinstance(value, list):
        return [mask_secrets(item, mask) for item in value]
    return value


def without_write_only(value: Any) -> Any:
    """A copy without the values the server never hands back in clear, for comparison."""
    if isinstance(value, Mapping):
        return dict((key, without_write_only(item)) for key, item in value.items()
                    if not _is_secret_key(value, key))
    if isinstance(value, list):
        return [without_write_only(item) for item in value]
    return value


def has_write_only(value: Any) -> bool:
    """True when ``value`` holds a secret that can't be compared with the server's copy."""
    if isinstance(value, Mapping):
        return any((_is_secret_key(value, key) and item is not None) or has_write_only(item)
                   for key, item in value.items())
    if isinstance(value, list):
        return any(has_write_only(item) for item in value)
    return False


def redact_userinfo(text: Any) -> str:
    """``https://user:pw@host/x`` -> ``https://********@host/x``, for every URL in ``text``."""
    return _USERINFO.sub(lambda match: match.group(1) + MASK + "@", str(text))


def userinfo_values(*texts: Any) -> Set[str]:
    """The ``user:password`` (and the password alone) of every URL in ``texts``, for ``no_log_values``.

    An option such as ``api_url`` is not a secret, but credentials written into it are.
    """
    found: Set[str] = set()
    for text in texts:
        if not isinstance(text, str):
            continue
        for match in _USERINFO.finditer(text):
            userinfo = match.group(2)
            if userinfo:
                found.add(userinfo)
            password = userinfo.partition(":")[2]
            if password:
                found.add(password)
    return found


def scrub(text: Any, secrets: Iterable[str]) -> str:
    """``text`` with every known secret and URL userinfo masked: for messages built from server answers."""
    result = redact_userinfo(text)
    for secret in sorted((item for item in secrets if item), key=len, reverse=True):
        result = result.replace(secret, MASK)
    return result
