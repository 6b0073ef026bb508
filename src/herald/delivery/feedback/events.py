"""The normalised feedback event every source produces (provider webhooks, the bounce mailbox).

A parser turns what a provider or a reporting MTA sent into :class:`FeedbackEvent` values; the
event kinds are the same whatever the source, so one ingestion path (:mod:`.ingest`) records and
applies them all.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from herald.accounts.context import Actor
from herald.delivery.ids import MessageKey
from herald.kit.errors import ValidationFailed
from herald.kit.text import normalise_email


class EventKind(StrEnum):
    DELIVERED = "delivered"
    BOUNCE_HARD = "bounce_hard"
    BOUNCE_SOFT = "bounce_soft"
    COMPLAINT = "complaint"
    BLOCKED = "blocked"
    OPEN = "open"
    CLICK = "click"
    UNSUB = "unsub"


# Sources that are not provider webhooks but reports mailed to the bounce domain.
MAILBOX_PROVIDERS = frozenset({"dsn", "arf"})

_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")
_MAX_DETAIL_TEXT = 500


def scrub(value: Any) -> Any:
    """Provider text is untrusted and may quote the address: strip addresses, cap lengths."""
    if isinstance(value, str):
        return _ADDRESS.sub("[address]", value)[:_MAX_DETAIL_TEXT]
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k)[:64]: scrub(v) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in list(value)[:20]]
    return scrub(str(value))


def normalise_recipient(raw: object) -> str | None:
    """The identity form of an event's recipient, or None when it is absent or not an address."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return normalise_email(raw.strip().strip("<>"))
    except ValidationFailed:
        return None


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """One provider event, normalised. ``tenant_scope`` is a hint carried by the event itself
    (None: unknown; 0: platform-wide; n: tenant n)."""

    provider: str
    kind: EventKind
    occurred_at: datetime
    event_id: str | None = None
    message_key: MessageKey | None = None
    provider_message_id: str | None = None
    recipient: str | None = None
    tenant_scope: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def event_key(self) -> str:
        """The provider's event id, or a stable synthetic key (same event → same key)."""
        if self.event_id:
            return self.event_id[:128]
        material = "\x00".join(
            [
                self.provider,
                self.provider_message_id or str(self.message_key or ""),
                self.kind.value,
                self.occurred_at.isoformat(),
                self.recipient or "",
                str(self.detail.get("url") or ""),
            ]
        )
        return "sha256:" + hashlib.sha256(material.encode()).hexdigest()


@dataclass(slots=True)
class IngestReport:
    received: int = 0
    duplicates: int = 0
    applied: int = 0  # events that changed a subscription, a counter or the suppression list
    outcomes: list[str] = field(default_factory=list)


def feedback_actor(provider: str) -> Actor:
    """The audit actor of an event's effects: ``webhook:<provider>`` or ``mailbox:<dsn|arf>``."""
    channel = "mailbox" if provider in MAILBOX_PROVIDERS else "webhook"
    return Actor(kind="system", id=f"{channel}:{provider}")
