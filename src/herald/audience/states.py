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
    session.add(
        SubscriptionTransition(
            tenant_id=subscription.tenant_id,
            subscription_id=subscription.id,
            from_status=current.value,
            to_status=target.value,
            reason=reason[:64],
            at=when,
        )
    )
    return True


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
