"""A subscription's references to its list and subscriber, kept without foreign key checks.

``subscriptions`` has no foreign keys (migration ``0005``): on PostgreSQL their per-row checks
were the largest single cost of a bulk import. What they guaranteed is kept:

- deleting a list or a subscriber deletes its subscriptions: database triggers of migration
  ``0005`` replace ``ON DELETE CASCADE``, on both databases;
- before adding a subscription, :func:`hold_for_subscription` locks the list and the subscriber
  ``FOR KEY SHARE``, as the key check did, and fails with :class:`NotFound` when either is
  gone. A deletion then waits for the insert to commit, and its trigger sees the new
  subscription. The import takes the same locks in its batch statements (the list once per
  batch, the subscribers it did not create itself with their lookup);
- a deletion that first removes rows of its own (a list's transition history, a person's
  data) calls :func:`lock_for_deletion` before them, so subscriptions being added meanwhile are
  committed, and their history visible, when it does.

SQLite runs one writer at a time: the locks are not needed there (SQLAlchemy omits them).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit.errors import NotFound
from herald.models.audience import NewsletterList, Subscriber


async def hold_for_subscription(session: AsyncSession, list_id: int, subscriber_id: int) -> None:
    """Lock the list and the subscriber a new subscription will reference until the
    transaction ends; :class:`NotFound` if either has been deleted."""
    for model, key, what in (
        (NewsletterList, list_id, "list"),
        (Subscriber, subscriber_id, "subscriber"),
    ):
        found = await session.scalar(
            select(model.id).where(model.id == key).with_for_update(read=True, key_share=True)
        )
        if found is None:
            raise NotFound(f"{what} not found")


async def lock_for_deletion(
    session: AsyncSession, model: type[NewsletterList] | type[Subscriber], key: int
) -> None:
    """Lock a list or subscriber row that is about to be deleted, before anything that hangs
    off its subscriptions is."""
    await session.execute(select(model.id).where(model.id == key).with_for_update())
