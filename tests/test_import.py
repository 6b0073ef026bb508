"""Streaming CSV import with attested consent: validation, suppression, idempotent re-runs."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from herald.compliance import suppression
from herald.kit.db import transaction
from herald.models.audience import Subscriber, Subscription, SubscriptionTransition
from herald.models.compliance import AuditEntry, ConsentRecord
from herald.models.work import Job
from herald.runtime import Runtime
from herald.worker.runner import Worker
from tests.test_public_flow import make_list

ATTEST = {
    "attested_by": "Maria Data-Protection <dpo@example.org>",
    "attested_at": "2026-05-01T09:00:00Z",
    "consent_method": "Paper forms signed at the 2026 club championship, newsletter box ticked",
    "consent_source": "Championship registration desk, Stockholm",
}


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    list_id: int,
    body: bytes,
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"/sys/newsletter/lists/{list_id}/imports",
        data=ATTEST if fields is None else fields,
        files={"file": ("members.csv", io.BytesIO(body), "text/csv")},
        headers=headers,
    )


async def count(rt: Runtime, model: Any, *where: Any) -> int:
    async with transaction(rt.sessions) as s:
        stmt = select(func.count()).select_from(model)
        for clause in where:
            stmt = stmt.where(clause)
        return int((await s.execute(stmt)).scalar_one())


async def run(
    client: httpx.AsyncClient, headers: dict[str, str], worker: Worker, list_id: int, body: bytes
) -> dict[str, Any]:
    r = await upload(client, headers, list_id, body)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    await worker.drain()
    r = await client.get(f"/sys/newsletter/imports/{r.json()['id']}", headers=headers)
    return dict(r.json())


def make_csv(n: int, bad_every: int = 0, extra: str = "") -> bytes:
    out = io.StringIO()
    out.write("Email,Name,Language,Timezone,Country,role\n")
    for i in range(n):
        if bad_every and i % bad_every == 7:
            out.write(f"not-an-email-{i},Broken {i},en,,SE,player\n")
        elif bad_every and i % bad_every == 11:
            out.write(f"tz{i}@example.com,Bad Zone,en,Mars/Base,SE,player\n")
        elif bad_every and i % bad_every == 13:
            out.write(f"lang{i}@example.com,Bad Lang,de,,SE,player\n")
        else:
            out.write(f"Member.{i}@Example.com,Member {i},sv,Europe/Stockholm,se,coach\n")
    out.write(extra)
    return out.getvalue().encode()


async def test_small_import_end_to_end(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    lst = await make_list(app_client, sys_headers, "members")
    async with transaction(runtime.sessions) as s:
        await suppression.suppress(
            s, "blocked@example.com", tenant_id=None, reason="complaint", stream="marketing"
        )
    body = (
        b"email;name;country;rating\n"
        b"ada@example.com;Ada;GB;2100\n"
        b"ADA@example.com;Ada again;GB;2100\n"
        b"blocked@example.com;Blocked;;\n"
        b"=cmd|' /C calc'!A0;Formula;;\n"
        b"grace@example.com;Grace;;\n"
        b"short-row@example.com\n"
    )
    report = await run(app_client, sys_headers, worker, lst["id"], body)
    assert report["status"] == "done"
    assert report["progress"] == 1.0
    assert (
        report["rows_total"],
        report["rows_imported"],
        report["rows_skipped"],
        report["rows_rejected"],
    ) == (6, 2, 1, 3)
    r = await app_client.get(f"/sys/newsletter/imports/{report['id']}/errors", headers=sys_headers)
    reasons = {e["line"]: e["reason"] for e in r.json()["items"]}
    assert reasons[3] == "duplicate of line 2"
    assert reasons[4] == "skipped: suppressed"
    assert reasons[5] == "invalid email address"
    assert reasons[7].startswith("expected 4 columns")
    r = await app_client.get(
        f"/sys/newsletter/imports/{report['id']}/rejected.csv", headers=sys_headers
    )
    assert r.status_code == 200
    assert "'=cmd" in r.text  # formula cells neutralised in the report
    async with transaction(runtime.sessions) as s:
        ada = (
            await s.execute(select(Subscriber).where(Subscriber.email == "ada@example.com"))
        ).scalar_one()
        assert ada.attributes == {"rating": "2100"}
        assert ada.country == "GB"
        assert ada.source == "import"
        consent = (await s.execute(select(ConsentRecord))).scalars().all()
        assert {c.method for c in consent} == {"import"}
        assert consent[0].import_id == report["id"]
        assert consent[0].evidence["attested_by"] == ATTEST["attested_by"]
        actions = (await s.execute(select(AuditEntry.action))).scalars().all()
        assert "newsletter.import" in actions
    assert await count(runtime, SubscriptionTransition) == 2
    assert await count(runtime, Subscription, Subscription.status == "active") == 2


async def test_rerun_is_idempotent_and_respects_opt_outs(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    lst = await make_list(app_client, sys_headers, "members")
    body = make_csv(50)
    first = await run(app_client, sys_headers, worker, lst["id"], body)
    assert first["rows_imported"] == 50
    # Someone unsubscribes between the two imports: the re-run must not bring them back.
    async with transaction(runtime.sessions) as s:
        sub = (await s.execute(select(Subscription).limit(1))).scalar_one()
        sub.status = "unsubscribed"
    second = await run(app_client, sys_headers, worker, lst["id"], body)
    assert (second["rows_imported"], second["rows_updated"], second["rows_skipped"]) == (0, 49, 1)
    assert await count(runtime, Subscriber) == 50
    assert await count(runtime, ConsentRecord) == 50
    assert await count(runtime, Subscription, Subscription.status == "unsubscribed") == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"name,country\nAda,SE\n", "email column"),
        (b"\x00\x01\x02binary\x00", "NUL"),
        (b"email\nok@example.com\n\xff\xfe broken \xff\n", "UTF-8"),
    ],
)
async def test_unusable_files_fail_with_a_reason(
    body: bytes,
    message: str,
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    worker: Worker,
) -> None:
    lst = await make_list(app_client, sys_headers, "members")
    report = await run(app_client, sys_headers, worker, lst["id"], body)
    assert report["status"] == "failed"
    assert message in report["error"]


async def test_an_import_whose_list_was_deleted_ends_for_good(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    """The list goes, and its queued import with it: the job fails once, with the reason, and
    is not retried; nothing is written."""
    lst = await make_list(app_client, sys_headers, "members")
    r = await upload(app_client, sys_headers, lst["id"], make_csv(20))
    assert r.status_code == 202, r.text
    r = await app_client.delete(f"/sys/newsletter/lists/{lst['id']}", headers=sys_headers)
    assert r.status_code == 204
    await worker.drain()
    async with transaction(runtime.sessions) as s:
        job = (await s.execute(select(Job).where(Job.kind == "audience.import"))).scalar_one()
    assert job.status == "failed" and job.attempts == 1
    assert "its list was deleted" in (job.last_error or "")
    assert await count(runtime, Subscriber) == 0
    assert await count(runtime, Subscription) == 0


async def test_attestation_is_required(
    db_kind: str, app_client: httpx.AsyncClient, sys_headers: dict[str, str], runtime: Runtime
) -> None:
    lst = await make_list(app_client, sys_headers, "members")
    partial = {k: v for k, v in ATTEST.items() if k != "consent_source"}
    r = await upload(app_client, sys_headers, lst["id"], b"email\na@example.com\n", partial)
    assert r.status_code == 422
    assert "consent_source" in r.json()["detail"]
    future = {**ATTEST, "attested_at": "2999-01-01T00:00:00Z"}
    r = await upload(app_client, sys_headers, lst["id"], b"email\na@example.com\n", future)
    assert r.status_code == 422
    r = await upload(app_client, sys_headers, lst["id"], b"", ATTEST)
    assert r.status_code == 422
    assert await count(runtime, Subscriber) == 0


async def test_raw_csv_body_and_tenant_isolation(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    worker: Worker,
    runtime: Runtime,
) -> None:
    from tests.conftest import make_tenant_admin

    token = await make_tenant_admin(runtime, "alpha")
    r = await app_client.post(
        "/sys/newsletter/lists",
        headers=sys_headers,
        json={"slug": "news", "name": "News", "tenant": "alpha"},
    )
    list_id = r.json()["id"]
    r = await app_client.post(
        f"/sys/newsletter/lists/{list_id}/imports",
        params=ATTEST,
        content=b"email\nraw@example.com\n",
        headers={**sys_headers, "content-type": "text/csv"},
    )
    assert r.status_code == 202, r.text
    await worker.drain()
    r = await app_client.get(f"/sys/newsletter/imports/{r.json()['id']}", headers=sys_headers)
    assert r.json()["rows_imported"] == 1
    async with transaction(runtime.sessions) as s:
        sub = (await s.execute(select(Subscriber))).scalar_one()
        assert sub.tenant_id is not None
    r = await app_client.get(
        f"/sys/newsletter/imports/{r.json()['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403


@pytest.mark.slow
async def test_hundred_thousand_rows_with_bad_ones(
    db_kind: str,
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    lst = await make_list(app_client, sys_headers, "members")
    async with transaction(runtime.sessions) as s:
        await suppression.suppress(s, "member.0@example.com", tenant_id=None, reason="hard_bounce")
    body = make_csv(100_000, bad_every=1000, extra="member.5@example.com,Dup,sv,,se,coach\n")
    report = await run(app_client, sys_headers, worker, lst["id"], body)
    bad = 3 * 100  # three kinds of bad row every 1,000
    assert report["status"] == "done"
    assert report["rows_total"] == 100_001
    assert report["rows_rejected"] == bad  # the trailing duplicate sits in another batch
    assert report["rows_skipped"] == 1
    assert report["rows_imported"] == 100_000 - bad - 1
    assert report["rows_updated"] == 1
    assert await count(runtime, Subscriber) == 100_000 - bad - 1
    again = await run(app_client, sys_headers, worker, lst["id"], body)
    assert again["rows_imported"] == 0
    assert await count(runtime, Subscription) == 100_000 - bad - 1
