"""Replay acceptance: 10,000 mixed provider events posted twice, shuffled, into one database end
in the same state as one in-order replay into another; forged requests interleaved with the
replay change nothing.

The feed (tests/support/replay.py) is seeded: two tenants, a few hundred subscribers with
realistic timelines (deliveries, opens, clicks, soft and hard bounces, blocks, complaints,
unsubscribes) reported through Mailjet (Event API v2 batches) and ACS (Event Grid batches).
Runs on SQLite and PostgreSQL, one pair of databases per test.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from herald.delivery import ids
from herald.delivery.webhooks import WebhookReceiver
from herald.kit import clock
from herald.kit.db import transaction
from herald.models.delivery import DeliveryEvent
from herald.runtime import Runtime, build_runtime
from herald.web.app import create_app
from tests.conftest import make_settings
from tests.support.databases import PostgresFactory, SqliteFactory
from tests.support.replay import Feed, feed, make_people, people, snapshot
from tests.support.sns import TOPIC, FakeSns, ses_bounce, ses_complaint

SECRET = "replay-secret-8f2e41c0b7"
URL = "/_internal/distributor-webhook"
SEED = 20260601
BATCH = 300
EVENTS = 10_000


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"webhook_secret": SECRET, "ses_topic_arns": TOPIC}


@pytest.fixture
def other_db_url(
    db_kind: str, sqlite_factory: SqliteFactory, postgres_factory: PostgresFactory | None
) -> Iterator[str]:
    factory: SqliteFactory | PostgresFactory | None = (
        postgres_factory if db_kind == "postgres" else sqlite_factory
    )
    if factory is None:
        pytest.skip("PostgreSQL is not available")
    url = factory.new()
    yield url
    factory.drop(url)


@pytest.fixture
async def other_runtime(
    other_db_url: str, tmp_path: Path, settings_overrides: dict[str, Any]
) -> AsyncIterator[Runtime]:
    rt = build_runtime(make_settings(other_db_url, tmp_path / "b", **settings_overrides))
    yield rt
    await rt.close()


def _client(rt: Runtime, sns: FakeSns) -> httpx.AsyncClient:
    rt.webhooks = WebhookReceiver(
        secret=SECRET,
        message_id_secrets=rt.keys,
        ses_topic_arns=rt.settings.ses_topic_arn_list,
        fetch=sns.fetch,
    )
    transport = httpx.ASGITransport(app=create_app(runtime=rt), client=("203.0.113.10", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://herald.test")


def _batches(events: list[tuple[str, datetime, dict[str, Any]]]) -> list[tuple[str, list[Any]]]:
    """Consecutive events of one provider, at most BATCH per request, as providers batch them."""
    out: list[tuple[str, list[Any]]] = []
    for provider, _, payload in events:
        if out and out[-1][0] == provider and len(out[-1][1]) < BATCH:
            out[-1][1].append(payload)
        else:
            out.append((provider, [payload]))
    return out


async def _post(client: httpx.AsyncClient, provider: str, payloads: list[Any]) -> dict[str, Any]:
    if provider == "mailjet":
        r = await client.post(f"{URL}/mailjet", json=payloads, auth=("herald", SECRET))
    else:
        headers = {"aeg-event-type": "Notification"}
        r = await client.post(f"{URL}/acs?secret={SECRET}", json=payloads, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _forge(
    client: httpx.AsyncClient, sns: FakeSns, rng: random.Random, sids: dict[str, tuple[int, int]]
) -> None:
    """A forged batch per provider, aimed at real subscribers: every one is refused."""
    email = rng.choice(sorted(sids))
    key = str(ids.marketing_key(99, sids[email][1]))
    spam = {"event": "spam", "time": 1780000000, "email": email, "CustomID": key, "source": "x"}
    bounce = {**spam, "event": "bounce", "hard_bounce": True, "error_related_to": "recipient"}
    r = await client.post(f"{URL}/mailjet", json=[spam, bounce], auth=("herald", "guess"))
    assert r.status_code == 401
    r = await client.post(f"{URL}/mailjet", json=[spam, bounce])
    assert r.status_code == 401
    grid = {
        "id": f"forged-{rng.random()}",
        "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
        "eventTime": "2026-06-02T00:00:00Z",
        "data": {"recipient": email, "status": "Bounced", "messageId": "x"},
    }
    r = await client.post(f"{URL}/acs?secret=wrong", json=[grid])
    assert r.status_code == 401
    good = sns.notification(ses_complaint(email, f"<{key}@herald.example>"))
    for forged in (
        {**good, "Signature": "AAAA" + good["Signature"][4:]},
        {**good, "Message": good["Message"].replace("abuse", "fraud")},
        FakeSns().notification(ses_bounce(email, f"<{key}@herald.example>")),  # foreign key
    ):
        r = await client.post(
            f"{URL}/ses",
            content=json.dumps(forged).encode(),
            headers={"x-amz-sns-message-type": "Notification", "x-amz-sns-topic-arn": TOPIC},
        )
        assert r.status_code == 403


async def _setup(rt: Runtime) -> tuple[dict[str, tuple[int, int]], Feed]:
    crowd = people(SEED, per_tenant=190)
    sids = await make_people(rt, crowd)
    return sids, feed(SEED, crowd, sids, campaigns=14)


async def test_shuffled_double_replay_ends_like_one_in_order_replay(
    db_kind: str,
    runtime: Runtime,
    other_runtime: Runtime,
    frozen_clock: clock.FrozenClock,
) -> None:
    sns = FakeSns()
    sids, events = await _setup(runtime)
    sids_b, events_b = await _setup(other_runtime)
    assert events_b.events == events.events
    assert len(events.events) >= EVENTS
    kinds = events.kinds()
    for kind in ("sent", "Delivered", "open", "click", "bounce_soft", "bounce_hard"):
        assert kinds[kind] > 20, kinds
    assert (
        kinds["unsub"] > 5 and kinds["spam"] > 5 and kinds["blocked"] + kinds["FilteredSpam"] > 20
    ), kinds
    feed_events = events.events[:EVENTS] if len(events.events) > EVENTS else events.events

    # A: once, in the order the events happened.
    in_order = sorted(feed_events, key=lambda e: e[1])
    async with _client(runtime, sns) as client:
        for provider, payloads in _batches(in_order):
            await _post(client, provider, payloads)
    expected = await snapshot(runtime, sorted(sids))

    # B: twice, each time shuffled, with forged requests in between.
    rng = random.Random(SEED + 2)
    applied = duplicates = 0
    async with _client(other_runtime, sns) as client:
        for _ in range(2):
            shuffled = list(feed_events)
            rng.shuffle(shuffled)
            for n, (provider, payloads) in enumerate(_batches(shuffled)):
                body = await _post(client, provider, payloads)
                applied += body["applied"]
                duplicates += body["duplicates"]
                if n % 9 == 0:
                    await _forge(client, sns, rng, sids_b)
    assert duplicates == len(feed_events)  # the second pass is all duplicates
    actual = await snapshot(other_runtime, sorted(sids_b))

    for part, want in expected.items():
        got = actual[part]
        if isinstance(want, dict):
            diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)}
            diff = {k: v for k, v in diff.items() if v[0] != v[1]}
            assert not diff, f"{part}: {len(diff)} differ, e.g. {sorted(diff.items())[:5]}"
        else:
            assert got == want, f"{part}: {sorted(set(want) ^ set(got))[:5]}"
    # The feed did something: bounces, complaints and unsubscribes all left their mark.
    reasons = {reason for _, _, _, reason in expected["suppressions"]}
    assert reasons >= {"hard_bounce", "soft_bounce_limit", "complaint"}, reasons
    assert expected["withdrawals"] and applied > 0
    # The shuffle did hit the corner: runs that looked like five until their delivery arrived.
    async with transaction(other_runtime.sessions) as s:
        undone = await s.scalar(
            select(func.count())
            .select_from(DeliveryEvent)
            .where(DeliveryEvent.outcome == "soft_bounce_undone")
        )
    assert undone, "no late delivery undid the soft-bounce rule: the feed misses the corner"
