"""How long ``delivery_events`` rows live: erasure deletes a person's rows."""

from __future__ import annotations

from sqlalchemy import and_, delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience.erasure import register_eraser
from herald.compliance import suppression
from herald.models.audience import Subscriber
from herald.models.delivery import DeliveryEvent


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
