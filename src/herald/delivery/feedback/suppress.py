"""Suppression entries written by feedback: one per (address, tenant scope, stream), never twice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.compliance import suppression
from herald.delivery.feedback.events import FeedbackEvent, feedback_actor
from herald.models.audience import Subscriber
from herald.models.compliance import Suppression


async def suppress_for(
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
