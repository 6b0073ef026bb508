"""Worker jobs of the transactional stream. Each takes ids and is safe to run twice."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.delivery.ids import transactional_key
from herald.delivery.message import (
    Category,
    EmailDistributor,
    OutgoingMessage,
    SendResult,
    TemporaryFailure,
)
from herald.kit.db import transaction
from herald.kit.logging import get_logger
from herald.kit.tokens import TokenSigner
from herald.models.transactional import Notification
from herald.queue import PermanentJobError
from herald.transactional import policy
from herald.transactional.notifications import Status, finish
from herald.transactional.optin import SenderIdentity, build_confirmation

log = get_logger(__name__)

# Temporary failures of one notification before it is logged as failed (the job allows more).
MAX_ATTEMPTS = 6


async def send_confirmation(
    sessions: async_sessionmaker[AsyncSession],
    signer: TokenSigner,
    distributor: EmailDistributor,
    sender: SenderIdentity,
    subscriber_id: int,
) -> None:
    async with transaction(sessions) as session:
        message = await build_confirmation(session, signer, sender, subscriber_id)
    if message is None:
        return
    result = await distributor.send_transactional(message)
    if result.accepted:
        log.info("confirmation.sent", subscriber_id=subscriber_id, provider=result.provider)
        return
    if result.permanent:
        raise PermanentJobError(result.error or "refused")
    raise TemporaryFailure(result.error or "temporary failure")


def _message(row: Notification, sender: SenderIdentity) -> OutgoingMessage:
    content = row.content or {}
    return OutgoingMessage(
        category=Category.TRANSACTIONAL,
        sender=sender.email,
        sender_name=sender.name,
        recipient=row.recipient,
        recipient_name=content.get("name"),
        subject=str(content["subject"]),
        text=str(content["text"]),
        html=str(content["html"]),
        idempotency_key=str(transactional_key(row.id)),
        tenant_id=row.tenant_id,
        headers={"Auto-Submitted": "auto-generated"},
        tags={"kind": "notification", "template": row.template, "notification_id": row.id},
    )


async def send_notification(
    sessions: async_sessionmaker[AsyncSession],
    distributor: EmailDistributor,
    sender: SenderIdentity,
    notification_id: int,
) -> None:
    """Deliver a queued notification: re-check suppression and opt-out, send, log the outcome.

    A temporary refusal leaves it queued (the job retries with backoff) until
    :data:`MAX_ATTEMPTS`; a permanent one, or running out of attempts, logs it as failed.
    """
    async with transaction(sessions) as session:
        row = await session.get(Notification, notification_id)
        if row is None or row.status != Status.QUEUED.value or not row.content:
            return  # already final, or erased meanwhile
        skip = await policy.check(
            session, row.recipient, row.tenant_id, row.category, mandatory=row.mandatory
        )
        if skip is not None:
            await finish(session, row, skip.status, reason=skip.reason)
            return
        row.attempts += 1
        message = _message(row, sender)
    result = await distributor.send_transactional(message)
    async with transaction(sessions) as session:
        row = await session.get(Notification, notification_id)
        if row is None:
            return
        final = await _record(session, row, result)
    if final is Status.SENT:
        log.info("notification.sent", notification_id=notification_id, provider=result.provider)
    elif final is Status.FAILED:
        raise PermanentJobError(result.error or "refused")
    else:
        raise TemporaryFailure(result.error or "temporary failure")


async def _record(session: AsyncSession, row: Notification, result: SendResult) -> Status | None:
    """Log the provider's answer; None while the notification waits for another attempt."""
    if result.accepted:
        await finish(
            session,
            row,
            Status.SENT,
            provider=result.provider,
            provider_message_id=result.provider_message_id,
        )
        return Status.SENT
    if result.permanent or row.attempts >= MAX_ATTEMPTS:
        await finish(
            session, row, Status.FAILED, error=result.error or "refused", provider=result.provider
        )
        return Status.FAILED
    row.error = (result.error or "temporary failure")[:2000]
    return None
