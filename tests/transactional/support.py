"""Helpers for the transactional stream tests: send through the API, read the log and outbox."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from herald.delivery.ids import parse_message_id
from herald.kit.db import transaction
from herald.models.compliance import AuditEntry
from herald.models.delivery import OutboxMessage
from herald.models.transactional import Notification
from herald.runtime import Runtime
from tests.conftest import TEST_SECRET

SEND = "/sys/newsletter/transactional/send"
RESET = {"reset_url": "https://app.example.org/reset?t=abc"}
RANKING = {"ranking": "Elo", "old_rank": 7, "new_rank": 3}


async def send(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    template: str,
    email: str,
    data: dict[str, Any] | None = None,
    **extra: Any,
) -> httpx.Response:
    to = {"email": email, **{k: extra.pop(k) for k in ("name", "language") if k in extra}}
    return await client.post(
        SEND, json={"template": template, "to": to, "data": data or {}, **extra}, headers=headers
    )


async def suppress(
    client: httpx.AsyncClient, headers: dict[str, str], email: str, reason: str, stream: str
) -> None:
    r = await client.post(
        "/sys/newsletter/suppressions",
        json={"email": email, "reason": reason, "stream": stream},
        headers=headers,
    )
    assert r.status_code == 201, r.text


async def outbox(rt: Runtime) -> list[OutboxMessage]:
    """Captured transactional mail in the order it was asked for (workers may send out of order)."""
    async with transaction(rt.sessions) as s:
        rows = (await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        mails = [m for m in rows if m.category == "transactional"]

    def order(mail: OutboxMessage) -> int:
        key = parse_message_id(mail.message_id, [TEST_SECRET.encode()])
        return key.notification_id or 0 if key else 0

    return sorted(mails, key=order)


async def log_rows(rt: Runtime) -> list[Notification]:
    async with transaction(rt.sessions) as s:
        return list((await s.execute(select(Notification).order_by(Notification.id))).scalars())


async def audit_actions(rt: Runtime) -> list[str]:
    async with transaction(rt.sessions) as s:
        return list((await s.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())
