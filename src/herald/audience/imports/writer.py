"""Set-based batch writes of validated import rows, one transaction per batch.

PostgreSQL: COPY into a temporary staging table, then ``INSERT … SELECT … ON CONFLICT`` with
data-modifying CTEs (subscriptions, transitions and consent records in one statement).
SQLite: executemany into a temporary table, then the same shape of statements, with RETURNING
feeding the follow-up inserts. Both are idempotent: re-running a file creates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from herald.audience.imports.reader import Row

STAGE_COLUMNS = (
    "line",
    "email",
    "domain",
    "email_hash",
    "name",
    "language",
    "timezone",
    "country",
    "attributes",
)


@dataclass(slots=True)
class BatchOutcome:
    imported: int = 0
    updated: int = 0
    skipped: list[tuple[int, str]] | None = None


@dataclass(frozen=True, slots=True)
class Target:
    tenant_id: int | None
    scope: int
    list_id: int
    import_id: int


async def create_stage(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text(
                "CREATE TEMP TABLE IF NOT EXISTS import_stage (line bigint, email text, "
                "domain text, email_hash text, name text, language text, timezone text, "
                "country text, "
                "attributes jsonb)"
            )
        )
    else:
        await conn.execute(
            text(
                "CREATE TEMP TABLE IF NOT EXISTS import_stage (line INTEGER, email TEXT, "
                "domain TEXT, email_hash TEXT, name TEXT, language TEXT, timezone TEXT, "
                "country TEXT, "
                "attributes TEXT)"
            )
        )


async def _load(conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(text("TRUNCATE import_stage"))
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        async with driver.cursor() as cur:
            columns = ", ".join(STAGE_COLUMNS)
            async with cur.copy(f"COPY import_stage ({columns}) FROM STDIN") as copy:
                for row in rows:
                    await copy.write_row(row)
        # Temporary tables are never auto-analysed; the row count matters to the planner.
        await conn.execute(text("ANALYZE import_stage"))
    else:
        await conn.execute(text("DELETE FROM import_stage"))
        marks = ", ".join(f":{c}" for c in STAGE_COLUMNS)
        await conn.execute(
            text(f"INSERT INTO import_stage ({', '.join(STAGE_COLUMNS)}) VALUES ({marks})"),
            [dict(zip(STAGE_COLUMNS, row, strict=True)) for row in rows],
        )


_SUPPRESSED = """
SELECT line FROM import_stage
WHERE email_hash IN (
  SELECT email_hash FROM suppressions WHERE scope IN (0, :scope)
)
"""

_PG_UPSERT = """
INSERT INTO subscribers (tenant_id, scope, email, email_normalized, email_domain, name, language,
  timezone, country, source, attributes, created_at, soft_bounce_count)
SELECT :tenant_id, :scope, email, email, domain, name, COALESCE(language, 'en'), timezone,
  country, 'import', attributes, :now, 0
FROM import_stage
ON CONFLICT (scope, email_normalized) DO UPDATE SET
  name = COALESCE(subscribers.name, EXCLUDED.name),
  timezone = COALESCE(subscribers.timezone, EXCLUDED.timezone),
  country = COALESCE(subscribers.country, EXCLUDED.country),
  attributes = EXCLUDED.attributes || subscribers.attributes,
  updated_at = :now
WHERE (subscribers.name IS NULL AND EXCLUDED.name IS NOT NULL)
   OR (subscribers.timezone IS NULL AND EXCLUDED.timezone IS NOT NULL)
   OR (subscribers.country IS NULL AND EXCLUDED.country IS NOT NULL)
   OR NOT (subscribers.attributes @> EXCLUDED.attributes
           OR (EXCLUDED.attributes || subscribers.attributes) = subscribers.attributes)
"""

_SQLITE_UPSERT = """
INSERT INTO subscribers (tenant_id, scope, email, email_normalized, email_domain, name, language,
  timezone, country, source, attributes, created_at, soft_bounce_count)
SELECT :tenant_id, :scope, email, email, domain, name, COALESCE(language, 'en'), timezone,
  country, 'import', attributes, :now, 0
FROM import_stage WHERE true
ON CONFLICT (scope, email_normalized) DO UPDATE SET
  name = COALESCE(subscribers.name, excluded.name),
  timezone = COALESCE(subscribers.timezone, excluded.timezone),
  country = COALESCE(subscribers.country, excluded.country),
  attributes = json_patch(excluded.attributes, subscribers.attributes),
  updated_at = :now
WHERE (subscribers.name IS NULL AND excluded.name IS NOT NULL)
   OR (subscribers.timezone IS NULL AND excluded.timezone IS NOT NULL)
   OR (subscribers.country IS NULL AND excluded.country IS NOT NULL)
   OR json(json_patch(excluded.attributes, subscribers.attributes)) <> json(subscribers.attributes)
"""

_PG_SUBSCRIBE = """
WITH new AS (
  INSERT INTO subscriptions (tenant_id, list_id, subscriber_id, status, status_changed_at,
    confirmed_at, created_at)
  SELECT :tenant_id, :list_id, s.id, 'active', :now, :now, :now
  FROM import_stage st
  CROSS JOIN LATERAL (
    SELECT id FROM subscribers WHERE scope = :scope AND email_normalized = st.email LIMIT 1
  ) s
  ON CONFLICT (list_id, subscriber_id) DO NOTHING
  RETURNING id, subscriber_id
), transitions AS (
  INSERT INTO subscription_transitions (tenant_id, subscription_id, from_status, to_status,
    reason, at)
  SELECT :tenant_id, id, NULL, 'active', 'import', :now FROM new
)
INSERT INTO consent_records (tenant_id, subscriber_id, list_id, action, method, import_id,
  consent_text_version, evidence, occurred_at)
SELECT :tenant_id, subscriber_id, :list_id, 'granted', 'import', :import_id, :version,
  CAST(:evidence AS jsonb), :now
FROM new
RETURNING subscriber_id
"""

_SQLITE_SUBSCRIBE = """
INSERT INTO subscriptions (tenant_id, list_id, subscriber_id, status, status_changed_at,
  confirmed_at, created_at)
SELECT :tenant_id, :list_id, s.id, 'active', :now, :now, :now
FROM import_stage st
JOIN subscribers s ON s.scope = :scope AND s.email_normalized = st.email
WHERE true
ON CONFLICT (list_id, subscriber_id) DO NOTHING
RETURNING id, subscriber_id
"""

_NEGATIVE = """
SELECT st.line, sub.status FROM import_stage st
JOIN subscribers s ON s.scope = :scope AND s.email_normalized = st.email
JOIN subscriptions sub ON sub.list_id = :list_id AND sub.subscriber_id = s.id
WHERE sub.status NOT IN ('active', 'pending')
"""

# On PostgreSQL each staged row looks up its subscriber with one probe of the unique index.
# LATERAL … LIMIT 1 cannot be flattened into a join, so the plan stays "10,000 index probes"
# even when the statistics of a fast-growing subscriber table are stale (a hash join would read
# the whole table once per batch and make a large import quadratic).
_PG_NEGATIVE = """
SELECT st.line, sub.status FROM import_stage st
CROSS JOIN LATERAL (
  SELECT id FROM subscribers WHERE scope = :scope AND email_normalized = st.email LIMIT 1
) s
JOIN subscriptions sub ON sub.list_id = :list_id AND sub.subscriber_id = s.id
WHERE sub.status NOT IN ('active', 'pending')
"""


async def write_batch(
    conn: AsyncConnection,
    target: Target,
    rows: list[Row],
    hashes: list[str],
    *,
    now: datetime,
    evidence: str,
    consent_version: str,
) -> BatchOutcome:
    """Write one batch inside the caller's transaction and say what happened to each row."""
    staged = [
        (r.line, r.email, r.domain, h, r.name, r.language, r.timezone, r.country, r.attributes)
        for r, h in zip(rows, hashes, strict=True)
    ]
    await _load(conn, staged)
    params: dict[str, Any] = {
        "tenant_id": target.tenant_id,
        "scope": target.scope,
        "list_id": target.list_id,
        "import_id": target.import_id,
        "now": now,
        "evidence": evidence,
        "version": consent_version,
    }
    suppressed = list((await conn.execute(text(_SUPPRESSED), params)).scalars())
    skipped: list[tuple[int, str]] = [(line, "suppressed") for line in suppressed]
    if suppressed:
        await conn.execute(
            text(
                "DELETE FROM import_stage WHERE email_hash IN ("
                "SELECT email_hash FROM suppressions WHERE scope IN (0, :scope))"
            ),
            params,
        )
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        # A batch that is lost in a crash is simply written again when the job is retried (every
        # statement here is idempotent), so the batch need not wait for its WAL flush.
        await conn.execute(text("SET LOCAL synchronous_commit = off"))
    upsert = _PG_UPSERT if postgres else _SQLITE_UPSERT
    await conn.execute(text(upsert), _naive(params, postgres))
    if postgres:
        imported = len((await conn.execute(text(_PG_SUBSCRIBE), params)).all())
    else:
        new = (await conn.execute(text(_SQLITE_SUBSCRIBE), _naive(params, postgres))).all()
        imported = len(new)
        if new:
            await conn.execute(
                text(
                    "INSERT INTO subscription_transitions (tenant_id, subscription_id, "
                    "from_status, to_status, reason, at) "
                    "VALUES (:tenant_id, :sid, NULL, 'active', 'import', :now)"
                ),
                [{**_naive(params, postgres), "sid": sid} for sid, _ in new],
            )
            await conn.execute(
                text(
                    "INSERT INTO consent_records (tenant_id, subscriber_id, list_id, action, "
                    "method, import_id, consent_text_version, evidence, occurred_at) VALUES "
                    "(:tenant_id, :subscriber, :list_id, 'granted', 'import', :import_id, "
                    ":version, :evidence, :now)"
                ),
                [{**_naive(params, postgres), "subscriber": sub} for _, sub in new],
            )
    negative = (await conn.execute(text(_PG_NEGATIVE if postgres else _NEGATIVE), params)).all()
    skipped += [(line, f"previously {status}") for line, status in negative]
    updated = len(rows) - len(suppressed) - imported - len(negative)
    return BatchOutcome(imported=imported, updated=updated, skipped=skipped)


def _naive(params: dict[str, Any], postgres: bool) -> dict[str, Any]:
    """SQLite stores UTC timestamps naive (see herald.kit.types.UTCDateTime)."""
    if postgres:
        return params
    out = dict(params)
    now = out["now"]
    out["now"] = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return out
