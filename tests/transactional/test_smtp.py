"""Transactional mail on a real SMTP server: no marketing headers, no tracking, retries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from herald.delivery.ids import Kind, parse_message_id
from herald.kit import clock
from herald.kit.db import transaction
from herald.models.work import Job
from herald.runtime import Runtime
from herald.transactional.jobs import MAX_ATTEMPTS
from herald.worker.runner import Worker
from tests.conftest import TEST_SECRET
from tests.support.smtp import SinkHandler, smtp_sink
from tests.test_public_flow import make_list
from tests.transactional.support import RANKING, RESET, audit_actions, log_rows, send

MARKETING_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID", "List-Id")


@pytest.fixture
def sink() -> Iterator[tuple[SinkHandler, int]]:
    with smtp_sink() as pair:
        yield pair


@pytest.fixture
def settings_overrides(sink: tuple[SinkHandler, int]) -> dict[str, Any]:
    return {
        "distributors": "smtp",
        "smtp_url": f"smtp://127.0.0.1:{sink[1]}",
        "postal_address": "1 Main St, Springfield",
        "quiet_hours_start": 0,  # every hour is quiet for marketing: transactional ignores it
        "quiet_hours_end": 23,
    }


async def _retry_now(rt: Runtime) -> None:
    async with transaction(rt.sessions) as s:
        await s.execute(
            update(Job)
            .where(Job.status == "queued")
            .values(run_at=clock.now() - timedelta(seconds=1))
        )


async def test_delivered_without_marketing_headers_or_tracking(
    db_kind: str,
    sink: tuple[SinkHandler, int],
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    handler, _ = sink
    await make_list(app_client, sys_headers, "news", double_opt_in=False)
    await app_client.post(
        "/public/newsletter/subscribe", json={"email": "fr@example.org", "list": "news"}
    )
    r = await send(
        app_client,
        sys_headers,
        "password_reset",
        "fr@example.org",
        RESET,
        language="fr",
        name="Amélie",
    )
    assert r.status_code == 202
    await send(app_client, sys_headers, "ranking_change", "fr@example.org", RANKING)
    await worker.drain()
    assert [got.rcpt_tos for got in handler.received] == [["fr@example.org"]] * 2
    reset, ranking = sorted(
        (got.message for got in handler.received),
        key=lambda m: int(str(m["Message-ID"]).split(".")[1]),  # <t.{notification id}.…>
    )
    assert reset["Subject"] == "Réinitialisez votre mot de passe"
    assert reset["To"] == "Amélie <fr@example.org>"
    assert reset["Auto-Submitted"] == "auto-generated"
    for msg in (reset, ranking):
        for name in MARKETING_HEADERS:
            assert msg[name] is None, name
        bodies = [p.get_content() for p in msg.walk() if p.get_content_maintype() == "text"]
        assert len(bodies) == 2
        for body in bodies:
            assert "/public/newsletter/open/" not in body and "/click/" not in body
            assert "unsubscribe" not in body.lower() and "1 Main St" not in body
    key = parse_message_id(reset["Message-ID"], [TEST_SECRET.encode()])
    assert key is not None and key.kind is Kind.TRANSACTIONAL
    rows = await log_rows(runtime)
    assert key.notification_id == rows[0].id
    assert [(r.status, r.provider) for r in rows] == [("sent", "smtp"), ("sent", "smtp")]
    assert rows[0].provider_message_id
    # The optional category may carry the preference-centre link, never List-Unsubscribe.
    text = next(p for p in ranking.walk() if p.get_content_type() == "text/plain")
    assert "/en/newsletter/preferences?token=" in text.get_content()


async def test_permanent_refusal_is_logged_as_failed(
    db_kind: str,
    sink: tuple[SinkHandler, int],
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    handler, _ = sink
    handler.refuse["nobody@example.org"] = "550 5.1.1 No such user"
    r = await send(app_client, sys_headers, "password_reset", "nobody@example.org", RESET)
    await worker.drain()
    r = await app_client.get(f"/sys/newsletter/notifications/{r.json()['id']}", headers=sys_headers)
    row = r.json()
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "550" in row["error"]
    assert "notification.failed" in await audit_actions(runtime)
    assert handler.received == []


async def test_temporary_refusals_are_retried_then_given_up(
    db_kind: str,
    sink: tuple[SinkHandler, int],
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    runtime: Runtime,
    worker: Worker,
) -> None:
    handler, _ = sink
    handler.refuse["busy@example.org"] = "451 4.3.0 Try again later"
    await send(app_client, sys_headers, "password_reset", "busy@example.org", RESET)
    await send(app_client, sys_headers, "password_reset", "flaky@example.org", RESET)
    handler.refuse["flaky@example.org"] = "451 4.3.0 Try again later"
    await worker.drain()
    busy, flaky = await log_rows(runtime)
    assert (busy.status, busy.attempts) == ("queued", 1) and busy.error and "451" in busy.error
    del handler.refuse["flaky@example.org"]
    for _ in range(MAX_ATTEMPTS):
        await _retry_now(runtime)
        await worker.drain()
    busy, flaky = await log_rows(runtime)
    assert (flaky.status, flaky.attempts) == ("sent", 2)
    assert (busy.status, busy.attempts) == ("failed", MAX_ATTEMPTS)
    assert busy.content is None
    assert [m.rcpt_tos for m in handler.received] == [["flaky@example.org"]]
