"""What the webhook parsers share: JSON decoding, timestamps, typed failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from herald.kit.errors import Unavailable, ValidationFailed

MAX_EVENTS = 10_000  # per request; Mailjet v2 groups one second of events, Event Grid ≤ 5,000


class WebhookUnavailable(Unavailable):
    """A transient failure (database, certificate fetch, confirmation call): answer 5xx so the
    provider retries."""


def malformed(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="body")


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed("body is not JSON") from exc


def as_list(data: Any) -> list[dict[str, Any]]:
    """A JSON object or an array of objects (batched deliveries) as a list of objects."""
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_EVENTS:
        raise malformed(f"more than {MAX_EVENTS} events in one request")
    if not all(isinstance(item, dict) for item in items):
        raise malformed("events must be JSON objects")
    return items


def text(value: Any, limit: int = 255) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    out = str(value).strip()
    return out[:limit] or None


def unix_time(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise malformed("event time is missing")
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise malformed("event time is not a unix timestamp") from exc


def iso_time(value: Any) -> datetime:
    """ISO-8601 as the providers write it (``Z`` suffix, 7 fractional digits from .NET)."""
    if not isinstance(value, str) or not value.strip():
        raise malformed("event time is missing")
    raw = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = raw.partition(".")
    if dot:  # trim fractions to microseconds: .NET writes 7 digits, Python reads at most 6
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[:digits][:6] + rest[digits:]
        raw = f"{head}.{rest}"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise malformed("event time is not ISO-8601") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
