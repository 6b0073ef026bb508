"""What the HTTP provider adapters share: error classification and header selection."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from herald.delivery.message import OutgoingMessage
from herald.kit import clock


def is_temporary_status(status: int) -> bool:
    """429, 5xx, and 401/403/408 (credentials or a proxy: retry, maybe elsewhere) are temporary."""
    return status in (401, 403, 408, 409, 423, 425, 429) or status >= 500


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - clock.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def custom_headers(message: OutgoingMessage, forbidden: frozenset[str]) -> dict[str, str]:
    headers = {k: v for k, v in message.headers.items() if k.lower() not in forbidden}
    return headers


def sender_domain(message: OutgoingMessage) -> str:
    return message.sender.rpartition("@")[2].lower()
