"""Suppression entries written by feedback: one per (address, tenant scope, stream), never twice.

A hard bounce finding the address already suppressed by the soft-bounce rule turns that entry
into ``hard_bounce``: whichever arrives first, the entry ends with the stronger reason, and a
later delivery (which may undo the soft-bounce rule) leaves it alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.compliance import audit, suppression
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
        existing = await _entry(session, address, tenant_id, stream)
        if existing is not None:
            if reason == "hard_bounce" and existing.reason == "soft_bounce_limit":
                await _harden(session, event, existing)
                added = True
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


async def _entry(
    session: AsyncSession, address: str, tenant_id: int | None, stream: str
) -> Suppression | None:
    digest = await suppression.email_hash(session, address)
    row = await session.execute(
        select(Suppression)
        .where(
            Suppression.email_hash == digest,
            Suppression.scope == (tenant_id or 0),
            Suppression.stream == stream,
        )
        .order_by(Suppression.id)
        .limit(1)
    )
    return row.scalar_one_or_none()


async def _harden(session: AsyncSession, event: FeedbackEvent, entry: Suppression) -> None:
    was = entry.reason
    entry.reason = "hard_bounce"
    entry.source = f"{event.provider} {event.kind.value} {event.event_key[:80]}"
    await audit.record(
        session,
        "newsletter.suppression",
        feedback_actor(event.provider),
        tenant_id=entry.tenant_id,
        target_type="suppression",
        target_id=entry.email_hash[:16],
        details={"reason": "hard_bounce", "was": was, "stream": entry.stream},
    )
