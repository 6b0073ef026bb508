"""GDPR Art. 17 erasure: delete the person's data, keep only a suppression hash and the audit.

The suppression entry (HMAC of the normalised address, reason ``erasure``) stops a later import
or API call from adding the address back; the person may still come back through a confirmed
double opt-in (see ``audience.optin.LIFTABLE_BY_OPT_IN``). Higher layers that keep personal data
of their own (campaign ledger, notification log…) register an eraser with :func:`register_eraser`
at import time, so this module never imports them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.audience import references
from herald.compliance import audit, suppression
from herald.kit.errors import ValidationFailed
from herald.models.audience import Subscriber, Subscription, SubscriptionTransition
from herald.models.compliance import ConsentRecord
from herald.models.delivery import OutboxMessage
from herald.models.tracking import TrackingEvent

Eraser = Callable[[AsyncSession, Subscriber], Awaitable[None]]
_ERASERS: list[Eraser] = []


def register_eraser(eraser: Eraser) -> None:
    """Add a callback that deletes a higher layer's personal data for a subscriber."""
    if eraser not in _ERASERS:
        _ERASERS.append(eraser)


async def erase_subscriber(
    session: AsyncSession, actor: Actor, subscriber_id: int, *, reason: str
) -> str:
    """Erase one subscriber. Returns the suppression hash prefix recorded in the audit."""
    from herald.audience.subscribers import get_subscriber

    if not reason or not reason.strip():
        raise ValidationFailed("erasure needs a reason (the request reference)", field="reason")
    subscriber = await get_subscriber(session, actor.scope(), subscriber_id)
    address, tenant_id, sid = subscriber.email_normalized, subscriber.tenant_id, subscriber.id
    # Subscriptions being added to this person commit before their deletion below.
    await references.lock_for_deletion(session, Subscriber, sid)
    digest = await suppression.email_hash(session, address)
    for eraser in _ERASERS:
        await eraser(session, subscriber)
    sub_ids = select(Subscription.id).where(Subscription.subscriber_id == sid)
    await session.execute(
        delete(SubscriptionTransition).where(SubscriptionTransition.subscription_id.in_(sub_ids))
    )
    await session.execute(delete(ConsentRecord).where(ConsentRecord.subscriber_id == sid))
    await session.execute(delete(TrackingEvent).where(TrackingEvent.subscriber_id == sid))
    await session.execute(delete(Subscription).where(Subscription.subscriber_id == sid))
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient == address,
            OutboxMessage.tenant_id.is_(None)
            if tenant_id is None
            else OutboxMessage.tenant_id == tenant_id,
        )
    )
    await session.execute(delete(Subscriber).where(Subscriber.id == sid))
    await suppression.suppress(
        session,
        address,
        tenant_id=tenant_id,
        reason="erasure",
        stream="all",
        source="gdpr erasure",
    )
    await audit.record(
        session,
        "newsletter.gdpr_erase",
        actor,
        tenant_id=tenant_id,
        target_type="subscriber",
        target_id=sid,
        details={"email_hash": digest[:16], "reason": reason.strip()[:500]},
    )
    return digest[:16]
