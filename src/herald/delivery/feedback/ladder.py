"""The monotonic application of one recorded event to the audience.

Feedback only ever moves a subscription *down* the ladder
``active/pending → unsubscribed → bounced → complained`` and never back, so a delayed
``delivered`` after a ``bounce`` changes nothing and a late soft bounce cannot undo a complaint.
An ``unsub`` that happened before the subscription's latest (re)activation is a stale event and
is ignored: fresh consent wins over an old click.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience import states
from herald.audience.states import Status
from herald.compliance import audit
from herald.compliance.consent import record_consent
from herald.delivery.feedback.events import EventKind, FeedbackEvent, feedback_actor
from herald.delivery.feedback.softlimit import (
    SOFT_BOUNCE_LIMIT,
    SOFT_REASON,
    absorbed_events,
    soft_bounce_runs,
    undo_if_broken,
)
from herald.delivery.feedback.suppress import suppress_for
from herald.models.audience import Subscriber, Subscription

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
NOT_APPLIED = frozenset({"recorded", "no_change", "no_subscriber"})


async def apply_event(
    session: AsyncSession, event: FeedbackEvent, subscribers: list[Subscriber], row_id: int
) -> str:
    """Apply a newly recorded event; returns its outcome (``NOT_APPLIED`` when nothing moved)."""
    kind = event.kind
    if kind is EventKind.BOUNCE_SOFT:
        return await _soft_bounce(session, event, subscribers, row_id)
    if kind is EventKind.DELIVERED:
        return await _delivered(session, event, subscribers, row_id)
    if kind not in _TARGET:
        return "recorded"
    changed = False
    for subscriber in subscribers:
        moved = await _move(session, event, subscriber, _TARGET[kind])
        if moved:
            changed = True
            await _audit_change(session, event, subscriber, kind, moved, row_id)
    if kind is EventKind.BOUNCE_HARD:
        changed |= await suppress_for(session, event, subscribers, "hard_bounce", "all")
    elif kind is EventKind.COMPLAINT:
        changed |= await suppress_for(session, event, subscribers, "complaint", "marketing")
    return f"{kind.value}_applied" if changed else "no_change"


async def _delivered(
    session: AsyncSession, event: FeedbackEvent, subscribers: list[Subscriber], row_id: int
) -> str:
    """A delivery resets the soft-bounce count (only addresses that have one pay the query) and
    may break the run that made the soft-bounce rule suppress the address (:mod:`.softlimit`)."""
    if any(s.soft_bounce_count for s in subscribers):
        _, current = await soft_bounce_runs(session, row_id)
        for subscriber in subscribers:
            await _set_soft_count(session, subscriber, current)
    restored = await undo_if_broken(session, event, subscribers, row_id)
    for subscriber in subscribers:
        if subscriber.id not in restored:
            continue
        # Complaints and unsubscribes that arrived while the rule held the subscription in
        # ``bounced`` moved nothing then; applied now, the outcome is the in-order one.
        for absorbed in await absorbed_events(session, subscriber.id):
            moved = await _move(session, absorbed, subscriber, _TARGET[absorbed.kind])
            if moved:
                await _audit_change(session, absorbed, subscriber, absorbed.kind, moved, row_id)
    return "soft_bounce_undone" if restored else "recorded"


async def _soft_bounce(
    session: AsyncSession, event: FeedbackEvent, subscribers: list[Subscriber], row_id: int
) -> str:
    if not subscribers:
        return "no_subscriber"
    longest, current = await soft_bounce_runs(session, row_id)
    escalated = longest >= SOFT_BOUNCE_LIMIT
    for subscriber in subscribers:
        await _set_soft_count(session, subscriber, current)
        if not escalated:
            continue
        moved = await _move(session, event, subscriber, Status.BOUNCED)
        if moved:
            await _audit_change(
                session, event, subscriber, EventKind.BOUNCE_SOFT, moved, row_id, soft_count=longest
            )
        await suppress_for(session, event, [subscriber], SOFT_REASON, "all")
    return "soft_bounce_limit" if escalated else "soft_bounce_counted"


async def _set_soft_count(session: AsyncSession, subscriber: Subscriber, count: int) -> None:
    if subscriber.soft_bounce_count == count:
        return
    subscriber.soft_bounce_count = count  # the loaded object and the row agree, no reload
    await session.execute(
        update(Subscriber)
        .where(Subscriber.id == subscriber.id)
        .values(soft_bounce_count=count)
        .execution_options(synchronize_session=False)
    )


async def _move(
    session: AsyncSession, event: FeedbackEvent, subscriber: Subscriber, target: Status
) -> list[Subscription]:
    # Sessions do not autoflush: write earlier moves of this unit of work before re-reading the
    # rows (``populate_existing`` would otherwise overwrite them with the stored state).
    await session.flush()
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
