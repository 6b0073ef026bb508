"""Write one validated batch of import rows in the caller's transaction, on either database.

PostgreSQL: ``COPY`` into a staging table and a few set-based statements
(:mod:`herald.audience.imports.postgres_batch`). SQLite: ``executemany`` into a temporary table
and the same shape of statements (:mod:`herald.audience.imports.sqlite_batch`).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from herald.audience.imports import postgres_batch, sqlite_batch
from herald.audience.imports.batch import BatchOutcome, BatchParams
from herald.audience.imports.reader import Row

Encoder = Callable[[list[Row], list[str]], bytes]


def encoder(conn: AsyncConnection) -> Encoder | None:
    """What turns a batch's rows and hashes into the database's bulk payload (PostgreSQL's
    ``COPY`` text), for the parsing thread to call; None when the database has none."""
    return postgres_batch.copy_text if conn.dialect.name == "postgresql" else None


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
    payload: bytes | None = None,
) -> BatchOutcome:
    """Write ``rows`` (unique addresses, ``hashes`` their suppression hashes) and say what
    happened: how many were subscribed, how many were already, which were skipped and why.

    Raises :class:`~herald.audience.imports.batch.RetryBatch` when a concurrent batch won a
    lock conflict, and :class:`~herald.audience.imports.batch.NotAllNew` when ``assume_new``
    was wrong; in both cases the caller's transaction must be rolled back. ``payload`` is what
    :func:`encoder`'s function made of the rows, if it was called.
    """
    if conn.dialect.name == "postgresql":
        return await postgres_batch.write_batch(
            conn, params, rows, hashes, assume_new=assume_new, payload=payload
        )
    return await sqlite_batch.write_batch(conn, params, rows, hashes)
