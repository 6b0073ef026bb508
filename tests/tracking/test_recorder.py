"""The tracking recorder: buffered events land in the database, machine opens are told apart,
``last_open_at``/``last_click_at`` only move forward and only for people, bad tokens and foreign
URLs record nothing, and old events are purged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from herald.campaigns.dispatch.starter import start_campaign
from herald.kit import clock
from herald.kit.db import transaction
from herald.kit.tokens import Purpose
from herald.models.audience import Subscriber
from herald.models.campaigns import CampaignLink, Delivery
from herald.models.tracking import TrackingEvent
from herald.runtime import Runtime
from herald.tracking.recorder import purge_events
from tests.campaigns.support import bulk_audience, create_campaign, create_template
from tests.test_public_flow import make_list

HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko)"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"postal_address": "1 Main St, Springfield", "base_url": "https://herald.test"}


async def started(
    runtime: Runtime, client: httpx.AsyncClient, headers: dict[str, str]
) -> tuple[int, list[int], list[tuple[int, str]]]:
    a = await make_list(client, headers, "a")
    await make_list(client, headers, "b")
    audience = await bulk_audience(
        runtime, {"a": int(str(a["id"]))}, {f"t{i}@example.net": ["a"] for i in range(3)}
    )
    campaign_id = await create_campaign(client, headers, await create_template(client, headers))
    r = await client.post(f"/sys/newsletter/campaigns/{campaign_id}/schedule", headers=headers)
    assert r.status_code == 200, r.text
    async with transaction(runtime.sessions) as s:
        assert await start_campaign(s, campaign_id)
    async with transaction(runtime.sessions) as s:
        links = (
            await s.execute(
                select(CampaignLink.id, CampaignLink.url)
                .where(CampaignLink.campaign_id == campaign_id)
                .order_by(CampaignLink.position)
            )
        ).all()
    return campaign_id, sorted(audience.subscribers.values()), [(i, u) for i, u in links]


async def events(runtime: Runtime) -> list[TrackingEvent]:
    async with transaction(runtime.sessions) as s:
        rows = await s.execute(select(TrackingEvent).order_by(TrackingEvent.id))
        return list(rows.scalars())


async def last_seen(runtime: Runtime, subscriber_id: int) -> tuple[Any, Any]:
    async with transaction(runtime.sessions) as s:
        row = (
            await s.execute(
                select(Subscriber.last_open_at, Subscriber.last_click_at).where(
                    Subscriber.id == subscriber_id
                )
            )
        ).one()
        return row[0], row[1]


async def test_events_flags_and_last_seen(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    campaign_id, (alice, bob, carol), links = await started(runtime, app_client, sys_headers)
    link_id, url = links[0]
    recorder = runtime.recorder()
    signer = runtime.signer

    # Bob's copy was delivered a second ago: a fetch now is a scanner, not a person.
    async with transaction(runtime.sessions) as s:
        await s.execute(
            update(Delivery)
            .where(Delivery.campaign_id == campaign_id, Delivery.subscriber_id == bob)
            .values(sent_at=clock.now() - timedelta(seconds=1))
        )
    # Carol opened "in the future" already: an older human open must not move it back.
    future = clock.now() + timedelta(days=1)
    async with transaction(runtime.sessions) as s:
        carol_row = update(Subscriber).where(Subscriber.id == carol)
        await s.execute(carol_row.values(last_open_at=future))

    assert recorder.open(signer.issue(Purpose.OPEN, alice, campaign_id), "198.51.100.7", HUMAN)
    assert recorder.open(signer.issue(Purpose.OPEN, alice, campaign_id), "17.58.0.1", "Mozilla/5.0")
    assert recorder.open(signer.issue(Purpose.OPEN, bob, campaign_id), "198.51.100.8", HUMAN)
    assert recorder.open(signer.issue(Purpose.OPEN, carol, campaign_id), "198.51.100.9", HUMAN)
    click = signer.issue(Purpose.CLICK, alice, link_id)
    assert await recorder.click(click, "198.51.100.7", HUMAN) == url
    assert await recorder.click(click, "198.51.100.7", HUMAN, expect=url) == url
    # refused: a foreign url, a tampered token, a token for another purpose
    evil = "https://evil.example/"
    assert await recorder.click(click, "198.51.100.7", HUMAN, expect=evil) is None
    assert await recorder.click(click[:-2] + "xx", "198.51.100.7", HUMAN) is None
    assert not recorder.open(click, "198.51.100.7", HUMAN)
    assert await recorder.flush() == 6

    rows = await events(runtime)
    assert [(e.kind, e.subscriber_id, e.machine) for e in rows] == [
        ("open", alice, False),
        ("open", alice, True),  # Apple Mail Privacy Protection's bare user agent
        ("open", bob, True),  # within seconds of delivery
        ("open", carol, False),
        ("click", alice, False),
        ("click", alice, False),
    ]
    assert {e.campaign_id for e in rows} == {campaign_id}
    assert [e.link_id for e in rows if e.kind == "click"] == [link_id, link_id]
    assert rows[0].ip_hash and rows[0].ip_hash != "198.51.100.7"
    assert rows[0].ip_hash != rows[1].ip_hash
    assert rows[0].user_agent_hash == rows[2].user_agent_hash  # same agent, same keyed hash

    alice_open, alice_click = await last_seen(runtime, alice)
    assert alice_open is not None and alice_click is not None
    assert (await last_seen(runtime, bob)) == (None, None)  # machine events only
    carol_open, _ = await last_seen(runtime, carol)
    assert carol_open.replace(tzinfo=None) == future.replace(tzinfo=None)


async def test_purge_keeps_recent_events(
    db_kind: str, runtime: Runtime, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    campaign_id, subscribers, _ = await started(runtime, app_client, sys_headers)
    recorder = runtime.recorder()
    for sid in subscribers:
        recorder.open(runtime.signer.issue(Purpose.OPEN, sid, campaign_id), "198.51.100.1", HUMAN)
    await recorder.flush()
    async with transaction(runtime.sessions) as s:
        oldest = min(subscribers)
        await s.execute(
            update(TrackingEvent)
            .where(TrackingEvent.subscriber_id == oldest)
            .values(occurred_at=clock.now() - timedelta(days=91))
        )
    async with transaction(runtime.sessions) as s:
        assert await purge_events(s, clock.now() - timedelta(days=90), batch=1) == 1
    async with transaction(runtime.sessions) as s:
        left = (await s.execute(select(func.count()).select_from(TrackingEvent))).scalar_one()
    assert left == len(subscribers) - 1
