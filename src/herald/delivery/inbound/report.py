"""What a parsed report says, before anyone decides whom it concerns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from herald.delivery.feedback import EventKind
from herald.delivery.inbound.parts import Original

# The worst outcome wins when one report names several recipients for one of our messages.
SEVERITY = {
    EventKind.COMPLAINT: 4,
    EventKind.BOUNCE_HARD: 3,
    EventKind.BOUNCE_SOFT: 2,
    EventKind.BLOCKED: 1,
    EventKind.DELIVERED: 0,
}


@dataclass(frozen=True, slots=True)
class RecipientOutcome:
    """One recipient's line of a report. ``recipient`` is what the reporter *claims*
    (normalised), never trusted on its own."""

    kind: EventKind
    action: str  # DSN Action (failed, delivered) or ARF Feedback-Type (abuse, fraud)
    recipient: str | None = None
    status: str | None = None
    diagnostic: str | None = None
    remote_mta: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    source: str  # "dsn" | "arf": the feedback provider name of the events it becomes
    reporting_mta: str | None
    original: Original
    occurred_at: datetime | None
    outcomes: tuple[RecipientOutcome, ...]
    detail: dict[str, Any] = field(default_factory=dict)
