"""The whole public cycle: subscribe → confirmation email → confirm → preferences → one-click."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from herald.kit.db import transaction
from herald.models.audience import Subscriber, Subscription, SubscriptionTransition
from herald.models.compliance import AuditEntry, ConsentRecord
from herald.models.delivery import OutboxMessage
from herald.runtime import Runtime
from herald.worker.runner import Worker


async def make_list(
    client: httpx.AsyncClient, headers: dict[str, str], slug: str = "news", **extra: object
) -> dict[str, object]:
    r = await client.post(
        "/sys/newsletter/lists", json={"slug": slug, "name": slug.title(), **extra}, headers=headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def outbox(rt: Runtime) -> list[OutboxMessage]:
    async with transaction(rt.sessions) as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


def confirm_link(message: OutboxMessage) -> str:
    assert message.text_body
    match = re.search(
        r"http://herald\.test(/public/newsletter/confirm\?token=[\w.\-]+)", message.text_body
    )
    assert match, message.text_body
    return match.group(1)


async def test_full_cycle(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    created = await make_list(app_client, sys_headers, "news", timezone="Europe/Paris")
    assert created["double_opt_in"] is True and created["tenant"] is None
    assert created["timezone"] == "Europe/Paris"
    await make_list(app_client, sys_headers, "events")

    r = await app_client.post(
        "/public/newsletter/subscribe",
        json={
            "email": "Ada.Lovelace@Example.COM",
            "list": "news",
            "name": "Ada",
            "language": "sv",
            "timezone": "Europe/Stockholm",
            "form_id": "footer",
        },
        headers={"user-agent": "pytest-browser/1.0"},
    )
    assert r.status_code == 202 and r.json() == {"status": "pending"}

    # Pending until confirmed; the confirmation goes out through the distributor, in Swedish.
    assert await worker.drain() >= 1
    mails = await outbox(runtime)
    assert len(mails) == 1
    mail = mails[0]
    assert mail.recipient == "ada.lovelace@example.com"
    assert mail.category == "transactional"
    assert mail.subject == "Bekräfta din prenumeration"
    assert "List-Unsubscribe" not in mail.headers

    r = await app_client.get(confirm_link(mail))
    assert r.status_code == 200
    assert 'lang="sv"' in r.text and "Prenumerationen är bekräftad" in r.text
    # Idempotent.
    r = await app_client.get(confirm_link(mail))
    assert r.status_code == 200

    r = await app_client.get(
        "/sys/newsletter/subscribers",
        params={"email": "ADA.lovelace@example.com"},
        headers=sys_headers,
    )
    body = r.json()
    assert body["next_cursor"] is None
    [sub] = body["items"]
    assert sub["email"] == "ada.lovelace@example.com" and sub["language"] == "sv"
    assert sub["subscriptions"] == [
        {
            "list": "news",
            "list_id": created["id"],
            "status": "active",
            "status_changed_at": sub["subscriptions"][0]["status_changed_at"],
            "confirmed_at": sub["subscriptions"][0]["confirmed_at"],
        }
    ]

    prefs_path = re.search(r'href="(/sv/newsletter/preferences\?token=([\w.\-]+))"', r.text or "")
    async with transaction(runtime.sessions) as s:
        subscriber = (await s.execute(select(Subscriber))).scalar_one()
    from herald.kit.tokens import Purpose

    prefs_token = runtime.signer.issue(Purpose.PREFS, subscriber.id)
    r = await app_client.get(f"/public/newsletter/preferences/{prefs_token}")
    assert r.status_code == 200
    data = r.json()
    assert data["email"] == "ada.lovelace@example.com" and data["language"] == "sv"
    assert {(i["slug"], i["subscribed"]) for i in data["lists"]} == {
        ("news", True),
        ("events", False),
    }
    r = await app_client.put(
        f"/public/newsletter/preferences/{prefs_token}",
        json={"name": "Ada L.", "language": "fr", "lists": {"events": True}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["language"] == "fr"
    assert {(i["slug"], i["subscribed"]) for i in r.json()["lists"]} == {
        ("news", True),
        ("events", True),
    }
    page = await app_client.get(f"/fr/newsletter/preferences?token={prefs_token}")
    assert page.status_code == 200 and "Vos préférences e-mail" in page.text
    assert prefs_path is None or prefs_path  # the confirm page links the preference centre

    unsub = runtime.signer.issue(Purpose.UNSUB, subscriber.id, int(str(created["id"])))
    r = await app_client.post(
        f"/public/newsletter/list-unsubscribe/{unsub}",
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200
    assert "set-cookie" not in r.headers and "location" not in r.headers

    async with transaction(runtime.sessions) as s:
        statuses = {
            row.list_id: row.status for row in (await s.execute(select(Subscription))).scalars()
        }
        assert statuses[created["id"]] == "unsubscribed"
        assert sorted(statuses.values()) == ["active", "unsubscribed"]
        history = [
            (t.from_status, t.to_status)
            for t in (
                await s.execute(select(SubscriptionTransition).order_by(SubscriptionTransition.id))
            ).scalars()
        ]
        assert (None, "pending") in history and ("pending", "active") in history
        assert ("active", "unsubscribed") in history
        consent = (
            (await s.execute(select(ConsentRecord).order_by(ConsentRecord.id))).scalars().all()
        )
        first = consent[0]
        assert first.method == "form" and first.form_id == "footer" and first.action == "granted"
        assert first.ip_hash and "203.0.113.10" not in first.ip_hash
        assert first.user_agent_hash and len(first.user_agent_hash) == 64
        assert [c.action for c in consent].count("withdrawn") == 1
        actions = [a.action for a in (await s.execute(select(AuditEntry))).scalars()]
        for expected in (
            "newsletter.subscribe",
            "newsletter.confirm",
            "newsletter.preferences",
            "newsletter.unsubscribe",
        ):
            assert expected in actions


@pytest.mark.parametrize("content_type", ["urlencoded", "multipart"])
async def test_one_click_both_encodings_and_get_is_safe(
    content_type: str,
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
) -> None:
    lst = await make_list(app_client, sys_headers, "news", double_opt_in=False)
    r = await app_client.post(
        "/public/newsletter/subscribe", data={"email": "bob@example.org", "list": "news"}
    )
    assert r.status_code == 202
    async with transaction(runtime.sessions) as s:
        sub = (await s.execute(select(Subscriber))).scalar_one()
        assert (await s.execute(select(Subscription.status))).scalar_one() == "active"
    from herald.kit.tokens import Purpose

    token = runtime.signer.issue(Purpose.UNSUB, sub.id, int(str(lst["id"])))
    page = await app_client.get(f"/public/newsletter/list-unsubscribe/{token}")
    assert page.status_code == 200 and "<form" in page.text
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(Subscription.status))).scalar_one() == "active"
    if content_type == "urlencoded":
        r = await app_client.post(
            f"/public/newsletter/list-unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
        )
    else:
        r = await app_client.post(
            f"/public/newsletter/list-unsubscribe/{token}",
            files={"List-Unsubscribe": (None, "One-Click")},
        )
    assert r.status_code == 200, r.text
    assert "location" not in r.headers and "set-cookie" not in r.headers
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(Subscription.status))).scalar_one() == "unsubscribed"
    # Replaying is harmless.
    r = await app_client.post(
        f"/public/newsletter/list-unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert r.status_code == 200
