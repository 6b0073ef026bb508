"""Migrations: up, down and up again on both databases; models and migrations never drift."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from herald.accounts.context import SYSTEM
from herald.accounts.service import create_tenant
from herald.audience.lists import create_list
from herald.audience.schemas import ListCreate
from herald.audience.states import Status
from herald.audience.subscribers import ensure_subscription, upsert_subscriber
from herald.compliance import audit
from herald.kit.db import transaction
from herald.migrations.runner import downgrade, upgrade
from herald.models import metadata
from herald.runtime import Runtime


async def test_models_match_migrations(db_kind: str, db_url: str) -> None:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn):  # type: ignore[no-untyped-def]
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(ctx, metadata)

            changes = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert changes == [], f"models and migrations differ: {changes}"


async def test_downgrade_and_upgrade_again(db_kind: str, db_url: str) -> None:
    import asyncio

    await asyncio.to_thread(downgrade, db_url, "base")
    await asyncio.to_thread(upgrade, db_url)
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            n = (await conn.execute(text("SELECT count(*) FROM subscribers"))).scalar_one()
    finally:
        await engine.dispose()
    assert n == 0


async def test_audit_trail_is_append_only(db_kind: str, runtime: Runtime) -> None:
    async with transaction(runtime.sessions) as s:
        await audit.record(s, "newsletter.import", SYSTEM, tenant_id=None, details={"n": 1})
    for statement in ("UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises((DBAPIError, IntegrityError)):
            async with transaction(runtime.sessions) as s:
                await s.execute(text(statement))
    async with transaction(runtime.sessions) as s:
        rows = (await s.execute(text("SELECT action FROM audit_entries"))).scalars().all()
    assert rows == ["newsletter.import"]


async def test_lookups_by_subscriber_keep_an_index(db_kind: str, db_url: str) -> None:
    """Migration 0003 dropped the index on subscriptions.subscriber_id alone: the segments
    branch's (subscriber_id, status) index serves those lookups and the cascade."""
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:

            def indexes(sync_conn):  # type: ignore[no-untyped-def]
                found = inspect(sync_conn)
                return {
                    table: {i["name"]: i["column_names"] for i in found.get_indexes(table)}
                    for table in ("subscribers", "subscriptions")
                }

            found = await conn.run_sync(indexes)
    finally:
        await engine.dispose()
    assert "ix_subscribers_email_domain" not in found["subscribers"]
    assert "ix_subscriptions_subscriber" not in found["subscriptions"]
    assert found["subscriptions"]["ix_subscriptions_subscriber_status"] == [
        "subscriber_id",
        "status",
    ]


async def test_a_deleted_tenants_subscriptions_go_with_its_lists(
    db_kind: str, runtime: Runtime
) -> None:
    """subscriptions have no foreign keys (migrations 0004, 0005): deleting a tenant still
    removes its subscriptions, by the lists' and subscribers' cascades and the deletion
    triggers that replace the subscriptions' own cascades."""
    async with transaction(runtime.sessions) as s:
        tenant = await create_tenant(s, "club", "Club")
        await s.flush()
        lst = await create_list(s, SYSTEM, ListCreate(slug="news", name="News", tenant="club"))
        sub, _ = await upsert_subscriber(s, tenant_id=tenant.id, email="a@example.com")
        await ensure_subscription(s, sub, lst, initial=Status.ACTIVE, reason="test")
        tenant_id = tenant.id
    async with transaction(runtime.sessions) as s:
        await s.execute(text("DELETE FROM tenants WHERE id = :t"), {"t": tenant_id})
    async with transaction(runtime.sessions) as s:
        left = (await s.execute(text("SELECT count(*) FROM subscriptions"))).scalar_one()
    assert left == 0
