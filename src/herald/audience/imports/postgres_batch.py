"""PostgreSQL batch writes: COPY into a staging table, then a few set-based statements.

Per batch, inside the caller's transaction:

1. ``COPY`` the validated rows into ``import_batch`` (a temporary table of this connection,
   emptied by every commit). The ``COPY`` text is made by the parsing thread
   (:func:`copy_text`), so the event loop only sends it.
2. In one round trip (psycopg's pipeline mode) with step 3: lock the list, delete the
   suppressed rows from the staging table (one index probe per row), returning their lines.
3. One statement with data-modifying CTEs inserts the new subscribers and, for exactly those,
   their subscriptions, transitions and consent records. A subscriber inserted here exists only
   in this transaction, so its subscription cannot conflict and needs no ``ON CONFLICT``
   check. While an import has met no existing address the subscribers go in with a plain
   ``INSERT`` too (``assume_new``; a tenth cheaper than a speculative insertion); the first
   unique violation aborts the batch (:class:`NotAllNew`) and the caller writes it again in
   merge mode, where rows whose address already had a subscriber are copied into
   ``import_existing``.
4. Only when there are such rows (a re-import, or an address shared with another list): fill
   their profile gaps, add the subscriptions that are missing, and report each row's previous
   status, so opt-outs are skipped and never revived.

Everything is idempotent: re-running a file creates nothing twice.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncConnection

from herald.audience.imports.batch import (
    BatchOutcome,
    BatchParams,
    NotAllNew,
    RetryBatch,
    list_deleted,
)
from herald.audience.imports.reader import Row

STAGE_COLUMNS = (  # a reader Row followed by the suppression hash of its address
    "line",
    "email",
    "domain",
    "name",
    "language",
    "timezone",
    "country",
    "attributes",
    "email_hash",
)

_CREATE = (
    "CREATE TEMP TABLE IF NOT EXISTS import_batch (line bigint, email text, domain text, "
    "name text, language text, timezone text, country text, attributes jsonb, email_hash text) "
    "ON COMMIT DELETE ROWS",
    "CREATE TEMP TABLE IF NOT EXISTS import_existing (LIKE import_batch) ON COMMIT DELETE ROWS",
)

_COPY = f"COPY import_batch ({', '.join(STAGE_COLUMNS)}) FROM STDIN"
_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: list[Row], hashes: list[str]) -> bytes:
    """The rows and their suppression hashes in ``COPY``'s text format, one line each.

    Only a name, a time zone, the attributes' JSON or an address can hold a backslash, tab or
    line break (the other values are validated codes, numbers and hex); a row whose values
    have none of them is written as is, any other with every value escaped.
    """
    lines: list[str] = []
    append = lines.append
    for row, email_hash in zip(rows, hashes, strict=True):
        line, email, domain, name, language, timezone, country, attributes = row
        free = f"{email}{name}{timezone}{attributes}"
        if "\\" in free or "\t" in free or "\n" in free or "\r" in free:
            append(
                "\t".join(
                    _NULL if value is None else str(value).translate(_ESCAPES)
                    for value in (*row, email_hash)
                )
            )
        else:
            append(
                f"{line}\t{email}\t{domain}\t{_NULL if name is None else name}"
                f"\t{_NULL if language is None else language}"
                f"\t{_NULL if timezone is None else timezone}"
                f"\t{_NULL if country is None else country}\t{attributes}\t{email_hash}"
            )
    append("")
    return "\n".join(lines).encode()


# Index probes per staged row, or a hash of the scope's entries when there are few of them.
_SUPPRESSED = """
DELETE FROM import_batch st
WHERE EXISTS (
  SELECT 1 FROM suppressions s
  WHERE s.scope IN (0, %(scope)s) AND s.email_hash = st.email_hash
)
RETURNING st.line
"""


def _history(subscriptions: str) -> str:
    """CTEs writing the state transition and the consent record of every subscription that the
    CTE named ``subscriptions`` (columns ``id``, ``subscriber_id``) created."""
    return f"""transitions AS (
  INSERT INTO subscription_transitions (tenant_id, subscription_id, from_status, to_status,
    reason, at)
  SELECT %(tenant_id)s, id, NULL, 'active', 'import', %(now)s FROM {subscriptions}
), consent AS (
  INSERT INTO consent_records (tenant_id, subscriber_id, list_id, action, method, import_id,
    consent_text_version, evidence, occurred_at)
  SELECT %(tenant_id)s, subscriber_id, %(list_id)s, 'granted', 'import', %(import_id)s,
    %(version)s, CAST(%(evidence)s AS jsonb), %(now)s
  FROM {subscriptions}
)"""


def _new(merge: bool) -> str:
    """The statement for step 3; with ``merge`` an existing address is set aside, without it
    the statement fails with a unique violation."""
    conflict = "ON CONFLICT (scope, email_normalized) DO NOTHING" if merge else ""
    existing = """, existing AS (
  -- The first condition is evaluated once: when every row was new, nothing is compared.
  INSERT INTO import_existing
  SELECT st.* FROM import_batch st
  WHERE (SELECT count(*) FROM new_subscribers) < (SELECT count(*) FROM import_batch)
    AND NOT EXISTS (SELECT 1 FROM new_subscribers n WHERE n.email_normalized = st.email)
  RETURNING 1
)"""
    return f"""
WITH new_subscribers AS (
  INSERT INTO subscribers (tenant_id, scope, email, email_normalized, email_domain, name,
    language, timezone, country, source, attributes, created_at, soft_bounce_count)
  SELECT %(tenant_id)s, %(scope)s, email, email, domain, name, COALESCE(language, 'en'),
    timezone, country, 'import', attributes, %(now)s, 0
  FROM import_batch
  {conflict}
  RETURNING id, email_normalized
), new_subscriptions AS (
  INSERT INTO subscriptions (tenant_id, list_id, subscriber_id, status, status_changed_at,
    confirmed_at, created_at)
  SELECT %(tenant_id)s, %(list_id)s, id, 'active', %(now)s, %(now)s, %(now)s
  FROM new_subscribers
  RETURNING id, subscriber_id
), {_history("new_subscriptions")}{existing if merge else ""}
SELECT (SELECT count(*) FROM new_subscribers), {"(SELECT count(*) FROM existing)" if merge else 0}
"""


_NEW_ONLY = _new(merge=False)
_NEW_OR_EXISTING = _new(merge=True)

# Runs as its own statement, so its snapshot sees a subscriber that another import batch
# committed while the statement above waited on it (a row erased in between is reported).
# LATERAL … LIMIT 1 keeps each row one probe of the unique index whatever the planner
# statistics say, and locks the subscriber as a foreign key check would. The final SELECT
# reads the subscriptions as they were before this statement: a row whose subscription existed
# reports its status (opt-outs are skipped), a row whose subscription was added here reports
# ``added``.
_EXISTING = f"""
WITH existing AS MATERIALIZED (
  SELECT st.line, s.id AS subscriber_id, st.name, st.timezone, st.country, st.attributes
  FROM import_existing st
  LEFT JOIN LATERAL (
    SELECT id FROM subscribers WHERE scope = %(scope)s AND email_normalized = st.email LIMIT 1
    FOR KEY SHARE  -- as the subscription's reference needs (herald.audience.references)
  ) s ON true
), filled AS (
  UPDATE subscribers SET
    name = COALESCE(subscribers.name, e.name),
    timezone = COALESCE(subscribers.timezone, e.timezone),
    country = COALESCE(subscribers.country, e.country),
    attributes = e.attributes || subscribers.attributes,
    updated_at = %(now)s
  FROM existing e
  WHERE subscribers.id = e.subscriber_id
    AND ((subscribers.name IS NULL AND e.name IS NOT NULL)
      OR (subscribers.timezone IS NULL AND e.timezone IS NOT NULL)
      OR (subscribers.country IS NULL AND e.country IS NOT NULL)
      OR NOT (subscribers.attributes @> e.attributes
              OR (e.attributes || subscribers.attributes) = subscribers.attributes))
), added AS (
  INSERT INTO subscriptions (tenant_id, list_id, subscriber_id, status, status_changed_at,
    confirmed_at, created_at)
  SELECT %(tenant_id)s, %(list_id)s, subscriber_id, 'active', %(now)s, %(now)s, %(now)s
  FROM existing WHERE subscriber_id IS NOT NULL
  ON CONFLICT (list_id, subscriber_id) DO NOTHING
  RETURNING id, subscriber_id
), {_history("added")}
SELECT e.line, e.subscriber_id IS NULL, a.id IS NOT NULL, sub.status
FROM existing e
LEFT JOIN added a ON a.subscriber_id = e.subscriber_id
LEFT JOIN subscriptions sub ON sub.list_id = %(list_id)s AND sub.subscriber_id = e.subscriber_id
"""


async def prepare(conn: AsyncConnection) -> None:
    """Create this connection's staging tables (once; they outlive the transaction)."""
    driver = await _driver(conn)
    async with driver.cursor() as cur:
        for statement in _CREATE:
            await cur.execute(statement)


async def write_batch(
    conn: AsyncConnection,
    params: BatchParams,
    rows: list[Row],
    hashes: list[str],
    *,
    assume_new: bool,
    payload: bytes | None = None,
) -> BatchOutcome:
    try:
        return await _write(conn, params, payload or copy_text(rows, hashes), assume_new)
    except psycopg.Error as exc:
        if exc.sqlstate in ("40P01", "40001"):  # deadlock, serialization failure
            raise RetryBatch(str(exc)) from exc
        if exc.sqlstate == "23505" and assume_new:  # unique violation
            raise NotAllNew(str(exc)) from exc
        raise


# The job is idempotent: a batch lost in a crash is written again on retry, so the commit need
# not wait for its WAL flush. A large batch may outlast the web-sized statement timeout; a lock
# wait that never ends is still a detected deadlock. The list is locked as a foreign key check
# would (herald.audience.references), once for the batch: deleting it waits until the batch is
# committed.
_SETTINGS_AND_LIST = """
SELECT set_config('synchronous_commit', 'off', true), set_config('statement_timeout', '0', true),
  EXISTS (SELECT FROM newsletter_lists WHERE id = %(list_id)s FOR KEY SHARE)
"""


async def _write(
    conn: AsyncConnection, params: BatchParams, payload: bytes, assume_new: bool
) -> BatchOutcome:
    driver = await _driver(conn)
    values: dict[str, Any] = dataclasses.asdict(params)
    async with (
        driver.cursor() as cur,
        driver.cursor() as settings,
        driver.cursor() as suppressed,
    ):
        async with cur.copy(_COPY) as copy:
            await copy.write(payload)
        # Sent together and answered together (one round trip instead of three). Should the
        # list be gone, the batch fails below and its transaction, writes included, is undone.
        async with driver.pipeline():
            await settings.execute(_SETTINGS_AND_LIST, values)
            await suppressed.execute(_SUPPRESSED, values)
            await cur.execute(_NEW_ONLY if assume_new else _NEW_OR_EXISTING, values)
        listed = await settings.fetchone()
        if not listed or not listed[2]:
            raise list_deleted()
        skipped = [(line, "suppressed") for (line,) in await suppressed.fetchall()]
        found = await cur.fetchone()
        imported, existing = (int(found[0]), int(found[1])) if found else (0, 0)
        updated = 0
        if existing:
            await cur.execute(_EXISTING, values)
            for line, gone, added, status in await cur.fetchall():
                if gone:  # erased between the statements
                    skipped.append((line, "erased during the import"))
                elif added:
                    imported += 1
                elif status in (None, "active", "pending"):
                    # None: another batch of this import subscribed it since our snapshot
                    updated += 1
                else:
                    skipped.append((line, f"previously {status}"))
    return BatchOutcome(imported=imported, updated=updated, skipped=skipped)


async def _driver(conn: AsyncConnection) -> Any:
    raw = await conn.get_raw_connection()
    return raw.driver_connection
