"""Engine and session factory; per-dialect tuning lives here and nowhere else."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take control of transactions: pysqlite's implicit BEGIN is deferred, and a deferred
    # transaction that later writes fails at once with SQLITE_BUSY instead of waiting.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # ``value REGEXP pattern`` (segments); SQLite has the operator but no implementation.
    dbapi_connection.create_function("regexp", 2, _regexp, deterministic=True)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str | None, value: object) -> bool | None:
    """SQLite calls ``regexp(pattern, value)`` for ``value REGEXP pattern``; NULL in, NULL out.

    Patterns reaching here are validated by the caller (segments accept a backtracking-safe
    subset only); a pattern that fails to compile matches nothing rather than raising.
    """
    if pattern is None or value is None:
        return None
    try:
        return _compiled(pattern).search(str(value)) is not None
    except re.error:
        return False


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent units of work queue on the busy
    # timeout rather than deadlocking on a read-to-write upgrade. SQLite has one writer anyway.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, statement_timeout_ms: int | None = None, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One writer at a time: aiosqlite serialises per connection; a NullPool plus WAL and a busy
        # timeout lets web and worker coroutines share the file safely.
        engine = create_async_engine(url, poolclass=NullPool, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = kwargs.pop("connect_args", {})
    if statement_timeout_ms:
        connect_args.setdefault("options", f"-c statement_timeout={int(statement_timeout_ms)}")
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, connect_args=connect_args, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error. Services never commit."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def is_postgres(session_or_engine: AsyncSession | AsyncEngine | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, AsyncSession) else None
    if bind is not None:
        return bind.dialect.name == "postgresql"
    return session_or_engine.dialect.name == "postgresql"  # type: ignore[union-attr]


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT construct of the session's dialect (both offer ``on_conflict_do_nothing`` and
    ``on_conflict_do_update``; the generic one does not)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


class StatementTimeout(Exception):
    """A statement ran past the deadline set by :func:`statement_deadline`."""


# How many SQLite virtual-machine instructions run between two looks at the clock.
_SQLITE_CHECK_EVERY = 10_000


@asynccontextmanager
async def statement_deadline(session: AsyncSession, timeout_ms: int | None) -> AsyncIterator[None]:
    """Abort the statements run inside the block once they take longer than ``timeout_ms``.

    PostgreSQL: ``SET LOCAL statement_timeout`` (each statement, this transaction only).
    SQLite has no statement timeout, so a progress handler interrupts the connection once the
    block's deadline has passed (the whole block, not each statement). Either way the caller
    gets :class:`StatementTimeout`.
    """
    if not timeout_ms:
        yield
        return
    if is_postgres(session):
        await session.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
        try:
            yield
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) == "57014":
                raise StatementTimeout(str(exc.orig)) from None
            raise
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection  # aiosqlite.Connection
    deadline = time.monotonic() + timeout_ms / 1000

    def past_deadline() -> int:
        return 1 if time.monotonic() > deadline else 0

    await driver.set_progress_handler(past_deadline, _SQLITE_CHECK_EVERY)  # type: ignore[union-attr]
    try:
        yield
    except DBAPIError as exc:
        if "interrupted" in str(exc.orig):
            raise StatementTimeout(str(exc.orig)) from None
        raise
    finally:
        await driver.set_progress_handler(None, 0)  # type: ignore[union-attr]
