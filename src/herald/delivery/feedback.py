"""Provider feedback (delivered, bounces, complaints, unsubscribes…) applied to the audience.

Provider parsers (``herald.delivery.webhooks``) turn a verified webhook into
:class:`FeedbackEvent` values; :func:`ingest` records each one in ``delivery_events`` —
``UNIQUE(provider, event_key)`` with ``ON CONFLICT DO NOTHING`` — and applies its side effects
only when the row was actually inserted, so redelivered events (every provider delivers at least
once) count once.

Application is monotonic. Feedback only ever moves a subscription *down* the ladder
``active/pending → unsubscribed → bounced → complained`` and never back, so a delayed
``delivered`` after a ``bounce`` changes nothing and a late soft bounce cannot undo a complaint.
An ``unsub`` that happened before the subscription's latest (re)activation is a stale event and
is ignored: fresh consent wins over an old click.

- ``bounce_hard``: subscriptions → ``bounced``, address suppressed (``hard_bounce``, stream all).
- ``bounce_soft``: ``Subscriber.soft_bounce_count`` + 1; at :data:`SOFT_BOUNCE_LIMIT` the
  subscriber is treated as hard-bounced (suppression reason ``soft_bounce_limit``).
- ``complaint``: subscriptions → ``complained``, address suppressed (``complaint``, stream
  marketing: mandatory transactional mail still goes out).
- ``unsub``: subscriptions → ``unsubscribed`` with a consent withdrawal record.
- ``delivered`` / ``open`` / ``click`` / ``blocked``: recorded only. ``blocked`` covers policy
  rejections (RFC 3463 5.7.x, provider pre-blocks, receiver spam filters): they say nothing
  about the mailbox, so they never suppress.

Subscribers are found through the message key's subscriber id (``m:…``/``c:…``) when its address
matches the event's recipient, otherwise by the normalised recipient address — within the
tenant scope the event names (Mailjet ``Payload``), or in every scope when nothing tells.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.audience import states
from herald.audience.erasure import register_eraser
from herald.audience.states import Status
from herald.compliance import audit, suppression
from herald.compliance.consent import record_consent
from herald.delivery.ids import MessageKey
from herald.kit import clock
from herald.kit.db import dialect_insert
from herald.kit.errors import ValidationFailed
from herald.kit.logging import get_logger
from herald.kit.text import normalise_email
from herald.models.audience import Subscriber, Subscription
from herald.models.compliance import Suppression
from herald.models.delivery import DeliveryEvent

log = get_logger(__name__)

SOFT_BOUNCE_LIMIT = 3


class EventKind(StrEnum):
    DELIVERED = "delivered"
    BOUNCE_HARD = "bounce_hard"
    BOUNCE_SOFT = "bounce_soft"
    COMPLAINT = "complaint"
    BLOCKED = "blocked"
    OPEN = "open"
    CLICK = "click"
    UNSUB = "unsub"


# The feedback ladder: a subscription only moves to a strictly higher rung.
_RANK = {
    Status.PENDING: 0,
    Status.ACTIVE: 0,
    Status.UNSUBSCRIBED: 1,
    Status.BOUNCED: 2,
    Status.SUPPRESSED: 2,
    Status.COMPLAINED: 3,
}
_TARGET = {
    EventKind.BOUNCE_HARD: Status.BOUNCED,
    EventKind.COMPLAINT: Status.COMPLAINED,
    EventKind.UNSUB: Status.UNSUBSCRIBED,
}
_AUDIT_ACTION = {
    EventKind.BOUNCE_HARD: "delivery.bounce",
    EventKind.BOUNCE_SOFT: "delivery.bounce",
    EventKind.COMPLAINT: "delivery.complaint",
    EventKind.UNSUB: "delivery.unsubscribe",
}
_NOT_APPLIED = frozenset({"recorded", "no_change", "no_subscriber"})
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
    return Actor(kind="system", id=f"webhook:{provider}")


async def _resolve(session: AsyncSession, event: FeedbackEvent) -> list[Subscriber]:
    key_sid = event.message_key.subscriber_id if event.message_key else None
    if key_sid is not None:
        row = await session.get(Subscriber, key_sid)
        if row is not None and (event.recipient is None or row.email_normalized == event.recipient):
            return [row]
    if event.recipient is None:
        return []
    stmt = select(Subscriber).where(Subscriber.email_normalized == event.recipient)
    if event.tenant_scope is not None:
        stmt = stmt.where(Subscriber.scope == event.tenant_scope)
    return list((await session.execute(stmt.order_by(Subscriber.id))).scalars())


async def ingest(session: AsyncSession, events: Sequence[FeedbackEvent]) -> IngestReport:
    """Record and apply ``events`` in the caller's unit of work (never commits)."""
    report = IngestReport(received=len(events))
    now = clock.now()
    insert = dialect_insert(session)
    for event in events:
        subscribers = await _resolve(session, event)
        first = subscribers[0] if subscribers else None
        tenant_id = (
            first.tenant_id if first is not None else (event.tenant_scope or None)
        )  # 0 (platform) and unknown are both NULL
        recipient_hash = (
            await suppression.email_hash(session, event.recipient) if event.recipient else None
        )
        key = event.message_key
        result = await session.execute(
            insert(DeliveryEvent)
            .values(
                provider=event.provider,
                event_key=event.event_key,
                kind=event.kind.value,
                tenant_id=tenant_id,
                subscriber_id=first.id if first is not None else None,
                campaign_id=key.campaign_id if key else None,
                message_key=str(key) if key else None,
                provider_message_id=(event.provider_message_id or "")[:255] or None,
                recipient_hash=recipient_hash,
                occurred_at=event.occurred_at,
                received_at=now,
                outcome="recorded",
                detail=scrub(event.detail),
            )
            .on_conflict_do_nothing(index_elements=["provider", "event_key"])
            .returning(DeliveryEvent.id)
        )
        row_id = result.scalar_one_or_none()
        if row_id is None:
            report.duplicates += 1
            report.outcomes.append("duplicate")
            continue
        outcome = await _apply(session, event, subscribers, row_id)
        if outcome not in _NOT_APPLIED:
            report.applied += 1
        if outcome != "recorded":
            await session.execute(
                update(DeliveryEvent).where(DeliveryEvent.id == row_id).values(outcome=outcome)
            )
        report.outcomes.append(outcome)
    return report


async def _apply(
    session: AsyncSession, event: FeedbackEvent, subscribers: list[Subscriber], row_id: int
) -> str:
    kind = event.kind
    if kind is EventKind.BOUNCE_SOFT:
        return await _soft_bounce(session, event, subscribers, row_id)
    if kind not in _TARGET:
        return "recorded"
    changed = False
    for subscriber in subscribers:
        moved = await _move(session, event, subscriber, _TARGET[kind])
        if moved:
            changed = True
            await _audit_change(session, event, subscriber, kind, moved, row_id)
    if kind is EventKind.BOUNCE_HARD:
        changed |= await _suppress(session, event, subscribers, "hard_bounce", "all")
    elif kind is EventKind.COMPLAINT:
        changed |= await _suppress(session, event, subscribers, "complaint", "marketing")
    return f"{kind.value}_applied" if changed else "no_change"


async def _soft_bounce(
    session: AsyncSession, event: FeedbackEvent, subscribers: list[Subscriber], row_id: int
) -> str:
    if not subscribers:
        return "no_subscriber"
    escalated = False
    for subscriber in subscribers:
        count = (
            await session.execute(
                update(Subscriber)
                .where(Subscriber.id == subscriber.id)
                .values(soft_bounce_count=Subscriber.soft_bounce_count + 1)
                .returning(Subscriber.soft_bounce_count)
            )
        ).scalar_one()
        subscriber.soft_bounce_count = count
        if count < SOFT_BOUNCE_LIMIT:
            continue
        escalated = True
        moved = await _move(session, event, subscriber, Status.BOUNCED)
        if moved:
            await _audit_change(
                session, event, subscriber, EventKind.BOUNCE_SOFT, moved, row_id, soft_count=count
            )
        await _suppress(session, event, [subscriber], "soft_bounce_limit", "all")
    return "soft_bounce_limit" if escalated else "soft_bounce_counted"


async def _move(
    session: AsyncSession, event: FeedbackEvent, subscriber: Subscriber, target: Status
) -> list[Subscription]:
    # FOR UPDATE (PostgreSQL; SQLite already runs one writer): two reports for one subscriber in
    # concurrent requests see each other's outcome, so the ladder holds under races too.
    rows = await session.execute(
        select(Subscription)
        .where(Subscription.subscriber_id == subscriber.id)
        .order_by(Subscription.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    moved = []
    for sub in rows.scalars():
        current = Status(sub.status)
        if _RANK[target] <= _RANK[current] or not states.can_transition(current, target):
            continue
        if (
            target is Status.UNSUBSCRIBED
            and _RANK[current] == 0
            and sub.status_changed_at > event.occurred_at
        ):
            continue  # re-subscribed after this (delayed) unsubscribe happened
        states.transition(session, sub, target, reason=f"{event.provider}_{event.kind.value}")
        moved.append(sub)
        if target is Status.UNSUBSCRIBED:
            await record_consent(
                session,
                tenant_id=subscriber.tenant_id,
                subscriber_id=subscriber.id,
                list_id=sub.list_id,
                action="withdrawn",
                method="provider_unsubscribe",
                evidence={"provider": event.provider, "event": event.event_key[:80]},
            )
    return moved


async def _audit_change(
    session: AsyncSession,
    event: FeedbackEvent,
    subscriber: Subscriber,
    kind: EventKind,
    moved: list[Subscription],
    row_id: int,
    soft_count: int | None = None,
) -> None:
    details: dict[str, Any] = {
        "provider": event.provider,
        "kind": kind.value,
        "event": row_id,
        "lists": [s.list_id for s in moved],
        "to": moved[0].status,
    }
    if event.message_key is not None:
        details["message"] = str(event.message_key)
    if soft_count is not None:
        details["soft_bounces"] = soft_count
    await audit.record(
        session,
        _AUDIT_ACTION[kind],
        feedback_actor(event.provider),
        tenant_id=subscriber.tenant_id,
        target_type="subscriber",
        target_id=subscriber.id,
        details=details,
    )


async def _suppress(
    session: AsyncSession,
    event: FeedbackEvent,
    subscribers: list[Subscriber],
    reason: str,
    stream: str,
) -> bool:
    """Suppress the address in each subscriber's scope (or the event's scope, platform-wide
    when unknown, for mail that reached no subscriber). True when an entry was added."""
    targets: dict[int | None, str] = {s.tenant_id: s.email_normalized for s in subscribers}
    if not targets:
        if event.recipient is None:
            return False
        targets[event.tenant_scope or None] = event.recipient
    added = False
    for tenant_id, address in targets.items():
        if await _has_entry(session, address, tenant_id, stream):
            continue
        await suppression.suppress(
            session,
            address,
            tenant_id=tenant_id,
            reason=reason,
            stream=stream,
            source=f"{event.provider} {event.kind.value} {event.event_key[:80]}",
            actor=feedback_actor(event.provider),
        )
        added = True
    return added


async def _has_entry(
    session: AsyncSession, address: str, tenant_id: int | None, stream: str
) -> bool:
    digest = await suppression.email_hash(session, address)
    row = await session.execute(
        select(Suppression.id)
        .where(
            Suppression.email_hash == digest,
            Suppression.scope == (tenant_id or 0),
            Suppression.stream == stream,
        )
        .limit(1)
    )
    return row.first() is not None


async def _erase(session: AsyncSession, subscriber: Subscriber) -> None:
    digest = await suppression.email_hash(session, subscriber.email_normalized)
    await session.execute(
        delete(DeliveryEvent).where(
            or_(
                DeliveryEvent.subscriber_id == subscriber.id,
                and_(
                    DeliveryEvent.recipient_hash == digest,
                    DeliveryEvent.tenant_id.is_(None)
                    if subscriber.tenant_id is None
                    else DeliveryEvent.tenant_id == subscriber.tenant_id,
                ),
            )
        )
    )


register_eraser(_erase)
