"""Record feedback events once and apply the new ones.

:func:`ingest` records each event in ``delivery_events`` — ``UNIQUE(provider, event_key)`` with
``ON CONFLICT DO NOTHING`` — and applies its side effects only when the row was actually
inserted, so redelivered events (every provider delivers at least once) count once.

Subscribers are found through the message key's subscriber id (``m:…``/``c:…``) when its address
matches the event's recipient, otherwise by the normalised recipient address — within the
tenant scope the event names (Mailjet ``Payload``), or in every scope when nothing tells.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.compliance import suppression
from herald.delivery.feedback.events import FeedbackEvent, IngestReport, scrub
from herald.delivery.feedback.ladder import NOT_APPLIED, apply_event
from herald.kit import clock
from herald.kit.db import dialect_insert
from herald.models.audience import Subscriber
from herald.models.delivery import DeliveryEvent


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
        outcome = await apply_event(session, event, subscribers, row_id)
        if outcome not in NOT_APPLIED:
            report.applied += 1
        if outcome != "recorded":
            await session.execute(
                update(DeliveryEvent).where(DeliveryEvent.id == row_id).values(outcome=outcome)
            )
        report.outcomes.append(outcome)
    return report
