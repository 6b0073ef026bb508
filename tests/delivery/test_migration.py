"""The delivery migration branch (``dlv_0001``) goes down and up again on both engines."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from herald.migrations.runner import downgrade, upgrade


async def _tables(db_url: str) -> set[str]:
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def test_delivery_branch_downgrades_and_upgrades(db_url: str) -> None:
    # Synchronous: Alembic's env runs its own event loop for the async drivers.
    assert "dkim_keys" in asyncio.run(_tables(db_url))
    downgrade(db_url, "delivery@0002")
    tables = asyncio.run(_tables(db_url))
    assert "dkim_keys" not in tables and "outbox_messages" in tables
    upgrade(db_url)
    assert "dkim_keys" in asyncio.run(_tables(db_url))
