"""A subscription's list and subscriber without foreign key checks (migration 0005): deletions
still take the subscriptions with them, an insert never leaves one behind a deleted row, and
inserts and deletions that meet wait for each other as the key checks made them."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json

import pytest
from sqlalchemy import func, select, text

from herald.accounts.context import SYSTEM
from herald.audience.erasure import erase_subscriber
from herald.audience.imports import writer
from herald.audience.imports.batch import BatchParams
from herald.audience.imports.reader import ImportReader
from herald.audience.lists import create_list, delete_list
from herald.audience.schemas import ListCreate
from herald.audience.states import Status
from herald.audience.subscribers import ensure_subscription, upsert_subscriber
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.errors import NotFound, ValidationFailed
from herald.models.audience import NewsletterList, Subscriber, Subscription, SubscriptionTransition
from herald.runtime import Runtime


async def _count(rt: Runtime, model: type[Subscription] | type[SubscriptionTransition]) -> int:
    async with transaction(rt.sessions) as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def _list_and_subscriber(rt: Runtime, email: str = "ann@example.com") -> tuple[int, int]:
    async with transaction(rt.sessions) as s:
        lst = await create_list(s, SYSTEM, ListCreate(slug="news", name="News"))
        sub, _ = await upsert_subscriber(s, tenant_id=None, email=email)
        await ensure_subscription(s, sub, lst, initial=Status.ACTIVE, reason="test")
        return lst.id, sub.id


async def test_deleting_a_list_or_a_subscriber_deletes_their_subscriptions(
    db_kind: str, runtime: Runtime
) -> None:
    list_id, subscriber_id = await _list_and_subscriber(runtime)
    async with transaction(runtime.sessions) as s:
        other = await create_list(s, SYSTEM, ListCreate(slug="other", name="Other"))
        sub = await s.get(Subscriber, subscriber_id)
        assert sub is not None
        await ensure_subscription(s, sub, other, initial=Status.ACTIVE, reason="test")
        bob, _ = await upsert_subscriber(s, tenant_id=None, email="bob@example.com")
        await ensure_subscription(s, bob, other, initial=Status.ACTIVE, reason="test")
        other_id, bob_id = other.id, bob.id
    assert await _count(runtime, Subscription) == 3
    async with transaction(runtime.sessions) as s:
        await delete_list(s, SYSTEM, list_id)
    async with transaction(runtime.sessions) as s:
        left = (await s.execute(select(Subscription.list_id, Subscription.subscriber_id))).all()
    assert sorted(left) == sorted([(other_id, subscriber_id), (other_id, bob_id)])
    # A plain DELETE of the subscriber (no Herald code on the way) takes its subscription too.
    async with transaction(runtime.sessions) as s:
        await s.execute(text("DELETE FROM subscribers WHERE id = :id"), {"id": bob_id})
    async with transaction(runtime.sessions) as s:
        left = (await s.execute(select(Subscription.subscriber_id))).scalars().all()
    assert left == [subscriber_id]
    async with transaction(runtime.sessions) as s:
        await erase_subscriber(s, SYSTEM, subscriber_id, reason="ticket 7")
    assert await _count(runtime, Subscription) == 0


async def test_no_subscription_for_a_deleted_list_or_subscriber(
    db_kind: str, runtime: Runtime
) -> None:
    list_id, subscriber_id = await _list_and_subscriber(runtime)
    async with transaction(runtime.sessions) as s:
        lst = await s.get(NewsletterList, list_id)
        sub = await s.get(Subscriber, subscriber_id)
        assert lst is not None and sub is not None
        s.expunge_all()
    async with transaction(runtime.sessions) as s:
        await s.execute(text("DELETE FROM newsletter_lists WHERE id = :id"), {"id": list_id})
    with pytest.raises(NotFound, match="list not found"):
        async with transaction(runtime.sessions) as s:
            await ensure_subscription(s, sub, lst, initial=Status.ACTIVE, reason="late")
    async with transaction(runtime.sessions) as s:
        fresh = await create_list(s, SYSTEM, ListCreate(slug="fresh", name="Fresh"))
        s.expunge(fresh)
    async with transaction(runtime.sessions) as s:
        await s.execute(text("DELETE FROM subscribers WHERE id = :id"), {"id": subscriber_id})
    with pytest.raises(NotFound, match="subscriber not found"):
        async with transaction(runtime.sessions) as s:
            await ensure_subscription(s, sub, fresh, initial=Status.ACTIVE, reason="late")
    assert await _count(runtime, Subscription) == 0


async def test_an_import_batch_into_a_deleted_list_writes_nothing(
    db_kind: str, runtime: Runtime
) -> None:
    list_id, _ = await _list_and_subscriber(runtime)
    async with transaction(runtime.sessions) as s:
        await delete_list(s, SYSTEM, list_id)
    rows = [
        r for r in ImportReader(io.BytesIO(b"email\nnew@example.com\n")) if isinstance(r, tuple)
    ]
    params = BatchParams(
        tenant_id=None,
        scope=0,
        list_id=list_id,
        import_id=1,
        now=clock.now(),
        evidence=json.dumps({"import_id": 1}),
        version="import:test",
    )
    async with runtime.engine.connect() as conn:
        async with conn.begin():
            await writer.prepare(conn)
        for assume_new in (True, False):
            with pytest.raises(ValidationFailed, match="list was deleted"):
                async with conn.begin():
                    await writer.write_batch(
                        conn,
                        dataclasses.replace(params, now=clock.now()),
                        rows,
                        ["0" * 64],
                        assume_new=assume_new,
                    )
    assert await _count(runtime, Subscription) == 0


async def test_a_deletion_waits_for_a_subscription_being_added(runtime: Runtime) -> None:
    """PostgreSQL: a list deleted while a subscription to it is being added goes only once
    that subscription is committed, and takes it (and its history) along; a subscription
    added while the list is being deleted waits, then finds it gone."""
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    list_id, _ = await _list_and_subscriber(runtime)
    adding = runtime.sessions()
    try:
        lst = await adding.get(NewsletterList, list_id)
        assert lst is not None
        bob, _ = await upsert_subscriber(adding, tenant_id=None, email="bob@example.com")
        await ensure_subscription(adding, bob, lst, initial=Status.ACTIVE, reason="test")

        async def delete() -> None:
            async with transaction(runtime.sessions) as s:
                await delete_list(s, SYSTEM, list_id)

        deleting = asyncio.create_task(delete())
        await asyncio.sleep(0.5)
        assert not deleting.done()  # waits for the key-share lock of the insert
        await adding.commit()
        await asyncio.wait_for(deleting, 10)
    finally:
        await adding.close()
    assert await _count(runtime, Subscription) == 0
    assert await _count(runtime, SubscriptionTransition) == 0

    # The other way round: the deletion holds the list, the insert waits and finds it gone.
    list_id, subscriber_id = await _list_and_subscriber(runtime, "cy@example.com")
    deleting_session = runtime.sessions()
    try:
        await delete_list(deleting_session, SYSTEM, list_id)

        async def add() -> None:
            async with transaction(runtime.sessions) as s:
                lst = await s.get(NewsletterList, list_id)
                sub = await s.get(Subscriber, subscriber_id)
                assert lst is not None and sub is not None
                await ensure_subscription(s, sub, lst, initial=Status.ACTIVE, reason="late")

        adding_task = asyncio.create_task(add())
        await asyncio.sleep(0.5)
        assert not adding_task.done()
        await deleting_session.commit()
        with pytest.raises(NotFound, match="list not found"):
            await asyncio.wait_for(adding_task, 10)
    finally:
        await deleting_session.close()
    assert await _count(runtime, Subscription) == 0
