"""Worker jobs of the transactional stream. Each takes ids and is safe to run twice."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.delivery.message import EmailDistributor, TemporaryFailure
from herald.kit.db import transaction
from herald.kit.logging import get_logger
from herald.kit.tokens import TokenSigner
from herald.queue import PermanentJobError
from herald.transactional.optin import SenderIdentity, build_confirmation

log = get_logger(__name__)


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
