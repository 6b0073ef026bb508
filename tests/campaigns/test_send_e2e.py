"""A campaign to 2,000 subscribers over two overlapping lists, end to end through real SMTP."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from herald.compliance.suppression import suppress
from herald.delivery import ids
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.tokens import Purpose
from herald.models.audience import Subscription
from herald.models.campaigns import Delivery
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.campaigns.support import bulk_audience, create_campaign, create_template
from tests.support.smtp import SinkHandler, smtp_sink
from tests.test_public_flow import make_list

NOON = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POSTAL = "Herald Sports AB, Storgatan 1, 111 22 Stockholm, Sweden"


@pytest.fixture
def sink() -> Iterator[tuple[SinkHandler, int]]:
    with smtp_sink() as pair:
        yield pair


@pytest.fixture
def settings_overrides(sink: tuple[SinkHandler, int]) -> dict[str, Any]:
    return {
        "distributors": "smtp",
        "smtp_url": f"smtp://127.0.0.1:{sink[1]}",
        "base_url": "https://herald.test",
        "postal_address": POSTAL,
        "dispatch_batch": 200,
    }


@pytest.fixture
def shifted() -> Iterator[clock.ShiftedClock]:
    sc = clock.ShiftedClock(NOON)
    previous = clock.use_clock(sc)
    yield sc
    clock.use_clock(previous)


def local(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "herald.test", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def test_campaign_end_to_end(
    db_kind: str,
    runtime: Runtime,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    worker: Worker,
    sink: tuple[SinkHandler, int],
    shifted: clock.ShiftedClock,
) -> None:
    handler = sink[0]
    a = await make_list(app_client, sys_headers, "a")
    b = await make_list(app_client, sys_headers, "b")
    emails = [f"p{i:04d}@example.net" for i in range(2000)]
    members = {
        e: (["a"] if i < 700 else ["a", "b"] if i < 1200 else ["b"]) for i, e in enumerate(emails)
    }
    suppressed, unsubscribed, night, leaver = emails[5], emails[6], emails[7], emails[1900]
    audience = await bulk_audience(
        runtime,
        {"a": int(str(a["id"])), "b": int(str(b["id"]))},
        members,
        timezones={night: "Pacific/Auckland"},
        status={(unsubscribed, "a"): "unsubscribed"},
    )
    async with transaction(runtime.sessions) as s:
        await suppress(s, suppressed, tenant_id=None, reason="manual")

    template_id = await create_template(app_client, sys_headers)
    campaign_id = await create_campaign(app_client, sys_headers, template_id)
    r = await app_client.post(
        f"/sys/newsletter/campaigns/{campaign_id}/schedule", json={}, headers=sys_headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"id": campaign_id, "status": "scheduled"}

    # Someone unsubscribes (one-click) while the send is under way.
    leaver_token = runtime.signer.issue(
        Purpose.UNSUB, audience.subscribers[leaver], audience.list_ids["b"]
    )
    original = runtime.distributor.send_bulk
    calls = 0

    async def send_bulk(messages: list[Any]) -> list[Any]:
        nonlocal calls
        calls += 1
        if calls == 3:
            resp = await app_client.post(
                f"/public/newsletter/list-unsubscribe/{leaver_token}",
                data={"List-Unsubscribe": "One-Click"},
            )
            assert resp.status_code == 200
        return await original(messages)

    runtime.distributor.send_bulk = send_bulk  # type: ignore[method-assign]
    await worker.drain(max_passes=50)

    got = Counter(rcpt for m in handler.received for rcpt in m.rcpt_tos)
    expected = set(emails) - {suppressed, unsubscribed, night, leaver}
    assert set(got) == expected
    assert max(got.values()) == 1, "someone got the campaign twice"

    async with transaction(runtime.sessions) as s:
        rows = {
            d.subscriber_id: d
            for d in (
                await s.execute(select(Delivery).where(Delivery.campaign_id == campaign_id))
            ).scalars()
        }
    assert len(rows) == 1999  # the unsubscribed-before address is not in the ledger
    by_id = audience.subscribers
    assert (rows[by_id[suppressed]].status, rows[by_id[suppressed]].reason) == (
        "skipped",
        "suppressed",
    )
    assert (rows[by_id[leaver]].status, rows[by_id[leaver]].reason) == ("skipped", "unsubscribed")
    waiting = rows[by_id[night]]
    assert (waiting.status, waiting.reason) == ("queued", "quiet_hours")
    assert waiting.due_at == datetime(2026, 6, 1, 19, 0, tzinfo=UTC)  # 07:00 in Auckland

    # Every message is compliant: footer, both unsubscribe headers, our Message-ID.
    sample = next(m for m in handler.received if m.rcpt_tos == [emails[1000]]).message
    assert sample["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = re.search(r"<(https://[^>]+)>", sample["List-Unsubscribe"])
    assert one_click
    assert sample["Feedback-ID"].startswith(f"{campaign_id}:0:marketing")
    key = ids.parse_message_id(sample["Message-ID"], runtime.keys)
    assert key is not None and key.campaign_id == campaign_id
    assert sample["Subject"] == "Spring news for Person"
    html_part = sample.get_body(("html",))
    text_part = sample.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    for body in (html, text):
        assert POSTAL in body
        assert "/newsletter/preferences?token=" in body
    assert "example.com/spring" not in html  # links are tracked
    pixel = re.search(r'src="(https://herald\.test/public/newsletter/open/[^"]+\.png)"', html)
    click = re.search(r'href="(https://herald\.test/public/newsletter/click/[^"]+)"', html)
    assert pixel and click

    # The tracked link, the pixel and the one-click URL all work.
    r = await app_client.get(local(click.group(1)), headers={"user-agent": "Mozilla/5.0 (X11)"})
    assert r.status_code == 302
    assert r.headers["location"] == "https://example.com/spring?utm_source=herald&x=1"
    r = await app_client.get(local(pixel.group(1)), headers={"user-agent": "Mozilla/5.0 (X11)"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    r = await app_client.post(local(one_click.group(1)), data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    async with transaction(runtime.sessions) as s:
        statuses = set(
            (
                await s.execute(
                    select(Subscription.status).where(
                        Subscription.subscriber_id == by_id[emails[1000]],
                        Subscription.list_id == audience.list_ids["a"],
                    )
                )
            ).scalars()
        )
    assert statuses == {"unsubscribed"}
    await runtime.recorder().flush()

    r = await app_client.get(f"/sys/newsletter/campaigns/{campaign_id}", headers=sys_headers)
    body = r.json()
    assert body["status"] == "sending"  # the night owl is still waiting
    stats = body["stats"]
    assert stats["recipients"] == 1999
    assert stats["sent"] == len(expected)
    assert stats["opens"] == 1 and stats["clicks"] == 1
    assert stats["unsubscribes"] >= 1

    # Morning in Auckland: the last one goes out and the campaign is sent.
    shifted.advance(hours=7, minutes=1)
    await worker.drain(max_passes=20)
    got = Counter(rcpt for m in handler.received for rcpt in m.rcpt_tos)
    assert got[night] == 1
    r = await app_client.get(f"/sys/newsletter/campaigns/{campaign_id}", headers=sys_headers)
    assert r.json()["status"] == "sent"
    assert r.json()["stats"]["sent"] == len(expected) + 1
