"""POST /sys/newsletter/transactional/send: suppression rules, the log, audit, auth, languages."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from herald import transactional
from herald.delivery.feedback import EventKind, FeedbackEvent, ingest
from herald.kit.db import transaction
from herald.models.compliance import AuditEntry
from herald.models.work import Job
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.conftest import make_tenant_admin
from tests.test_public_flow import make_list
from tests.transactional.support import (
    RANKING,
    RESET,
    audit_actions,
    log_rows,
    outbox,
    send,
    suppress,
)


async def test_mandatory_reaches_a_complainer_optional_does_not(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    await make_list(app_client, sys_headers, "news", double_opt_in=False)
    r = await app_client.post(
        "/public/newsletter/subscribe", json={"email": "Ada@Example.org", "list": "news"}
    )
    assert r.status_code == 202
    # The person marks a newsletter as spam: the provider reports a complaint.
    async with transaction(runtime.sessions) as s:
        report = await ingest(
            s,
            [
                FeedbackEvent(
                    "mailjet",
                    EventKind.COMPLAINT,
                    datetime.now(UTC),
                    event_id="c-1",
                    recipient="ada@example.org",
                )
            ],
        )
    assert report.applied == 1

    r = await send(app_client, sys_headers, "password_reset", "ada@example.org", RESET)
    assert r.status_code == 202, r.text
    queued = r.json()
    assert (queued["status"], queued["category"], queued["mandatory"]) == (
        "queued",
        "password_reset",
        True,
    )
    r = await send(app_client, sys_headers, "ranking_change", "ada@example.org", RANKING)
    assert r.status_code == 202
    skipped = r.json()
    assert (skipped["status"], skipped["reason"]) == ("skipped_suppressed", "complaint")

    await worker.drain()
    [mail] = await outbox(runtime)
    assert mail.category == "transactional"
    assert mail.subject == "Reset your password"
    assert mail.recipient == "ada@example.org"
    r = await app_client.get(f"/sys/newsletter/notifications/{queued['id']}", headers=sys_headers)
    sent = r.json()
    assert sent["status"] == "sent" and sent["provider"] == "null"
    assert sent["provider_message_id"] == mail.message_id and sent["sent_at"]
    assert sent["attempts"] == 1 and sent["error"] is None
    [first, second] = await log_rows(runtime)
    assert first.content is None and second.content is None  # rendered mail is not kept

    async with transaction(runtime.sessions) as s:
        entries = (
            (await s.execute(select(AuditEntry).where(AuditEntry.target_type == "notification")))
            .scalars()
            .all()
        )
    assert sorted(e.action for e in entries) == ["notification.sent", "notification.skipped"]
    for entry in entries:
        assert entry.actor_type == "api_token"  # who asked, also for the worker's "sent"
        assert "ada@" not in str(entry.details)
        assert entry.details["recipient_hash"]
    actions = await audit_actions(runtime)
    assert actions[-2:] == ["notification.skipped", "notification.sent"]


async def test_hard_bounce_blocks_even_mandatory_mail(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    await suppress(app_client, sys_headers, "gone@example.org", "hard_bounce", "all")
    r = await send(app_client, sys_headers, "password_reset", "Gone@Example.org", RESET)
    assert r.status_code == 202
    body = r.json()
    assert (body["status"], body["reason"], body["email"]) == (
        "skipped_suppressed",
        "hard_bounce",
        "gone@example.org",
    )
    await worker.drain()
    assert await outbox(runtime) == []
    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(Job.id).where(Job.kind == "transactional.send"))).all() == []
    r = await app_client.get(
        "/sys/newsletter/notifications",
        params={"email": "GONE@example.org", "status": "skipped_suppressed"},
        headers=sys_headers,
    )
    assert [i["id"] for i in r.json()["items"]] == [body["id"]]
    assert "notification.skipped" in await audit_actions(runtime)


async def test_suppressed_after_the_request_is_skipped_at_send_time(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    r = await send(app_client, sys_headers, "password_reset", "late@example.org", RESET)
    assert r.json()["status"] == "queued"
    await suppress(app_client, sys_headers, "late@example.org", "hard_bounce", "all")
    await worker.drain()
    assert await outbox(runtime) == []
    [row] = await log_rows(runtime)
    assert (row.status, row.reason, row.attempts) == ("skipped_suppressed", "hard_bounce", 0)


async def test_languages_and_fallback(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    for language in ("sv-SE", "fr", "de", None):
        extra = {"language": language} if language else {}
        r = await send(app_client, sys_headers, "password_reset", "eve@example.org", RESET, **extra)
        assert r.status_code == 202, r.text
    # A subscriber's own language is the default when the caller names none.
    await make_list(app_client, sys_headers, "news", double_opt_in=False)
    await app_client.post(
        "/public/newsletter/subscribe",
        json={"email": "sol@example.org", "list": "news", "language": "es"},
    )
    await send(app_client, sys_headers, "password_reset", "sol@example.org", RESET, name="Sol")
    await worker.drain()
    rows = await log_rows(runtime)
    assert [r.language for r in rows] == ["sv", "fr", "en", "en", "es"]
    subjects = [m.subject for m in await outbox(runtime)]
    assert subjects == [
        "Återställ ditt lösenord",
        "Réinitialisez votre mot de passe",
        "Reset your password",
        "Reset your password",
        "Restablece tu contraseña",
    ]
    spanish = (await outbox(runtime))[-1]
    assert spanish.text_body and spanish.text_body.startswith("Hola, Sol:")


async def test_auth_and_tenant_scoping(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
) -> None:
    payload = {"template": "password_reset", "to": {"email": "x@example.org"}, "data": RESET}
    r = await app_client.post("/sys/newsletter/transactional/send", json=payload)
    assert r.status_code == 401
    assert (await app_client.get("/sys/newsletter/notifications")).status_code == 401
    admin = {"Authorization": f"Bearer {await make_tenant_admin(runtime, 'padel')}"}
    await make_tenant_admin(runtime, "chess")
    r = await app_client.post("/sys/newsletter/transactional/send", json=payload, headers=admin)
    assert r.status_code == 403
    assert (await app_client.get("/sys/newsletter/notifications", headers=admin)).status_code == 403
    assert await log_rows(runtime) == []

    mine = await send(
        app_client, sys_headers, "password_reset", "p@example.org", RESET, tenant="padel"
    )
    theirs = await send(
        app_client, sys_headers, "password_reset", "c@example.org", RESET, tenant="chess"
    )
    assert mine.json()["tenant_id"] != theirs.json()["tenant_id"]
    r = await app_client.get("/admin/newsletter/notifications", headers=admin)
    assert r.status_code == 200
    assert [i["id"] for i in r.json()["items"]] == [mine.json()["id"]]
    r = await send(app_client, sys_headers, "password_reset", "n@example.org", RESET, tenant="nope")
    assert r.status_code == 404


async def test_log_pages_and_filters(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
) -> None:
    ids = []
    for i in range(5):
        r = await send(app_client, sys_headers, "password_reset", f"u{i}@example.org", RESET)
        ids.append(r.json()["id"])
    await send(app_client, sys_headers, "ranking_change", "u0@example.org", RANKING)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, "template": "password_reset"}
        if cursor:
            params["cursor"] = cursor
        r = await app_client.get(
            "/sys/newsletter/notifications", params=params, headers=sys_headers
        )
        body = r.json()
        assert set(body) == {"items", "next_cursor"}
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids, reverse=True)
    r = await app_client.get(
        "/sys/newsletter/notifications",
        params={"email": "u0@example.org", "category": "ranking_change"},
        headers=sys_headers,
    )
    assert [i["template"] for i in r.json()["items"]] == ["ranking_change"]
    r = await app_client.get("/sys/newsletter/notifications/999999", headers=sys_headers)
    assert r.status_code == 404
    r = await app_client.get("/sys/newsletter/transactional/templates", headers=sys_headers)
    by_key = {t["key"]: t for t in r.json()}
    assert by_key["ranking_change"] == {
        "key": "ranking_change",
        "category": "ranking_change",
        "mandatory": False,
        "languages": ["en", "es", "fr", "sv"],
    }
    assert by_key["password_reset"]["mandatory"] is True


async def test_embedding_call_sends_only_when_the_caller_commits(
    db_kind: str, runtime: Runtime, worker: Worker
) -> None:
    async with runtime.sessions() as session:
        await transactional.send(
            session,
            "booking_confirmation",
            to="guest@example.org",
            data={"booking_reference": "B-17", "starts_at": "2026-06-02 18:00"},
            notifier=runtime.notifier(),
        )
        await session.rollback()
    async with transaction(runtime.sessions) as session:
        row = await transactional.send(
            session,
            "booking_confirmation",
            to="guest@example.org",
            name="Guest",
            data={
                "booking_reference": "B-18",
                "starts_at": "2026-06-02 18:00",
                "location": "Court 2",
            },
            notifier=runtime.notifier(),
        )
        assert row.status == "queued"
    await worker.drain()
    [mail] = await outbox(runtime)
    assert mail.subject == "Booking confirmed: B-18"
    assert mail.text_body and "Court 2" in mail.text_body
    [logged] = await log_rows(runtime)
    assert (logged.status, logged.requested_by) == ("sent", "system:herald")
