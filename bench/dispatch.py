"""Dispatcher benchmark: ledger → rendered, tracked, compliant message → SMTP sink, on PostgreSQL.

    python -m bench.dispatch [--recipients 100000] [--materialise 1000000] [--connections 4]

Measures, in one run on one machine:
- end-to-end dispatcher throughput for a campaign of ``--recipients`` (Herald's real dispatcher:
  claim, re-check, merge, tracked links, pixel, footer, headers, MIME, SMTP) into Postfix's
  ``smtp-sink``, against a baseline loop that sends pre-built bytes over the same sink with the
  same number of connections;
- the time to materialise the ledger for ``--materialise`` recipients (target < 10 s).
Figures go to ``bench/RESULTS-dispatch.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time

import aiosmtplib
from sqlalchemy import text
from tests.campaigns.support import MJML

from bench.common import drop_postgres, fresh_postgres, machine_line, write_results
from bench.smtp_send import HOST, free_port, start_sink
from herald.accounts.context import Actor
from herald.campaigns import service
from herald.campaigns.dispatch.starter import start_campaign
from herald.campaigns.schemas import CampaignInput
from herald.delivery.dkim import Algorithm
from herald.delivery.dkim_keys import create_key
from herald.kit.db import transaction
from herald.kit.settings import Settings
from herald.runtime import Runtime, build_runtime
from herald.templates.service import create_template

SYS = Actor(kind="operator", id="1", role="sys")


async def populate(rt: Runtime, n: int) -> int:
    async with transaction(rt.sessions) as s:
        list_id = (
            await s.execute(
                text(
                    "INSERT INTO newsletter_lists (scope, slug, name, languages, double_opt_in,"
                    " archived, created_at) VALUES (0, 'bench', 'Bench', '[]', true, false, now())"
                    " RETURNING id"
                )
            )
        ).scalar_one()
        await s.execute(
            text(
                "INSERT INTO subscribers (scope, email, email_normalized, email_domain, name,"
                " language, source, attributes, soft_bounce_count, created_at)"
                " SELECT 0, 'u' || g || '@example.org', 'u' || g || '@example.org',"
                " 'example.org', 'User ' || g, 'en', 'import', '{}'::jsonb, 0, now()"
                " FROM generate_series(1, :n) g"
            ),
            {"n": n},
        )
        await s.execute(
            text(
                "INSERT INTO subscriptions (list_id, subscriber_id, status, status_changed_at,"
                " created_at) SELECT :l, id, 'active', now(), now() FROM subscribers"
            ),
            {"l": list_id},
        )
    async with rt.engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("VACUUM ANALYZE"))
    return int(list_id)


async def campaign(rt: Runtime, throttle: int) -> int:
    async with transaction(rt.sessions) as s:
        template = await create_template(s, SYS, name="Bench", mjml_source=MJML)
        row = await service.create_campaign(
            s,
            SYS,
            CampaignInput(
                name="Bench",
                subject="News for {{ subscriber.first_name }}",
                template_id=template.id,
                lists=["bench"],
                from_email="news@herald.example",
                throttle_per_hour=throttle,
            ),
        )
        # Benchmarks measure sending, whatever the hour they run at: recipients without a time
        # zone are in UTC, whose quiet hours would hold the whole send at night.
        row.quiet_hours_override = True
        await service.schedule(s, rt.settings, SYS, row.id, None)
        return row.id


def settings(url: str, port: int, connections: int) -> Settings:
    return Settings(
        database_url=url,
        secret_key="bench-secret-key-0123456789abcdef",
        base_url="https://herald.example",
        distributors="smtp",
        smtp_url=f"smtp://{HOST}:{port}",
        smtp_pool_size=connections,
        postal_address="1 Bench Street, Benchville",
        dispatch_budget_seconds=3600,
        log_level="WARNING",
        statement_timeout_ms=0,
    )


async def dispatch(
    recipients: int, port: int, connections: int, *, dkim: bool = False
) -> tuple[float, int]:
    url = await asyncio.to_thread(fresh_postgres, "bench_dispatch")
    rt = build_runtime(settings(url, port, connections))
    try:
        await populate(rt, recipients)
        if dkim:  # an RSA-2048 key for the sending domain: every message is signed
            async with transaction(rt.sessions) as s:
                await create_key(s, rt.secrets, "herald.example", algorithm=Algorithm.RSA)
        cid = await campaign(rt, 10_000_000)
        async with transaction(rt.sessions) as s:
            await start_campaign(s, cid)
        d = rt.dispatcher()
        wall = time.perf_counter()
        sent = 0
        while True:
            n = await d.send_pass()
            sent += n
            if n == 0:
                break
        return time.perf_counter() - wall, sent
    finally:
        await rt.close()
        drop_postgres(url)


async def baseline(recipients: int, port: int, connections: int) -> float:
    raw = (
        b"From: news@herald.example\r\nTo: u@example.org\r\nSubject: x\r\n"
        b"Content-Type: text/plain\r\n\r\n" + b"hello\r\n" * 400
    )
    clients = [aiosmtplib.SMTP(hostname=HOST, port=port) for _ in range(connections)]
    for c in clients:
        await c.connect()

    async def lane(c: aiosmtplib.SMTP, k: int) -> None:
        for i in range(k):
            await c.sendmail("news@herald.example", [f"u{i}@example.org"], raw)

    wall = time.perf_counter()
    share = recipients // connections
    await asyncio.gather(*(lane(c, share) for c in clients))
    elapsed = time.perf_counter() - wall
    for c in clients:
        await c.quit()
    return elapsed * recipients / (share * connections)


async def materialise(n: int) -> float:
    url = await asyncio.to_thread(fresh_postgres, "bench_materialise")
    rt = build_runtime(settings(url, 1, 1))
    try:
        await populate(rt, n)
        cid = await campaign(rt, 5000)
        wall = time.perf_counter()
        async with transaction(rt.sessions) as s:
            await start_campaign(s, cid)
        return time.perf_counter() - wall
    finally:
        await rt.close()
        drop_postgres(url)


async def main(args: argparse.Namespace) -> int:
    port = free_port()
    sink = start_sink(port)
    try:
        base = await baseline(args.recipients, port, args.connections)
        took, sent = await dispatch(args.recipients, port, args.connections)
        took_dkim, sent_dkim = await dispatch(args.recipients, port, args.connections, dkim=True)
    finally:
        sink.kill()
    mat = await materialise(args.materialise)
    rate, base_rate = sent / took, args.recipients / base
    rate_dkim = sent_dkim / took_dkim
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    body = f"""## Dispatcher (bench/dispatch.py)

{machine_line()} · PostgreSQL · Postfix smtp-sink on loopback · {args.connections} connections

| measurement | figure |
|---|---|
| baseline: pre-built bytes, same sink and connections | {base_rate:,.0f} msg/s |
| dispatcher, DKIM off (provider signs), {sent:,} recipients | {took:.1f} s · **{rate:,.0f}/s** |
| dispatcher / baseline | **{rate / base_rate:.0%}** |
| dispatcher, DKIM on (RSA-2048), {sent_dkim:,} | {took_dkim:.1f} s · **{rate_dkim:,.0f}/s** |
| DKIM on / baseline | **{rate_dkim / base_rate:.0%}** |
| materialise the ledger for {args.materialise:,} recipients | **{mat:.2f} s** (target < 10 s) |
| peak RSS of this process (whole run) | {rss:.0f} MB |

Targets: ≥ 1,000 msg/s end to end with signing off, ≥ 700 msg/s with DKIM on; ledger for
1,000,000 recipients < 10 s.
"""
    write_results("dispatch", body)
    print(body)
    return 0


def run() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--materialise", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=4)
    return asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(run())
