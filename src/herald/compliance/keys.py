"""Instance keys kept in the database so they survive HERALD_SECRET_KEY rotation."""

from __future__ import annotations

import secrets
import weakref

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit.db import dialect_insert
from herald.models.accounts import InstanceKey

# Per engine (not per URL): a test that recreates a database gets a fresh key, not a stale one.
_cache: weakref.WeakKeyDictionary[Engine, dict[str, bytes]] = weakref.WeakKeyDictionary()


async def instance_key(session: AsyncSession, name: str) -> bytes:
    """Return the named key, creating it once (race-safe) on first use."""
    engine = session.get_bind().engine
    cached = _cache.setdefault(engine, {})
    if name in cached:
        return cached[name]
    insert = dialect_insert(session)
    await session.execute(
        insert(InstanceKey)
        .values(name=name, value=secrets.token_hex(32))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    value = (
        await session.execute(select(InstanceKey.value).where(InstanceKey.name == name))
    ).scalar_one()
    cached[name] = bytes.fromhex(value)
    return cached[name]
