"""Typed domain errors. Domain code raises these; the web layer maps them to HTTP answers."""

from __future__ import annotations

from typing import Any


class HeraldError(Exception):
    """Base of every error Herald raises on purpose."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(HeraldError):
    code = "not_found"


class Conflict(HeraldError):
    code = "conflict"


class ValidationFailed(HeraldError):
    code = "invalid"


class PermissionDenied(HeraldError):
    code = "forbidden"


class FreshAuthRequired(PermissionDenied):
    """A sensitive action needs the password re-entered within the last few minutes."""

    code = "fresh_auth_required"


class CsrfFailed(PermissionDenied):
    """A state-changing request made with a console session lacks the session's CSRF token."""

    code = "csrf_failed"


class Unauthenticated(HeraldError):
    code = "unauthenticated"


class RateLimited(HeraldError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(HeraldError):
    """A transient failure (the database, a remote service): the caller should try again later
    (a 5xx for webhooks, a 4xx SMTP reply for the bounce mailbox)."""

    code = "unavailable"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class TokenInvalid(HeraldError):
    """A token that is forged, expired, malformed or meant for another purpose."""

    code = "invalid_token"


class CaptchaFailed(HeraldError):
    code = "captcha_failed"
