"""Whom a report concerns: the message key and subscriber, proven — never the reporter's word.

Anyone can mail the bounce domain, so a report only acts through something we signed:

1. The VERP token: the envelope recipient ``bounces+{token}@…`` (DSNs go to the envelope
   sender), else the ``Return-Path`` of the returned message (feedback loops return the message
   as delivered). The token is an HMAC-signed :class:`~herald.kit.tokens.TokenSigner` token; a
   token that does not verify (forged, altered, expired) makes the whole report ignored — it is
   never "repaired" by the other clues.
2. Without a token, the returned message's ``Message-ID``: our ids carry an HMAC of their key
   (``herald.delivery.ids``); an id whose HMAC no current key verifies (a rotated-out key)
   still counts when the delivery ledger row of the key it claims stored exactly that id. On
   this path the recipient the report names (``Original-Recipient``/``Final-Recipient``,
   ARF ``Original-Rcpt-To``), when it names one, must be the subscriber's address.

The subscriber's own address then stands for the recipient: a report can never move the
feedback of an address other than the one the signed message went to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.delivery import ids
from herald.delivery.ids import Kind, MessageKey
from herald.delivery.inbound.report import Report
from herald.kit.errors import TokenInvalid
from herald.kit.logging import get_logger
from herald.kit.tokens import TokenSigner
from herald.models.audience import Subscriber
from herald.models.campaigns import Delivery

log = get_logger(__name__)

MatchedBy = Literal["verp", "message_id", "ledger"]


@dataclass(frozen=True, slots=True)
class Attribution:
    key: MessageKey
    subscriber: Subscriber
    matched_by: MatchedBy


@dataclass(frozen=True, slots=True)
class Unattributed:
    reason: Literal["forged_token", "unknown_message", "recipient_mismatch", "no_subscriber"]


def verp_token(recipients: list[str], report: Report) -> str | None:
    for address in [*recipients, report.original.return_path or ""]:
        token = ids.return_path_token(address)
        if token is not None:
            return token
    return None


def _bare(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>").strip()


async def _ledger_key(session: AsyncSession, message_id: str) -> MessageKey | None:
    """The key a Message-ID claims, if the ledger row of that key stored exactly this id."""
    key = ids.claimed_message_key(message_id)
    if key is None or key.kind is not Kind.MARKETING:
        return None
    stored = await session.scalar(
        select(Delivery.provider_message_id).where(
            Delivery.campaign_id == key.campaign_id, Delivery.subscriber_id == key.subscriber_id
        )
    )
    return key if stored and _bare(stored) == _bare(message_id) else None


async def attribute(
    session: AsyncSession,
    signer: TokenSigner,
    message_id_secrets: list[bytes],
    report: Report,
    recipients: list[str],
) -> Attribution | Unattributed:
    matched_by: MatchedBy
    token = verp_token(recipients, report)
    if token is not None:
        try:
            key = ids.parse_verp_token(signer, token)
        except TokenInvalid as exc:
            log.warning("inbound.forged_token", source=report.source, reason=exc.message)
            return Unattributed("forged_token")
        matched_by = "verp"
    else:
        message_id = report.original.message_id or ""
        found = ids.parse_message_id(message_id, message_id_secrets)
        matched_by = "message_id"
        if found is None:
            found = await _ledger_key(session, message_id)
            matched_by = "ledger"
        if found is None:
            return Unattributed("unknown_message")
        key = found
    subscriber = (
        await session.get(Subscriber, key.subscriber_id) if key.subscriber_id is not None else None
    )
    if subscriber is None:  # erased since, or transactional mail that names no subscriber
        return Unattributed("no_subscriber")
    if matched_by != "verp":
        claimed = {o.recipient for o in report.outcomes if o.recipient}
        if claimed and subscriber.email_normalized not in claimed:
            return Unattributed("recipient_mismatch")
    return Attribution(key, subscriber, matched_by)
