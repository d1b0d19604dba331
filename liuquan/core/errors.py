"""Domain errors, and the one place that maps them to HTTP answers and CLI exit codes.

Every refusal a person can meet is a DomainError subclass with a stable machine code, a Chinese message
(the contract of the JSON API: {"error": code, "message": 中文说明, "detail": {...}}), an English message
for the English console, and a detail dict naming the field, rule or record involved.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import translation


class DomainError(Exception):
    """Base class: a request that the domain refuses, with a reason a person can act on."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400
    exit_code: ClassVar[int] = 1

    def __init__(
        self, message: str, *, message_en: str | None = None, code: str | None = None, **detail: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        if code is not None:
            self.code = code  # type: ignore[misc]  # instance override of the class default
        self.detail = detail

    def localized_message(self) -> str:
        """The message in the active language (Chinese unless the person switched to English)."""
        language = translation.get_language() or "zh-hans"
        return self.message_en if language.startswith("en") else self.message

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "detail": self.detail}


class InvalidInput(DomainError):
    """Input that fails validation: detail names the field."""

    code = "invalid"
    http_status = 400
    exit_code = 2


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    http_status = 401
    exit_code = 4


class Forbidden(DomainError):
    """The acting person may not do this to this record."""

    code = "forbidden"
    http_status = 403
    exit_code = 4


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    exit_code = 3


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a stale version, a finished record)."""

    code = "conflict"
    http_status = 409
    exit_code = 5


class RuleViolation(DomainError):
    """A governance rule forbids the act (detail names the rule and its source)."""

    code = "rule_violation"
    http_status = 422
    exit_code = 6


class ConfigurationError(DomainError):
    """The installation is misconfigured (database unreachable, data directory unwritable)."""

    code = "configuration"
    http_status = 503
    exit_code = 78  # EX_CONFIG from sysexits.h


class TooManyAttempts(DomainError):
    """Too many failed attempts from one source in the current window (HTTP 429)."""

    code = "too_many_attempts"
    http_status = 429
    exit_code = 5
