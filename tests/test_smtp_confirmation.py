"""The confirmation email received by a real SMTP server when HERALD_DISTRIBUTORS=smtp."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from herald.worker.runner import Worker
from tests.support.smtp import SinkHandler, smtp_sink
from tests.test_public_flow import make_list


@pytest.fixture
def sink() -> Iterator[tuple[SinkHandler, int]]:
    with smtp_sink() as pair:
        yield pair


@pytest.fixture
def settings_overrides(sink: tuple[SinkHandler, int]) -> dict[str, Any]:
    return {"distributors": "smtp", "smtp_url": f"smtp://127.0.0.1:{sink[1]}"}


async def test_confirmation_over_smtp_then_confirm(
    db_kind: str,
    sink: tuple[SinkHandler, int],
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    worker: Worker,
) -> None:
    handler, _ = sink
    await make_list(app_client, sys_headers)
    r = await app_client.post(
        "/public/newsletter/subscribe",
        json={"email": "Grace@Example.org", "list": "news", "language": "es", "name": "Grace"},
    )
    assert r.status_code == 202
    await worker.drain()
    assert len(handler.received) == 1
    got = handler.received[0]
    assert got.rcpt_tos == ["grace@example.org"]
    msg = got.message
    assert msg["Subject"] == "Confirma tu suscripción"
    from herald.delivery.ids import Kind, parse_message_id
    from tests.conftest import TEST_SECRET

    key = parse_message_id(msg["Message-ID"], [TEST_SECRET.encode()])
    assert key is not None
    assert key.kind is Kind.CONFIRMATION
    assert msg["List-Unsubscribe"] is None  # transactional mail carries no marketing headers
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert "Hola, Grace:" in body
    link = re.search(r"http://herald\.test(/public/newsletter/confirm\?token=[\w.\-]+)", body)
    assert link
    page = await app_client.get(link.group(1))
    assert page.status_code == 200
    assert 'lang="es"' in page.text
    r = await app_client.get(
        "/sys/newsletter/subscribers", params={"email": "grace@example.org"}, headers=sys_headers
    )
    assert r.json()["items"][0]["subscriptions"][0]["status"] == "active"


async def test_smtp_refusal_is_retried_then_given_up(
    db_kind: str,
    sink: tuple[SinkHandler, int],
    app_client: httpx.AsyncClient,
    sys_headers: dict[str, str],
    worker: Worker,
) -> None:
    from sqlalchemy import select

    from herald.kit.db import transaction
    from herald.models.work import Job

    handler, _ = sink
    handler.refuse["nobody@example.org"] = "550 5.1.1 No such user"
    await make_list(app_client, sys_headers)
    await app_client.post(
        "/public/newsletter/subscribe", json={"email": "nobody@example.org", "list": "news"}
    )
    await worker.drain()
    async with transaction(worker.rt.sessions) as s:
        job = (await s.execute(select(Job))).scalar_one()
    assert job.status == "failed"  # permanent: no retry storm
    assert job.last_error
    assert "550" in job.last_error
    assert handler.received == []
