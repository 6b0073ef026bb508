"""The subscription state machine: every transition is checked and timestamped here, only here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit import clock
from herald.kit.errors import InvalidTransition
from herald.models.audience import Subscription, SubscriptionTransition


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    SUPPRESSED = "suppressed"


TERMINAL_NEGATIVE = {Status.UNSUBSCRIBED, Status.BOUNCED, Status.COMPLAINED, Status.SUPPRESSED}

ALLOWED: dict[Status, set[Status]] = {
    Status.PENDING: {Status.ACTIVE, *TERMINAL_NEGATIVE},
    Status.ACTIVE: set(TERMINAL_NEGATIVE),
    # Leaving a negative state needs fresh consent: back to pending (double opt-in) or, for an
    # operator-attested import/single opt-in list, straight to active.
    Status.UNSUBSCRIBED: {
        Status.PENDING,
        Status.ACTIVE,
        Status.BOUNCED,
        Status.COMPLAINED,
        Status.SUPPRESSED,
    },
    Status.BOUNCED: {Status.PENDING, Status.ACTIVE, Status.SUPPRESSED, Status.UNSUBSCRIBED},
    Status.COMPLAINED: {Status.PENDING, Status.SUPPRESSED, Status.UNSUBSCRIBED},
    Status.SUPPRESSED: {Status.PENDING, Status.ACTIVE, Status.UNSUBSCRIBED},
}


def can_transition(current: str, target: str) -> bool:
    return Status(target) in ALLOWED[Status(current)]


def transition(
    session: AsyncSession,
    subscription: Subscription,
    target: Status,
    *,
    reason: str,
    at: datetime | None = None,
) -> bool:
    """Move ``subscription`` to ``target``. Same-state is a no-op (False); illegal raises."""
    current = Status(subscription.status)
    if current is target:
        return False
    if target not in ALLOWED[current]:
        raise InvalidTransition(f"subscription cannot go from {current} to {target}")
    when = at or clock.now()
    subscription.status = target.value
    subscription.status_changed_at = when
    if target is Status.ACTIVE:
        subscription.confirmed_at = when
        subscription.unsubscribed_at = None
    elif target is Status.UNSUBSCRIBED:
        subscription.unsubscribed_at = when
    _record(session, subscription, current, reason, when)
    return True


def _record(
    session: AsyncSession, subscription: Subscription, was: Status, reason: str, at: datetime
) -> None:
    session.add(
        SubscriptionTransition(
            tenant_id=subscription.tenant_id,
            subscription_id=subscription.id,
            from_status=was.value,
            to_status=subscription.status,
            reason=reason[:64],
            at=at,
        )
    )


def record_initial(session: AsyncSession, subscription: Subscription, reason: str) -> None:
    session.add(
        SubscriptionTransition(
            tenant_id=subscription.tenant_id,
            subscription_id=subscription.id,
            from_status=None,
            to_status=subscription.status,
            reason=reason[:64],
            at=subscription.status_changed_at,
        )
    )


# The one system reason that may take a subscription back up from ``bounced``: the soft-bounce
# rule (five in a row) moved it there on an incomplete history, and a delivery that happened
# inside the run arrived later and broke it.
SOFT_BOUNCE_UNDO_REASON = "delivered after soft bounces"


def undo_soft_bounce_limit(
    session: AsyncSession,
    subscription: Subscription,
    previous: Status,
    previous_changed_at: datetime,
) -> bool:
    """Return a subscription the soft-bounce rule bounced to the status it had before.

    Only ``bounced`` → the status recorded before that move. ``status_changed_at`` goes back to
    when that earlier status began (it is what decides whether a delayed unsubscribe is stale);
    the transition row is timestamped now and carries :data:`SOFT_BOUNCE_UNDO_REASON`.
    """
    current = Status(subscription.status)
    if current is not Status.BOUNCED or previous not in ALLOWED[current]:
        return False
    subscription.status = previous.value
    subscription.status_changed_at = previous_changed_at
    _record(session, subscription, current, SOFT_BOUNCE_UNDO_REASON, clock.now())
    return True
