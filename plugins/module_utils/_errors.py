# -*- coding: utf-8 -*-
# Copyright: Contributors to the opsflow.pipelines collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE to the opsflow.pipelines collection: not a public API, may change without notice.
"""One error hierarchy for every module; main() catches OpsflowError only."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from typing import Any, Dict, Optional


class OpsflowError(Exception):
    """Base of every error this collection raises on purpose.

    Extra keyword details end up in the failed task's result, so a playbook
    can branch on them (``failed_when`` / ``rescue``).
    """

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_fail_kwargs(self) -> Dict[str, Any]:
        kwargs = dict(self.details)
        kwargs["msg"] = self.message
        return kwargs


class ValidationError(OpsflowError):
    """Bad input, found before any request was sent."""


class ApiError(OpsflowError):
    """The API answered with a status the call did not expect."""

    hint: Optional[str] = None

    def __init__(self, method: str, path: str, status: int, server_message: Optional[str] = None,
                 hint: Optional[str] = None, **details: Any) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.server_message = server_message
        hint = hint or self.hint
        message = "%s %s failed with HTTP %s" % (method, path, status)
        if server_message:
            message += ": %s" % server_message
        if hint:
            message += " (%s)" % hint
        details.setdefault("api_error", {
            "method": method,
            "path": path,
            "status": status,
            "message": server_message,
        })
        super().__init__(message, **details)


class AuthenticationError(ApiError):
    """401: the credential was refused."""

    hint = "check the token or API key, that it has not expired and is allowed from this address"


class PermissionDeniedError(ApiError):
    """403: the credential is valid but may not do this."""

    hint = "the credential is valid but lacks the scope or role for this call"


class NotFoundError(ApiError):
    """404: the object, or one of its parents, does not exist."""

    hint = "check the workspace, project, pipeline and object identifiers"


class TransportError(OpsflowError):
    """No usable answer: connection refused, timed out or dropped.

    ``may_have_committed`` is true when the request may have reached the
    server, so repeating a non-idempotent call could do the work twice.
    """

    def __init__(self, method: str, path: str, reason: str, may_have_committed: bool = False,
                 **details: Any) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.may_have_committed = may_have_committed
        message = "%s %s failed: %s" % (method, path, reason)
        details.setdefault("may_have_committed", may_have_committed)
        super().__init__(message, **details)


ERRORS_BY_STATUS = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


def api_error_for(method: str, path: str, status: int, server_message: Optional[str]) -> ApiError:
    """The most specific ApiError subclass for an HTTP status."""
    error_class = ERRORS_BY_STATUS.get(status, ApiError)
    return error_class(method, path, status, server_message)
