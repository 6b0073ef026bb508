"""Subscribe hardening: honeypot, rate limit per real client IP, enumeration, captcha, bad input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from herald.compliance import suppression
from herald.kit.db import transaction
from herald.kit.tokens import Purpose
from herald.models.audience import Subscriber, Subscription
from herald.models.delivery import OutboxMessage
from herald.runtime import Runtime
from herald.web.app import create_app
from herald.worker.runner import Worker
from tests.test_public_flow import make_list


async def count(rt: Runtime, model: Any) -> int:
    async with transaction(rt.sessions) as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_honeypot_stores_nothing(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    await make_list(app_client, sys_headers)
    r = await app_client.post(
        "/public/newsletter/subscribe",
        data={"email": "bot@example.com", "list": "news", "website": "http://spam.example"},
    )
    assert r.status_code == 202
    assert r.json() == {"status": "pending"}
    assert await count(runtime, Subscriber) == 0


async def test_unknown_and_known_addresses_answer_alike(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    await make_list(app_client, sys_headers)
    first = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "a@example.com", "list": "news"}
    )
    again = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "A@example.com", "list": "news"}
    )
    assert (first.status_code, first.json()) == (again.status_code, again.json())
    # Re-requests within minutes do not mail-bomb the address.
    await worker.drain()
    assert await count(runtime, OutboxMessage) == 1
    # A hard-bounced address is answered the same, and nothing is stored for it.
    async with transaction(runtime.sessions) as s:
        await suppression.suppress(s, "gone@example.com", tenant_id=None, reason="hard_bounce")
    r = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "gone@example.com", "list": "news"}
    )
    assert (r.status_code, r.json()) == (202, {"status": "pending"})
    async with transaction(runtime.sessions) as s:
        emails = set((await s.execute(select(Subscriber.email))).scalars())
    assert emails == {"a@example.com"}


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"email": "not-an-email", "list": "news"}, 422),
        ({"email": "", "list": "news"}, 422),
        ({"list": "news"}, 422),
        ({"email": "a@example.com"}, 422),
        ({"email": "a@example.com", "list": "nope"}, 422),
        ({"email": "a@example.com\r\nBcc: x@example.com", "list": "news"}, 422),
        ({"email": "a@example.com", "list": "news", "language": "de"}, 422),
        ({"email": ["a@example.com"], "list": "news"}, 422),
        ({"email": "a" * 400 + "@example.com", "list": "news"}, 422),
        ({"email": "a@example.com", "list": ["x" * 100]}, 422),
    ],
)
async def test_bad_input_is_a_clear_error(
    payload: dict[str, Any],
    status: int,
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
) -> None:
    await make_list(app_client, sys_headers)
    r = await app_client.post("/public/newsletter/subscribe", json=payload)
    assert r.status_code == status, r.text
    assert r.json()["detail"]
    assert await count(runtime, Subscriber) == 0


async def test_malformed_bodies(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str]
) -> None:
    await make_list(app_client, sys_headers)
    for body, ctype in [
        (b"{not json", "application/json"),
        (b"[1,2,3]", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"x" * 70_000, "application/json"),
    ]:
        r = await app_client.post(
            "/public/newsletter/subscribe", content=body, headers={"content-type": ctype}
        )
        assert r.status_code == 422, (body[:20], r.text)


async def test_unknown_timezone_falls_back_instead_of_failing(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    await make_list(app_client, sys_headers)
    r = await app_client.post(
        "/public/newsletter/subscribe",
        json={"email": "tz@example.com", "list": "news", "timezone": "Mars/Olympus"},
    )
    assert r.status_code == 202
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(Subscriber.timezone))).scalar_one() is None


async def _client_for(rt: Runtime, peer: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=rt)
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://herald.test") as c:
        yield c


@pytest.mark.parametrize("settings_overrides", [{"trusted_proxies": "10.0.0.0/8"}])
async def test_rate_limit_by_real_ip_not_spoofed_header(
    db_kind: str, runtime: Runtime, sys_headers: dict[str, str]
) -> None:
    async for direct in _client_for(runtime, "198.51.100.20"):
        await make_list(direct, sys_headers)
        for i in range(5):
            r = await direct.post(
                "/public/newsletter/subscribe",
                json={"email": f"u{i}@example.com", "list": "news"},
                headers={"x-forwarded-for": f"192.0.2.{i}"},  # spoofing must not help
            )
            assert r.status_code == 202
        r = await direct.post(
            "/public/newsletter/subscribe",
            json={"email": "u6@example.com", "list": "news"},
            headers={"x-forwarded-for": "192.0.2.99"},
        )
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
    # Behind a trusted proxy, the forwarded client address is what counts.
    async for proxied in _client_for(runtime, "10.1.2.3"):
        for i in range(5):
            r = await proxied.post(
                "/public/newsletter/subscribe",
                json={"email": f"p{i}@example.com", "list": "news"},
                headers={"x-forwarded-for": "203.0.113.77"},
            )
            assert r.status_code == 202
        r = await proxied.post(
            "/public/newsletter/subscribe",
            json={"email": "p6@example.com", "list": "news"},
            headers={"x-forwarded-for": "203.0.113.77"},
        )
        assert r.status_code == 429
        # Another client behind the same proxy is not punished.
        r = await proxied.post(
            "/public/newsletter/subscribe",
            json={"email": "q@example.com", "list": "news"},
            headers={"x-forwarded-for": "6.6.6.6, 203.0.113.78"},
        )
        assert r.status_code == 202


async def test_two_hundred_concurrent_subscribes_leave_one_subscriber(
    db_kind: str, runtime: Runtime, sys_headers: dict[str, str]
) -> None:
    runtime.settings.subscribe_rate_limit = 10_000
    variants = ["Case.Mix@Example.com", "case.mix@example.com", "CASE.MIX@EXAMPLE.COM"]
    async for client in _client_for(runtime, "198.51.100.30"):
        await make_list(client, sys_headers, "news")
        await make_list(client, sys_headers, "events")
        results = await asyncio.gather(
            *(
                client.post(
                    "/public/newsletter/subscribe",
                    json={"email": variants[i % 3], "lists": ["news", "events"]},
                )
                for i in range(200)
            )
        )
    assert {r.status_code for r in results} == {202}
    assert await count(runtime, Subscriber) == 1
    assert await count(runtime, Subscription) == 2


@pytest.mark.parametrize("kind", ["forged", "expired", "wrong_purpose", "malformed"])
async def test_public_token_endpoints_refuse_bad_tokens(
    kind: str,
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
) -> None:
    from datetime import timedelta

    from herald.kit import clock
    from herald.kit.tokens import TokenSigner

    await make_list(app_client, sys_headers, double_opt_in=False)
    await app_client.post(
        "/public/newsletter/subscribe", json={"email": "t@example.com", "list": "news"}
    )
    async with transaction(runtime.sessions) as s:
        sid = (await s.execute(select(Subscriber.id))).scalar_one()

    def token(purpose: Purpose) -> str:
        if kind == "forged":
            return TokenSigner([b"not-the-key"]).issue(purpose, sid)
        if kind == "expired":
            return runtime.signer.issue(purpose, sid, now=clock.now() - timedelta(days=400))
        if kind == "wrong_purpose":
            return runtime.signer.issue(Purpose.CLICK, sid)
        return "definitely-not-a-token"

    r = await app_client.get(f"/public/newsletter/confirm?token={token(Purpose.CONFIRM)}")
    assert r.status_code == 400
    assert "<html" in r.text
    r = await app_client.get(f"/public/newsletter/preferences/{token(Purpose.PREFS)}")
    assert r.status_code == 400
    r = await app_client.put(
        f"/public/newsletter/preferences/{token(Purpose.PREFS)}", json={"lists": {"news": False}}
    )
    assert r.status_code == 400
    page = await app_client.get(f"/en/newsletter/preferences?token={token(Purpose.PREFS)}")
    assert page.status_code == 400
    for path in ("unsubscribe", "unsubscribe-all"):
        r = await app_client.post(f"/public/newsletter/{path}/{token(Purpose.UNSUB)}")
        assert r.status_code == 400
    r = await app_client.post(
        f"/public/newsletter/list-unsubscribe/{token(Purpose.UNSUB)}",
        data={"List-Unsubscribe": "One-Click"},
    )
    assert r.status_code == 400
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(Subscription.status))).scalar_one() == "active"


async def test_one_click_requires_the_rfc8058_body(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    await make_list(app_client, sys_headers, double_opt_in=False)
    await app_client.post(
        "/public/newsletter/subscribe", json={"email": "t@example.com", "list": "news"}
    )
    async with transaction(runtime.sessions) as s:
        sid = (await s.execute(select(Subscriber.id))).scalar_one()
    token = runtime.signer.issue(Purpose.UNSUB, sid)
    for body in ({}, {"List-Unsubscribe": "Yes"}):
        r = await app_client.post(f"/public/newsletter/list-unsubscribe/{token}", data=body)
        assert r.status_code == 400
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(Subscription.status))).scalar_one() == "active"
