"""Write one validated batch of import rows in the caller's transaction, on either database.

PostgreSQL: ``COPY`` into a staging table and a few set-based statements
(:mod:`herald.audience.imports.postgres_batch`). SQLite: ``executemany`` into a temporary table
and the same shape of statements (:mod:`herald.audience.imports.sqlite_batch`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from herald.audience.imports import postgres_batch, sqlite_batch
from herald.audience.imports.batch import BatchOutcome, BatchParams
from herald.audience.imports.reader import Row


async def prepare(conn: AsyncConnection) -> None:
    """Create the connection's staging table (once per connection)."""
    if conn.dialect.name == "postgresql":
        await postgres_batch.prepare(conn)
    else:
        await sqlite_batch.prepare(conn)


async def write_batch(
    conn: AsyncConnection,
    params: BatchParams,
    rows: list[Row],
    hashes: list[str],
    *,
    assume_new: bool = False,
) -> BatchOutcome:
    """Write ``rows`` (unique addresses, ``hashes`` their suppression hashes) and say what
    happened: how many were subscribed, how many were already, which were skipped and why.

    Raises :class:`~herald.audience.imports.batch.RetryBatch` when a concurrent batch won a
    lock conflict, and :class:`~herald.audience.imports.batch.NotAllNew` when ``assume_new``
    was wrong; in both cases the caller's transaction must be rolled back.
    """
    if conn.dialect.name == "postgresql":
        return await postgres_batch.write_batch(conn, params, rows, hashes, assume_new=assume_new)
    return await sqlite_batch.write_batch(conn, params, rows, hashes)
