"""The ``null`` distributor: captures every message in the outbox table instead of sending."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.delivery.message import OutgoingMessage, SendResult, WebhookRequest
from herald.delivery.mime import build_mime, message_id_domain
from herald.kit import clock
from herald.kit.db import dialect_insert, transaction
from herald.models.delivery import OutboxMessage


class NullDistributor:
    name = "null"

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def send_transactional(self, message: OutgoingMessage) -> SendResult:
        return (await self.send_bulk([message]))[0]

    async def send_bulk(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        rows = []
        results = []
        for message in messages:
            raw = build_mime(message, default_domain=message_id_domain(message.sender))
            from email import message_from_bytes

            parsed = message_from_bytes(raw)
            message_id = str(parsed["Message-ID"]).strip()
            rows.append(
                {
                    "tenant_id": message.tenant_id,
                    "message_id": message_id,
                    "category": message.category.value,
                    "sender": message.sender,
                    "recipient": message.recipient,
                    "subject": message.subject,
                    "headers": {k: str(v) for k, v in parsed.items()},
                    "text_body": message.text,
                    "html_body": message.html,
                    "raw": raw,
                    "captured_at": clock.now(),
                }
            )
            results.append(
                SendResult(accepted=True, provider=self.name, provider_message_id=message_id)
            )
        if rows:
            async with transaction(self._sessions) as session:
                insert = dialect_insert(session)
                # Same Message-ID twice (a retried send) is captured once: the idempotency a real
                # provider gives through its dedupe handle.
                await session.execute(
                    insert(OutboxMessage)
                    .values(rows)
                    .on_conflict_do_nothing(index_elements=["message_id"])
                )
        return results

    async def handle_webhook(self, request: WebhookRequest) -> list[dict[str, Any]]:
        return []

    async def close(self) -> None:
        return None
