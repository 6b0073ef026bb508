"""Two worker processes share one send on the same database without a single duplicate.

Each worker sends through its own SMTP sink, so the test sees which worker delivered what:
both must have taken part, and the union must be every recipient exactly once.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from herald.kit.db import transaction
from herald.models.campaigns import Campaign
from herald.runtime import Runtime
from tests.campaigns.support import (
    bulk_audience,
    create_campaign,
    create_template,
    send_through_quiet_hours,
    spawn_worker,
)
from tests.support.smtp import smtp_sink
from tests.test_public_flow import make_list

RECIPIENTS = 6_000
POOL = 4
POSTAL = "1 Main St, Springfield"
# Short enough that a worker stalled by a loaded machine loses rows to the other one mid-send:
# each chunk renews its lease and drops rows another worker re-claimed, so none goes twice.
LEASE = 5
pytestmark = pytest.mark.slow


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"base_url": "https://herald.test", "postal_address": POSTAL}


async def test_two_workers_share_a_send_without_duplicates(
    db_kind: str,
    db_url: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    tmp_path: Path,
    record_property: Any,
) -> None:
    if db_kind != "postgres":
        pytest.skip("several worker processes on one database is a PostgreSQL deployment")
    a = await make_list(app_client, sys_headers, "a")
    b = await make_list(app_client, sys_headers, "b")
    emails = [f"w{i:05d}@example.net" for i in range(RECIPIENTS)]
    await bulk_audience(
        runtime,
        {"a": int(str(a["id"])), "b": int(str(b["id"]))},
        {e: (["a", "b"] if i % 4 == 0 else ["b"]) for i, e in enumerate(emails)},
    )
    template_id = await create_template(app_client, sys_headers)
    campaign_id = await create_campaign(app_client, sys_headers, template_id)
    await send_through_quiet_hours(app_client, sys_headers, campaign_id)

    with smtp_sink() as (first, first_port), smtp_sink() as (second, second_port):
        workers = [
            spawn_worker(db_url, first_port, tmp_path / "one", POOL, POSTAL, LEASE),
            spawn_worker(db_url, second_port, tmp_path / "two", POOL, POSTAL, LEASE),
        ]
        try:
            r = await app_client.post(
                f"/sys/newsletter/campaigns/{campaign_id}/schedule", json={}, headers=sys_headers
            )
            assert r.status_code == 200, r.text

            async def status() -> str:
                async with transaction(runtime.sessions) as s:
                    query = select(Campaign.status).where(Campaign.id == campaign_id)
                    return str((await s.execute(query)).scalar_one())

            deadline = time.monotonic() + 240
            while await status() != "sent":
                assert time.monotonic() < deadline, "the send did not finish"
                assert all(w.poll() is None for w in workers), "a worker died"
                await asyncio.sleep(0.2)
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(timeout=30)

        per_worker = [
            Counter(rcpt for m in sink.received for rcpt in m.rcpt_tos) for sink in (first, second)
        ]

    got = per_worker[0] + per_worker[1]
    assert set(got) == set(emails), f"lost {len(set(emails) - set(got))} recipients"
    duplicates = {e: n for e, n in got.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} recipients got the campaign twice"
    shares = [sum(c.values()) for c in per_worker]
    record_property("shares", shares)
    print(f"\nworker shares: {shares}")
    assert min(shares) > RECIPIENTS // 10, f"one worker did (almost) all the work: {shares}"
