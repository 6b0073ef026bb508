"""Segment counts at scale on PostgreSQL and SQLite.

    python -m bench.segments [--subscribers N] [--runs R]

Bulk-loads N subscribers (90 % in one tenant, 10 % in another), one subscription each and
0.6·N tracking events into fresh databases migrated to ``heads``, then times five realistic
segment counts (the same SQL the API runs) against a same-run baseline: ``SELECT count(*)`` of
the tenant's subscribers. Writes bench/RESULTS-segments.md and, for PostgreSQL, the
``EXPLAIN (ANALYZE, BUFFERS)`` of every segment in bench/plans/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from herald.kit.db import make_engine
from herald.migrations.runner import upgrade
from herald.models.audience import Subscriber
from herald.segments.compiler import compile_rules

HERE = Path(__file__).parent
PG_BASE = os.environ.get(
    "HERALD_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
COUNTRIES = "FRBECHDEUSGBESITNLSEDKNOFIPLPTIEATCZHUGR"  # 20 two-letter codes
ROLES = ["member", "federation_admin", "editor", "viewer", "owner", "guest", "staff"]

SEGMENTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "countries",
        "indexed",
        {"field": "country", "op": "in", "value": ["FR", "BE", "CH"]},
    ),
    (
        "new_french_speakers",
        "indexed",
        {
            "all": [
                {"field": "language", "op": "eq", "value": "fr"},
                {"field": "created_at", "op": "within_last_days", "value": 90},
            ]
        },
    ),
    (
        "federation_admins_active",
        "indexed + engagement",
        {
            "all": [
                {"field": "country", "op": "in", "value": ["FR", "BE", "CH"]},
                {"field": "attributes.role", "op": "eq", "value": "federation_admin"},
                {
                    "any": [
                        {"field": "last_open_days", "op": "within_last_days", "value": 90},
                        {"field": "last_click_days", "op": "within_last_days", "value": 90},
                    ]
                },
            ]
        },
    ),
    (
        "engaged_whole_tenant",
        "heaviest engagement",
        {
            "any": [
                {"field": "last_open_days", "op": "within_last_days", "value": 30},
                {"field": "clicked", "op": "eq", "value": 3},
            ]
        },
    ),
    (
        "high_score_list_members",
        "attributes + membership",
        {
            "all": [
                {"field": "attributes.score:number", "op": "gte", "value": 90},
                {"field": "list", "op": "eq", "value": "news"},
                {"not": {"field": "status", "op": "eq", "value": "unsubscribed"}},
            ]
        },
    ),
]


def _pg_admin() -> psycopg.Connection:
    return psycopg.connect(
        PG_BASE.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )


def _sql_series(dialect: str, n: int) -> tuple[str, str]:
    if dialect == "postgresql":
        return f"FROM generate_series(1::bigint, {n}) AS s(g)", ""
    return (
        "FROM s",
        f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) ",
    )


async def load(engine: AsyncEngine, n: int) -> int:
    pg = engine.dialect.name == "postgresql"
    series, prefix = _sql_series(engine.dialect.name, n)
    events = int(n * 0.6)
    ev_series, ev_prefix = _sql_series(engine.dialect.name, events)
    if pg:
        now = "now()"
        days = "(({now}) - ({d}) * interval '1 day')"
        country = f"substr('{COUNTRIES}', CAST(1 + 2 * ((g * 7919) % 20) AS INTEGER), 2)"
        attrs = (
            "jsonb_build_object('role', (ARRAY{roles})[CAST(1 + (g * 31) % 7 AS INTEGER)],"
            " 'score', (g * 13) % 100)"
        ).format(roles=repr(ROLES).replace('"', "'"))
        ts = lambda d: days.format(now=now, d=d)  # noqa: E731
    else:
        country = f"substr('{COUNTRIES}', CAST(1 + 2 * ((g * 7919) % 20) AS INTEGER), 2)"
        cases = " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(ROLES))
        attrs = f"json_object('role', CASE (g * 31) % 7 {cases} END, 'score', (g * 13) % 100)"

        def ts(d: str) -> str:
            return f"(datetime('now', '-' || ({d}) || ' days') || '.000000')"

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO tenants (slug, name, timezone, default_language,"
                " suspended, created_at) VALUES ('big', 'Big', 'UTC', 'en', false,"
                f" {ts('0')}), ('small', 'Small', 'UTC', 'en', false, {ts('0')})"
            )
        )
        big, small = (await conn.execute(text("SELECT id FROM tenants ORDER BY id"))).scalars()
        for tid in (big, small):
            await conn.execute(
                text(
                    "INSERT INTO newsletter_lists (tenant_id, scope, slug, name, languages,"
                    f" double_opt_in, archived, created_at) VALUES ({tid}, {tid}, 'news', 'News',"
                    f" '[]', false, false, {ts('0')})"
                )
            )
        tenant = f"CASE WHEN g % 10 = 0 THEN {small} ELSE {big} END"
        await conn.execute(
            text(
                f"{prefix}INSERT INTO subscribers (tenant_id, scope, email, email_normalized,"
                " email_domain, name, language, country, source, attributes, created_at,"
                " soft_bounce_count)"
                f" SELECT {tenant}, {tenant}, 'u' || g || '@d' || (g % 50) || '.example',"
                " 'u' || g || '@d' || (g % 50) || '.example', 'd' || (g % 50) || '.example',"
                " 'User ' || g, substr('enfrsves', CAST(1 + 2 * ((g * 17) % 4) AS INTEGER), 2),"
                f" {country}, 'form', {attrs}, {ts('(g * 7) % 730')}, 0 {series}"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO subscriptions (tenant_id, list_id, subscriber_id, status,"
                " status_changed_at, created_at)"
                " SELECT s.tenant_id, l.id, s.id,"
                " CASE WHEN s.id % 7 = 0 THEN 'unsubscribed' ELSE 'active' END,"
                f" {ts('0')}, {ts('0')}"
                " FROM subscribers s JOIN newsletter_lists l ON l.scope = s.scope"
            )
        )
        await conn.execute(
            text(
                f"{ev_prefix}INSERT INTO tracking_events (tenant_id, campaign_id, subscriber_id,"
                " kind, machine, occurred_at)"
                f" SELECT NULL, 1 + g % 20, 1 + (g * 104729) % {n},"
                " CASE WHEN g % 3 = 0 THEN 'click' ELSE 'open' END, (g % 5 = 0),"
                f" {ts('(g * 31) % 120')} {ev_series}"
            )
        )
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    return int(big)


async def timed(engine: AsyncEngine, stmt: Any, runs: int) -> tuple[list[float], int]:
    times: list[float] = []
    result = 0
    async with engine.connect() as conn:
        await conn.execute(stmt)  # warm-up
        for _ in range(runs):
            start = time.perf_counter()
            result = (await conn.execute(stmt)).scalar_one()
            times.append((time.perf_counter() - start) * 1000)
    return times, int(result)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def bench_engine(name: str, url: str, n: int, runs: int) -> list[dict[str, Any]]:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    rows: list[dict[str, Any]] = []
    try:
        start = time.perf_counter()
        tenant_id = await load(engine, n)
        print(f"[{name}] loaded {n} subscribers in {time.perf_counter() - start:.1f} s", flush=True)
        base_stmt = (
            select(func.count()).select_from(Subscriber).where(Subscriber.scope == tenant_id)
        )
        times, base_count = await timed(engine, base_stmt, runs)
        base = statistics.median(times)
        rows.append(
            {
                "segment": "baseline: count(*) of the tenant",
                "kind": "baseline",
                "count": base_count,
                "median": base,
                "p95": p95(times),
                "ratio": 1.0,
            }
        )
        for seg_name, kind, rules in SEGMENTS:
            stmt = (
                select(func.count())
                .select_from(Subscriber)
                .where(compile_rules(rules, tenant_id=tenant_id))
            )
            times, count = await timed(engine, stmt, runs)
            median = statistics.median(times)
            rows.append(
                {
                    "segment": seg_name,
                    "kind": kind,
                    "count": count,
                    "median": median,
                    "p95": p95(times),
                    "ratio": median / base if base else 0.0,
                }
            )
            print(
                f"[{name}] {seg_name}: {count} in {median:.1f} ms (p95 {p95(times):.1f})",
                flush=True,
            )
            if engine.dialect.name == "postgresql":
                compiled = stmt.compile(
                    dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
                )
                async with engine.connect() as conn:
                    plan = await conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params
                    )
                    lines = [r[0] for r in plan]
                (HERE / "plans" / f"segments-{seg_name}.txt").write_text(
                    f"-- {seg_name}: {rules}\n" + "\n".join(lines) + "\n"
                )
    finally:
        await engine.dispose()
    return rows


def render(n: int, runs: int, results: dict[str, list[dict[str, Any]]]) -> str:
    out = [
        "## Segments (`python -m bench.segments`)",
        "",
        f"{n:,} subscribers (90 % in the measured tenant), one subscription each,"
        f" {int(n * 0.6):,} tracking events; {runs} timed runs per query after one warm-up."
        " Each count is the exact SQL `POST /sys/newsletter/segments/count` runs."
        " Baseline: `SELECT count(*)` of the tenant's subscribers in the same run."
        " Targets (PostgreSQL): indexed-field segments < 150 ms median, heaviest engagement"
        " segment < 1 s. PostgreSQL plans: `bench/plans/segments-*.txt`.",
        "",
    ]
    for engine, rows in results.items():
        out += [
            f"### {engine}",
            "",
            "| segment | kind | count | median ms | p95 ms | × baseline |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for r in rows:
            out.append(
                f"| {r['segment']} | {r['kind']} | {r['count']:,} | {r['median']:.1f} |"
                f" {r['p95']:.1f} | {r['ratio']:.1f} |"
            )
        out.append("")
    return "\n".join(out)


async def main_async(n: int, runs: int, engines: list[str]) -> None:
    results: dict[str, list[dict[str, Any]]] = {}
    if "postgres" in engines:
        name = f"herald_bench_seg_{uuid.uuid4().hex[:8]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = PG_BASE.rsplit("/", 1)[0] + "/" + name
            results["PostgreSQL"] = await bench_engine("postgres", url, n, runs)
        finally:
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            results["SQLite"] = await bench_engine("sqlite", url, n, runs)
    (HERE / "RESULTS-segments.md").write_text(render(n, runs, results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--engines", default="postgres,sqlite")
    parser.add_argument("--full", action="store_true", help="accepted for bench runner parity")
    args = parser.parse_args()
    (HERE / "plans").mkdir(exist_ok=True)
    asyncio.run(main_async(args.subscribers, args.runs, args.engines.split(",")))


if __name__ == "__main__":
    main()
