"""Helpers for campaign tests: bulk audiences, a template, a campaign through the API."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from herald.kit import clock
from herald.kit.db import transaction
from herald.models.audience import Subscriber, Subscription
from herald.runtime import Runtime
from tests.conftest import SYS_PASSWORD, TEST_SECRET

MJML = """<mjml>
  <mj-head><mj-preview>{{ campaign.subject }}</mj-preview></mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hello {{ subscriber.first_name or "there" }}, news from {{ list.name }}.</mj-text>
        <mj-button href="https://example.com/spring?utm_source=herald&amp;x=1">Read more</mj-button>
        <mj-text><a href="https://example.org/results">Results</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


@dataclass
class Audience:
    list_ids: dict[str, int]
    subscribers: dict[str, int]  # email -> id


async def bulk_audience(
    rt: Runtime,
    list_ids: dict[str, int],
    members: dict[str, list[str]],
    *,
    timezones: dict[str, str] | None = None,
    status: dict[tuple[str, str], str] | None = None,
    tenant_id: int | None = None,
) -> Audience:
    """Insert subscribers (email -> lists) with active subscriptions, set-based."""
    now = clock.now()
    timezones = timezones or {}
    status = status or {}
    emails = list(members)
    async with transaction(rt.sessions) as s:
        await s.execute(
            insert(Subscriber),
            [
                {
                    "tenant_id": tenant_id,
                    "scope": tenant_id or 0,
                    "email": e,
                    "email_normalized": e,
                    "email_domain": e.rpartition("@")[2],
                    "name": f"Person {i}",
                    "language": "en",
                    "timezone": timezones.get(e),
                    "source": "import",
                    "attributes": {},
                    "soft_bounce_count": 0,
                    "created_at": now,
                }
                for i, e in enumerate(emails)
            ],
        )
    from sqlalchemy import select

    async with transaction(rt.sessions) as s:
        ids = dict(
            (
                await s.execute(
                    select(Subscriber.email_normalized, Subscriber.id).where(
                        Subscriber.email_normalized.in_(emails)
                    )
                )
            ).all()
        )
        rows: list[dict[str, Any]] = []
        for e, lists in members.items():
            for slug in lists:
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "list_id": list_ids[slug],
                        "subscriber_id": ids[e],
                        "status": status.get((e, slug), "active"),
                        "status_changed_at": now,
                        "created_at": now,
                    }
                )
        for start in range(0, len(rows), 1000):
            await s.execute(insert(Subscription), rows[start : start + 1000])
    return Audience(list_ids=list_ids, subscribers=ids)


async def create_template(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    r = await client.post(
        "/sys/newsletter/templates", json={"name": "Spring", "mjml": MJML}, headers=headers
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def create_campaign(
    client: httpx.AsyncClient, headers: dict[str, str], template_id: int, **extra: Any
) -> int:
    body = {
        "name": "Spring news",
        "subject": "Spring news for {{ subscriber.first_name or 'you' }}",
        "template_id": template_id,
        "lists": ["a", "b"],
        "from_email": "news@herald.example",
        "from_name": "Herald News",
        "throttle_per_hour": 10_000_000,
        **extra,
    }
    r = await client.post("/sys/newsletter/campaigns", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "draft"
    return int(r.json()["id"])


async def send_through_quiet_hours(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> None:
    """Tests that run a real worker on the wall clock must not depend on the hour they run at:
    recipients with no time zone of their own are in UTC, whose quiet hours (22:00-07:00) would
    hold the whole send for a run at night."""
    r = await client.post(
        f"/sys/newsletter/campaigns/{campaign_id}/quiet-hours-override",
        json={"password": SYS_PASSWORD},
        headers=headers,
    )
    assert r.status_code == 200, r.text


def spawn_worker(
    db_url: str, port: int, data_dir: Path, pool: int, postal: str, lease_seconds: int = 2
) -> subprocess.Popen[bytes]:
    """A real `herald worker` process sending through the SMTP sink on `port`."""
    env = {
        **os.environ,
        "HERALD_DATABASE_URL": db_url,
        "HERALD_SECRET_KEY": TEST_SECRET,
        "HERALD_DATA_DIR": str(data_dir),
        "HERALD_DISTRIBUTORS": "smtp",
        "HERALD_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "HERALD_SMTP_POOL_SIZE": str(pool),
        "HERALD_BASE_URL": "https://herald.test",
        "HERALD_POSTAL_ADDRESS": postal,
        "HERALD_DISPATCH_LEASE_SECONDS": str(lease_seconds),
        "HERALD_WORKER_POLL_SECONDS": "0.1",
        "HERALD_LOG_LEVEL": "WARNING",
    }
    herald = Path(sys.executable).parent / "herald"
    return subprocess.Popen(
        [str(herald), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def wait_for(predicate: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)
