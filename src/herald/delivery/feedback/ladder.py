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
from herald.delivery.feedback.suppress import suppress_for
from herald.models.audience import Subscriber, Subscription
from herald.models.delivery import DeliveryEvent

SOFT_BOUNCE_LIMIT = 5  # consecutive soft bounces (no delivery between them) count as hard

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
        return await _delivered(session, subscribers, row_id)
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


async def soft_bounce_runs(session: AsyncSession, row_id: int) -> tuple[int, int]:
    """(longest run, current run) of consecutive soft bounces in the address's history.

    The history is every recorded ``bounce_soft`` and ``delivered`` event for the address (by its
    keyed hash, else by subscriber), ordered by when it *happened*, not when it arrived, so a
    shuffled or replayed feed reaches the same verdict as an in-order one. A delivery ends a run.
    """
    row = (
        await session.execute(
            select(DeliveryEvent.recipient_hash, DeliveryEvent.subscriber_id).where(
                DeliveryEvent.id == row_id
            )
        )
    ).one()
    if row.recipient_hash is not None:
        same_address = DeliveryEvent.recipient_hash == row.recipient_hash
    elif row.subscriber_id is not None:
        same_address = DeliveryEvent.subscriber_id == row.subscriber_id
    else:
        return 1, 1
    kinds = await session.execute(
        select(DeliveryEvent.kind)
        .where(same_address, DeliveryEvent.kind.in_(_SOFT_HISTORY))
        .order_by(DeliveryEvent.occurred_at, DeliveryEvent.kind, DeliveryEvent.event_key)
    )
    longest = current = 0
    for (kind,) in kinds:
        current = current + 1 if kind == EventKind.BOUNCE_SOFT.value else 0
        longest = max(longest, current)
    return longest, current


_SOFT_HISTORY = (EventKind.BOUNCE_SOFT.value, EventKind.DELIVERED.value)


async def _delivered(session: AsyncSession, subscribers: list[Subscriber], row_id: int) -> str:
    """A delivery resets the soft-bounce count (only addresses that have one pay the query)."""
    if any(s.soft_bounce_count for s in subscribers):
        _, current = await soft_bounce_runs(session, row_id)
        for subscriber in subscribers:
            if subscriber.soft_bounce_count != current:
                subscriber.soft_bounce_count = current
                await session.execute(
                    update(Subscriber)
                    .where(Subscriber.id == subscriber.id)
                    .values(soft_bounce_count=current)
                )
    return "recorded"


async def _soft_bounce(
    session: AsyncSession, event: FeedbackEvent, subscribers: list[Subscriber], row_id: int
) -> str:
    if not subscribers:
        return "no_subscriber"
    longest, current = await soft_bounce_runs(session, row_id)
    escalated = longest >= SOFT_BOUNCE_LIMIT
    for subscriber in subscribers:
        subscriber.soft_bounce_count = current
        row = update(Subscriber).where(Subscriber.id == subscriber.id)
        await session.execute(row.values(soft_bounce_count=current))
        if not escalated:
            continue
        moved = await _move(session, event, subscriber, Status.BOUNCED)
        if moved:
            await _audit_change(
                session, event, subscriber, EventKind.BOUNCE_SOFT, moved, row_id, soft_count=longest
            )
        await suppress_for(session, event, [subscriber], "soft_bounce_limit", "all")
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
