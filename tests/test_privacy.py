"""GDPR erasure, formula-safe CSV export, the audit trail API and the subscriber timeline."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import func, select

from herald.kit.db import transaction
from herald.kit.tokens import Purpose
from herald.models.audience import Subscriber, Subscription, SubscriptionTransition
from herald.models.compliance import AuditEntry, ConsentRecord, Suppression
from herald.models.delivery import OutboxMessage
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.test_import import run
from tests.test_public_flow import make_list


async def subscribe_and_confirm(
    client: httpx.AsyncClient, worker: Worker, rt: Runtime, email: str, **extra: str
) -> int:
    r = await client.post(
        "/public/newsletter/subscribe", json={"email": email, "list": "news", **extra}
    )
    assert r.status_code == 202
    await worker.drain()
    async with transaction(rt.sessions) as s:
        sid = (
            await s.execute(select(Subscriber.id).where(Subscriber.email == email.lower()))
        ).scalar_one()
    r = await client.get(
        f"/public/newsletter/confirm?token={rt.signer.issue(Purpose.CONFIRM, sid)}"
    )
    assert r.status_code == 200
    return int(sid)


async def test_erasure_leaves_only_hash_and_audit(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    lst = await make_list(app_client, sys_headers)
    sid = await subscribe_and_confirm(app_client, worker, runtime, "Erase.Me@Example.com")
    keep = await subscribe_and_confirm(app_client, worker, runtime, "keep@example.com")
    prefs = runtime.signer.issue(Purpose.PREFS, sid)

    r = await app_client.post(
        f"/sys/newsletter/subscribers/{sid}/erase", json={}, headers=sys_headers
    )
    assert r.status_code == 422  # a reason is required
    r = await app_client.post(
        f"/sys/newsletter/subscribers/{sid}/erase",
        json={"reason": "DSR-2026-0042"},
        headers=sys_headers,
    )
    assert r.status_code == 200, r.text
    digest = r.json()["suppression_hash"]

    async with transaction(runtime.sessions) as s:
        assert (await s.execute(select(Subscriber.id))).scalars().all() == [keep]
        for model, col in (
            (Subscription, Subscription.subscriber_id),
            (ConsentRecord, ConsentRecord.subscriber_id),
        ):
            n = (
                await s.execute(select(func.count()).select_from(model).where(col == sid))
            ).scalar_one()
            assert n == 0, model
        n = (await s.execute(select(func.count()).select_from(SubscriptionTransition))).scalar_one()
        assert n == 2  # only the kept subscriber's history remains
        outbox = (await s.execute(select(OutboxMessage.recipient))).scalars().all()
        assert "erase.me@example.com" not in outbox
        sup = (await s.execute(select(Suppression))).scalar_one()
        assert (sup.reason, sup.stream) == ("erasure", "all")
        assert sup.email_hash.startswith(digest)
        entries = (await s.execute(select(AuditEntry))).scalars().all()
        erase = [e for e in entries if e.action == "newsletter.gdpr_erase"]
        assert len(erase) == 1
        assert erase[0].details == {"email_hash": digest, "reason": "DSR-2026-0042"}
        for e in entries:  # no trace of the address anywhere in the audit trail
            assert "erase.me" not in str(e.details).lower()

    # Old links stop working; a re-import skips the address; 404 for a second erasure.
    assert (await app_client.get(f"/public/newsletter/preferences/{prefs}")).status_code == 400
    report = await run(
        app_client,
        sys_headers,
        worker,
        lst["id"],
        b"email\nerase.me@example.com\nnew@example.com\n",
    )
    assert (report["rows_imported"], report["rows_skipped"]) == (1, 1)
    r = await app_client.post(
        f"/sys/newsletter/subscribers/{sid}/erase", json={"reason": "again"}, headers=sys_headers
    )
    assert r.status_code == 404
    # The person can still come back through a confirmed double opt-in.
    back = await subscribe_and_confirm(app_client, worker, runtime, "erase.me@example.com")
    r = await app_client.get(f"/sys/newsletter/subscribers/{back}", headers=sys_headers)
    assert r.json()["subscriptions"][0]["status"] == "active"


async def test_export_is_formula_safe(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    lst = await make_list(app_client, sys_headers)
    body = (
        b"email,name,note\n"
        b'a@example.com,=HYPERLINK("http://evil.example"),+1\n'
        b"b@example.com,@SUM(A1),-2\n"
        b"c@example.com,-10% off,\rreturn\n"
        b"d@example.com,Plain Name,ok\n"
    )
    report = await run(app_client, sys_headers, worker, lst["id"], body)
    assert report["rows_imported"] == 4
    r = await app_client.get(f"/sys/newsletter/lists/{lst['id']}/export.csv", headers=sys_headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    names = {row["email"]: row["name"] for row in rows}
    assert names["a@example.com"] == '\'=HYPERLINK("http://evil.example")'
    assert names["b@example.com"] == "'@SUM(A1)"
    assert names["c@example.com"] == "'-10% off"
    assert names["d@example.com"] == "Plain Name"
    assert all(row["list"] == "news" and row["status"] == "active" for row in rows)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    async with transaction(runtime.sessions) as s:
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
    assert "newsletter.export" in actions


async def test_audit_api_and_timeline(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    await make_list(app_client, sys_headers)
    sid = await subscribe_and_confirm(
        app_client, worker, runtime, "t@example.com", form_id="footer"
    )
    r = await app_client.get(
        "/sys/newsletter/audit", params={"action": "newsletter.", "limit": 2}, headers=sys_headers
    )
    assert r.status_code == 200
    body = r.json()
    assert [i["action"] for i in body["items"]] == ["newsletter.confirm", "newsletter.subscribe"]
    assert body["next_cursor"]
    r = await app_client.get(
        "/sys/newsletter/audit", params={"cursor": body["next_cursor"]}, headers=sys_headers
    )
    assert [i["action"] for i in r.json()["items"]] == ["newsletter.list_created"]
    r = await app_client.get(
        "/sys/newsletter/audit",
        params={"target_type": "subscriber", "target_id": str(sid)},
        headers=sys_headers,
    )
    assert len(r.json()["items"]) == 2
    r = await app_client.get("/sys/newsletter/audit/export.csv", headers=sys_headers)
    assert r.status_code == 200
    assert r.text.count("\n") == 4  # header + three entries
    r = await app_client.get(f"/sys/newsletter/subscribers/{sid}/timeline", headers=sys_headers)
    kinds = [(i["kind"], i["summary"]) for i in r.json()]
    assert ("consent", "consent granted (form)") in kinds
    assert ("state", "new → pending") in kinds
    assert ("state", "pending → active") in kinds
    assert ("consent", "consent confirmed (double_opt_in)") in kinds
    assert ("audit", "newsletter.confirm") in kinds
    times = [i["at"] for i in r.json()]
    assert times == sorted(times)
