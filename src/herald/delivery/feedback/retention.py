"""How long ``delivery_events`` rows live: a periodic purge past the retention window, and
erasure of a person's rows.

The rows are the dedupe memory of feedback ingestion (``UNIQUE(provider, event_key)``): once a
row is gone, a redelivery of its event would be applied again. Providers redeliver for about a
day and reporting MTAs retry a DSN for up to five days, so the window (``received_at``, not
``occurred_at``: a report about an old message still starts its own window when it arrives) is
months, and never less than a week (``HERALD_DELIVERY_EVENT_RETENTION_DAYS``). Nothing else
reads old rows: campaign reports count subscription transitions, and the soft-bounce counter
lives on the subscriber.
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.audience.erasure import register_eraser
from herald.compliance import suppression
from herald.kit.db import transaction
from herald.models.audience import Subscriber
from herald.models.delivery import DeliveryEvent

PURGE_BATCH = 5_000
PURGE_BUDGET_SECONDS = 60.0


async def purge_batch(session: AsyncSession, older_than: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete at most ``batch`` rows received before ``older_than``; returns how many.

    Rows a concurrent transaction holds are skipped (``SKIP LOCKED`` on PostgreSQL) rather than
    waited for: the next batch or the next run takes them.
    """
    ids = (
        select(DeliveryEvent.id)
        .where(DeliveryEvent.received_at < older_than)
        .order_by(DeliveryEvent.received_at)
        .limit(batch)
        .with_for_update(skip_locked=True)  # the SQLite dialect omits it
    )
    found = list((await session.execute(ids)).scalars())
    if found:
        await session.execute(delete(DeliveryEvent).where(DeliveryEvent.id.in_(found)))
    return len(found)


async def purge_expired(
    sessions: async_sessionmaker[AsyncSession],
    older_than: datetime,
    *,
    batch: int = PURGE_BATCH,
    budget_seconds: float = PURGE_BUDGET_SECONDS,
) -> int:
    """Purge in batches, one short transaction each, so no row lock (or SQLite's single write
    lock) is held for long and ingestion interleaves. Stops when a batch comes back short or the
    time budget is spent (the next run goes on). Returns the number of rows deleted."""
    deadline = time.monotonic() + budget_seconds
    total = 0
    while True:
        async with transaction(sessions) as session:
            n = await purge_batch(session, older_than, batch)
        total += n
        if n < batch or time.monotonic() >= deadline:
            return total


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
