"""Opting out of optional notification categories in the preference centre (JSON and page)."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from herald.kit.db import transaction
from herald.kit.tokens import Purpose
from herald.models.audience import Subscriber
from herald.models.transactional import Notification, NotificationOptOut
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.conftest import make_tenant_admin
from tests.test_public_flow import make_list
from tests.transactional.support import RANKING, RESET, audit_actions, log_rows, outbox, send


async def _subscriber(
    client: httpx.AsyncClient, headers: dict[str, str], rt: Runtime, email: str, lang: str = "en"
) -> str:
    """An active subscriber of list ``news``; returns a preference-centre token."""
    await client.post(
        "/public/newsletter/subscribe", json={"email": email, "list": "news", "language": lang}
    )
    async with transaction(rt.sessions) as s:
        sub = (
            await s.execute(select(Subscriber).where(Subscriber.email_normalized == email))
        ).scalar_one()
    return rt.signer.issue(Purpose.PREFS, sub.id)


async def test_opt_out_by_json_is_honoured(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    await make_list(app_client, sys_headers, "news", double_opt_in=False)
    token = await _subscriber(app_client, sys_headers, runtime, "ada@example.org")
    url = f"/public/newsletter/preferences/{token}"
    r = await app_client.get(url)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"email", "name", "language", "lists", "notifications"}
    assert body["lists"] == [{"slug": "news", "name": "News", "subscribed": True}]
    assert body["notifications"] == [
        {"category": "ranking_change", "name": "Ranking changes", "subscribed": True}
    ]

    r = await app_client.put(url, json={"notifications": {"ranking_change": False}})
    assert r.status_code == 200, r.text
    assert r.json()["notifications"][0]["subscribed"] is False
    assert r.json()["lists"][0]["subscribed"] is True
    actions = await audit_actions(runtime)
    assert actions[-1] == "notification.category_opt_out"
    assert "newsletter.preferences" not in actions  # nothing newsletter-related changed

    for body_ in (
        {"notifications": {"password_reset": False}},
        {"notifications": {"no_such_category": False}},
        {"notifications": {"ranking_change": "maybe"}},
    ):
        r = await app_client.put(url, json=body_)
        assert r.status_code == 422, body_
    # Turning a mandatory category "on" is harmless.
    r = await app_client.put(url, json={"notifications": {"password_reset": True}})
    assert r.status_code == 200

    r = await send(app_client, sys_headers, "ranking_change", "ada@example.org", RANKING)
    assert (r.json()["status"], r.json()["reason"]) == ("skipped_opted_out", "opted_out")
    r = await send(app_client, sys_headers, "password_reset", "ada@example.org", RESET)
    assert r.json()["status"] == "queued"
    # The opt-out belongs to the platform-wide subscriber, not to the address in a tenant.
    await make_tenant_admin(runtime, "padel")
    r = await send(
        app_client, sys_headers, "ranking_change", "ada@example.org", RANKING, tenant="padel"
    )
    assert r.json()["status"] == "queued"
    r = await app_client.put(url, json={"notifications": {"ranking_change": True}})
    assert r.json()["notifications"][0]["subscribed"] is True
    assert (await audit_actions(runtime))[-1] == "notification.category_opt_in"
    r = await send(app_client, sys_headers, "ranking_change", "ada@example.org", RANKING)
    assert r.json()["status"] == "queued"
    await worker.drain()
    assert [m.subject for m in await outbox(runtime)] == [
        "Reset your password",
        "Your ranking changed: now #3",
        "Your ranking changed: now #3",
    ]


async def test_optional_mail_links_the_preference_centre_page(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    await make_list(app_client, sys_headers, "news", double_opt_in=False)
    await _subscriber(app_client, sys_headers, runtime, "sven@example.org", lang="sv")
    await send(app_client, sys_headers, "ranking_change", "sven@example.org", RANKING)
    await send(app_client, sys_headers, "password_reset", "sven@example.org", RESET)
    await send(app_client, sys_headers, "ranking_change", "stranger@example.org", RANKING)
    await worker.drain()
    ranking, reset, stranger = await outbox(runtime)
    assert reset.text_body and "preferences" not in reset.text_body  # mandatory: no opt-out link
    assert stranger.text_body and "preferences" not in stranger.text_body  # not a subscriber
    assert ranking.subject == "Din ranking har ändrats: nu nr 3"
    assert ranking.text_body and ranking.html_body
    match = re.search(
        r"http://herald\.test(/sv/newsletter/preferences\?token=[\w.\-]+)", ranking.text_body
    )
    assert match, ranking.text_body
    assert match.group(1).replace("&", "&amp;") in ranking.html_body

    page = await app_client.get(match.group(1))
    assert page.status_code == 200
    assert "Aviseringar" in page.text and 'value="ranking_change" checked' in page.text
    assert "Ändringar i rankingen" in page.text
    assert "Skickas alltid: Återställning av lösenord, Bokningsbekräftelser." in page.text
    # The form without the box ticked opts out; list subscriptions stay as they are.
    r = await app_client.post(
        match.group(1), data={"lists_present": "1", "list": "news", "notifications_present": "1"}
    )
    assert r.status_code == 200
    assert 'value="ranking_change">' in r.text
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(NotificationOptOut.category))).scalars().all() == [
            "ranking_change"
        ]
    r = await send(app_client, sys_headers, "ranking_change", "sven@example.org", RANKING)
    assert r.json()["status"] == "skipped_opted_out"
    for lang, title in (("en", "Notifications"), ("fr", "Notifications"), ("es", "Notificaciones")):
        page = await app_client.get(match.group(1).replace("/sv/", f"/{lang}/"))
        assert title in page.text


async def test_erasure_covers_the_log_and_opt_outs(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    await make_list(app_client, sys_headers, "news", double_opt_in=False)
    token = await _subscriber(app_client, sys_headers, runtime, "gdpr@example.org")
    await app_client.put(
        f"/public/newsletter/preferences/{token}", json={"notifications": {"ranking_change": False}}
    )
    await send(app_client, sys_headers, "password_reset", "gdpr@example.org", RESET)
    await send(app_client, sys_headers, "ranking_change", "gdpr@example.org", RANKING)
    await send(app_client, sys_headers, "password_reset", "other@example.org", RESET)
    await worker.drain()
    async with transaction(runtime.sessions) as s:
        sid = (
            await s.execute(
                select(Subscriber.id).where(Subscriber.email_normalized == "gdpr@example.org")
            )
        ).scalar_one()
    r = await app_client.post(
        f"/sys/newsletter/subscribers/{sid}/erase",
        json={"reason": "ticket 42"},
        headers=sys_headers,
    )
    assert r.status_code == 200, r.text
    assert [row.recipient for row in await log_rows(runtime)] == ["other@example.org"]
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(NotificationOptOut))).all() == []
        assert (await s.execute(select(Notification.id))).all() != []
    # Erased means suppressed for all mail, mandatory included.
    r = await send(app_client, sys_headers, "password_reset", "gdpr@example.org", RESET)
    assert (r.json()["status"], r.json()["reason"]) == ("skipped_suppressed", "erasure")
