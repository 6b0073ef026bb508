"""SQLite batch writes: the rows go into a temporary table, then set-based statements.

SQLite has one writer (every transaction is ``BEGIN IMMEDIATE``), so the rows this batch
inserts are exactly those with an id above the table's largest id when the batch began. That
lets transitions and consent records be written with ``INSERT … SELECT`` instead of a round trip
through Python with the new ids. Same outcomes as the PostgreSQL path: idempotent, suppressed
rows skipped, opt-outs never revived, profile gaps filled while existing values win.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from herald.audience.imports.batch import BatchOutcome, BatchParams, list_deleted
from herald.audience.imports.reader import Row

# A reader Row followed by the suppression hash of its address.
_STAGE_COLUMNS = "line, email, domain, name, language, timezone, country, attributes, email_hash"

_CREATE = (
    "CREATE TEMP TABLE IF NOT EXISTS import_batch (line INTEGER, email TEXT, domain TEXT, "
    "name TEXT, language TEXT, timezone TEXT, country TEXT, attributes TEXT, email_hash TEXT)"
)

_SUPPRESSED = """
DELETE FROM import_batch
WHERE email_hash IN (SELECT email_hash FROM suppressions WHERE scope IN (0, :scope))
RETURNING line
"""

_NEW_SUBSCRIBERS = """
INSERT INTO subscribers (tenant_id, scope, email, email_normalized, email_domain, name, language,
  timezone, country, source, attributes, created_at, soft_bounce_count)
SELECT :tenant_id, :scope, email, email, domain, name, COALESCE(language, 'en'), timezone,
  country, 'import', attributes, :now, 0
FROM import_batch WHERE true
ON CONFLICT (scope, email_normalized) DO NOTHING
"""

# Only when some addresses already had a subscriber: fill their gaps (existing values win) …
_FILL_GAPS = """
UPDATE subscribers SET
  name = COALESCE(subscribers.name, st.name),
  timezone = COALESCE(subscribers.timezone, st.timezone),
  country = COALESCE(subscribers.country, st.country),
  attributes = json_patch(st.attributes, subscribers.attributes),
  updated_at = :now
FROM import_batch st
WHERE subscribers.scope = :scope AND subscribers.email_normalized = st.email
  AND subscribers.id <= :subscribers_before
  AND ((subscribers.name IS NULL AND st.name IS NOT NULL)
    OR (subscribers.timezone IS NULL AND st.timezone IS NOT NULL)
    OR (subscribers.country IS NULL AND st.country IS NOT NULL)
    OR json(json_patch(st.attributes, subscribers.attributes)) <> json(subscribers.attributes))
"""

# … and report the rows whose subscription to this list was ended (they stay ended).
_OPTED_OUT = """
SELECT st.line, sub.status FROM import_batch st
JOIN subscribers s ON s.scope = :scope AND s.email_normalized = st.email
JOIN subscriptions sub ON sub.list_id = :list_id AND sub.subscriber_id = s.id
WHERE sub.status NOT IN ('active', 'pending')
"""

_SUBSCRIBE = """
INSERT INTO subscriptions (tenant_id, list_id, subscriber_id, status, status_changed_at,
  confirmed_at, created_at)
SELECT :tenant_id, :list_id, s.id, 'active', :now, :now, :now
FROM import_batch st
JOIN subscribers s ON s.scope = :scope AND s.email_normalized = st.email
WHERE true
ON CONFLICT (list_id, subscriber_id) DO NOTHING
"""

_TRANSITIONS = """
INSERT INTO subscription_transitions (tenant_id, subscription_id, from_status, to_status,
  reason, at)
SELECT :tenant_id, id, NULL, 'active', 'import', :now
FROM subscriptions WHERE id > :subscriptions_before
"""

_CONSENT = """
INSERT INTO consent_records (tenant_id, subscriber_id, list_id, action, method, import_id,
  consent_text_version, evidence, occurred_at)
SELECT :tenant_id, subscriber_id, :list_id, 'granted', 'import', :import_id, :version,
  :evidence, :now
FROM subscriptions WHERE id > :subscriptions_before
"""


async def prepare(conn: AsyncConnection) -> None:
    await conn.execute(text(_CREATE))


async def write_batch(
    conn: AsyncConnection, params: BatchParams, rows: list[Row], hashes: list[str]
) -> BatchOutcome:
    """One writer, so no conflicts with other batches: existing addresses are handled when the
    count of inserted subscribers says there are some."""
    values: dict[str, Any] = dataclasses.asdict(params)
    # SQLite stores UTC timestamps naive (see herald.kit.types.UTCDateTime).
    values["now"] = params.now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    # One writer at a time: a list that exists now stays until this batch commits.
    listed = await conn.execute(text("SELECT 1 FROM newsletter_lists WHERE id = :list_id"), values)
    if listed.first() is None:
        raise list_deleted()
    await conn.execute(text("DELETE FROM import_batch"))
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.executemany(
        f"INSERT INTO import_batch ({_STAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, email_hash) for row, email_hash in zip(rows, hashes, strict=True)],
    )
    skipped = [
        (line, "suppressed") for line in (await conn.execute(text(_SUPPRESSED), values)).scalars()
    ]
    staged = len(rows) - len(skipped)
    values["subscribers_before"] = await _max_id(conn, "subscribers")
    values["subscriptions_before"] = await _max_id(conn, "subscriptions")
    inserted = (await conn.execute(text(_NEW_SUBSCRIBERS), values)).rowcount
    opted_out: list[tuple[int, str]] = []
    if inserted < staged:
        await conn.execute(text(_FILL_GAPS), values)
        result = await conn.execute(text(_OPTED_OUT), values)
        opted_out = [(line, status) for line, status in result]
        skipped += [(line, f"previously {status}") for line, status in opted_out]
    imported = (await conn.execute(text(_SUBSCRIBE), values)).rowcount
    if imported:
        await conn.execute(text(_TRANSITIONS), values)
        await conn.execute(text(_CONSENT), values)
    return BatchOutcome(
        imported=imported, updated=staged - imported - len(opted_out), skipped=skipped
    )


async def _max_id(conn: AsyncConnection, table: str) -> int:
    return int((await conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}"))).scalar_one())
