"""Crash safety: SIGKILL the worker process at random points of a 20,000-recipient send.

After every kill a new worker process takes over. In the end every eligible recipient has the
campaign; the only repeats allowed are the messages in flight at a kill — at most one per pooled
SMTP connection per kill — and the test reports how many there were.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
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
    wait_for,
)
from tests.support.smtp import SinkHandler, smtp_sink
from tests.test_public_flow import make_list

RECIPIENTS = 20_000
KILLS = 4
POOL = 4
POSTAL = "1 Main St, Springfield"
pytestmark = pytest.mark.slow


@pytest.fixture
def sink() -> Iterator[tuple[SinkHandler, int]]:
    with smtp_sink() as pair:
        yield pair


@pytest.fixture
def settings_overrides(sink: tuple[SinkHandler, int]) -> dict[str, Any]:
    return {"base_url": "https://herald.test", "postal_address": POSTAL}


async def test_sigkill_during_send_loses_nobody(
    db_kind: str,
    db_url: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    sink: tuple[SinkHandler, int],
    tmp_path: Path,
    record_property: Any,
) -> None:
    handler, port = sink
    a = await make_list(app_client, sys_headers, "a")
    b = await make_list(app_client, sys_headers, "b")
    emails = [f"r{i:05d}@example.net" for i in range(RECIPIENTS)]
    await bulk_audience(
        runtime,
        {"a": int(str(a["id"])), "b": int(str(b["id"]))},
        {e: (["a", "b"] if i % 3 == 0 else ["a"]) for i, e in enumerate(emails)},
    )
    template_id = await create_template(app_client, sys_headers)
    campaign_id = await create_campaign(app_client, sys_headers, template_id)
    await send_through_quiet_hours(app_client, sys_headers, campaign_id)
    r = await app_client.post(
        f"/sys/newsletter/campaigns/{campaign_id}/schedule", json={}, headers=sys_headers
    )
    assert r.status_code == 200, r.text

    rng = random.Random(20261123)
    kills = 0
    for _ in range(KILLS):
        proc = spawn_worker(db_url, port, tmp_path / "data", POOL, POSTAL)
        try:
            target = len(handler.received) + rng.randint(500, RECIPIENTS // (KILLS + 2))
            await wait_for(lambda t=target: len(handler.received) >= t, timeout=120)
            await asyncio.sleep(rng.random() * 0.05)  # land anywhere in a chunk
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        kills += 1

    proc = spawn_worker(db_url, port, tmp_path / "data", POOL, POSTAL)
    try:

        async def finished() -> bool:
            async with transaction(runtime.sessions) as s:
                status = (
                    await s.execute(select(Campaign.status).where(Campaign.id == campaign_id))
                ).scalar_one()
            return status == "sent"

        deadline = time.monotonic() + 300
        while not await finished():
            assert time.monotonic() < deadline, "the send did not finish"
            assert proc.poll() is None, "the worker died"
            await asyncio.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    got = Counter(rcpt for m in handler.received for rcpt in m.rcpt_tos)
    assert set(got) == set(emails), f"lost {len(set(emails) - set(got))} recipients"
    duplicates = sum(n - 1 for n in got.values())
    record_property("duplicates", duplicates)
    print(f"\n{db_kind}: {kills} kills, {duplicates} duplicate message(s)")
    assert duplicates <= kills * POOL
