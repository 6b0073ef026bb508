"""The soft-bounce rule: five soft bounces in a row count as a hard bounce — on the full history.

Runs are read from the recorded ``bounce_soft`` and ``delivered`` events of the address, ordered
by when they *happened*. Events arrive in any order, though, so a run can look like five only
because a delivery inside it has not arrived yet. The rule is made order-independent in two
halves:

- a soft bounce that completes a run of :data:`SOFT_BOUNCE_LIMIT` applies it at once (the
  history only grows; a run already seen can only be broken by a delivery);
- a delivery that arrives while the address carries a ``soft_bounce_limit`` suppression and
  leaves no run of five in the history undoes exactly what the rule did: the entry is lifted
  (audited, reason :data:`~herald.audience.states.SOFT_BOUNCE_UNDO_REASON`) and subscriptions
  whose latest move was the rule's go back to their previous status.

Nothing else is ever undone: a hard bounce turns the entry into ``hard_bounce`` (see
:mod:`.suppress`), so a later delivery lifts nothing, and complaints and unsubscribes are real.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience import states
from herald.audience.states import Status
from herald.compliance import suppression
from herald.delivery.feedback.events import EventKind, FeedbackEvent, feedback_actor
from herald.models.audience import Subscriber, Subscription, SubscriptionTransition
from herald.models.compliance import Suppression
from herald.models.delivery import DeliveryEvent

SOFT_BOUNCE_LIMIT = 5  # consecutive soft bounces (no delivery between them) count as hard
SOFT_REASON = "soft_bounce_limit"
_SOFT_HISTORY = (EventKind.BOUNCE_SOFT.value, EventKind.DELIVERED.value)


async def soft_bounce_runs(session: AsyncSession, row_id: int) -> tuple[int, int]:
    """(longest run, current run) of consecutive soft bounces in the address's history.

    The history is every recorded ``bounce_soft`` and ``delivered`` event for the address (by its
    keyed hash, else by subscriber), ordered by when it *happened*, not when it arrived. A
    delivery ends a run.
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


async def _entries(session: AsyncSession, subscriber: Subscriber) -> list[Suppression]:
    digest = await suppression.email_hash(session, subscriber.email_normalized)
    rows = await session.execute(
        select(Suppression).where(
            Suppression.email_hash == digest,
            Suppression.scope == (subscriber.tenant_id or 0),
            Suppression.reason == SOFT_REASON,
        )
    )
    return list(rows.scalars())


async def undo_if_broken(
    session: AsyncSession, event: FeedbackEvent, subscribers: list[Subscriber], row_id: int
) -> dict[int, list[Subscription]]:
    """After a delivery: undo the rule where no run of five is left. Returns, per subscriber id,
    the subscriptions given back their previous status (the caller re-applies recorded
    complaints and unsubscribes to them, which the ``bounced`` state had absorbed)."""
    found = {s.id: await _entries(session, s) for s in subscribers}
    if not any(found.values()):
        return {}
    longest, _ = await soft_bounce_runs(session, row_id)
    if longest >= SOFT_BOUNCE_LIMIT:
        return {}
    restored: dict[int, list[Subscription]] = {}
    for subscriber in subscribers:
        for entry in found[subscriber.id]:
            await suppression.lift(
                session,
                entry.id,
                reason=states.SOFT_BOUNCE_UNDO_REASON,
                actor=feedback_actor(event.provider),
                scope_ids=None,
            )
        if found[subscriber.id]:
            restored[subscriber.id] = await _restore(session, subscriber)
    return restored


async def _restore(session: AsyncSession, subscriber: Subscriber) -> list[Subscription]:
    await session.flush()  # the rule's own transitions may still be pending (no autoflush)
    rows = await session.execute(
        select(Subscription)
        .where(Subscription.subscriber_id == subscriber.id, Subscription.status == "bounced")
        .order_by(Subscription.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    restored = []
    for sub in rows.scalars():
        history = (
            await session.execute(
                select(SubscriptionTransition)
                .where(SubscriptionTransition.subscription_id == sub.id)
                .order_by(SubscriptionTransition.id.desc())
                .limit(2)
            )
        ).scalars()
        last, *before = list(history)
        if last.to_status != Status.BOUNCED.value or last.from_status is None:
            continue
        if not (last.reason or "").endswith("_" + EventKind.BOUNCE_SOFT.value):
            continue  # bounced by a hard bounce (or an operator): not the rule's doing
        since = before[0].at if before else sub.created_at
        if states.undo_soft_bounce_limit(session, sub, Status(last.from_status), since):
            restored.append(sub)
    return restored


async def absorbed_events(session: AsyncSession, subscriber_id: int) -> list[FeedbackEvent]:
    """The subscriber's recorded complaints and unsubscribes, oldest first (re-applied after an
    undo: while a subscription sat in ``bounced`` they could not move it)."""
    rows = await session.execute(
        select(
            DeliveryEvent.provider,
            DeliveryEvent.kind,
            DeliveryEvent.occurred_at,
            DeliveryEvent.event_key,
        )
        .where(
            DeliveryEvent.subscriber_id == subscriber_id,
            DeliveryEvent.kind.in_((EventKind.COMPLAINT.value, EventKind.UNSUB.value)),
        )
        .order_by(DeliveryEvent.occurred_at, DeliveryEvent.id)
    )
    return [
        FeedbackEvent(provider=p, kind=EventKind(k), occurred_at=at, event_id=key)
        for p, k, at, key in rows
    ]
