"""Operator test sends: one transactional message through the chain or one named distributor."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from herald.delivery.chain import DistributorChain
from herald.delivery.message import Category, OutgoingMessage, SendResult
from herald.kit import clock
from herald.kit.text import normalise_email


@dataclass(frozen=True, slots=True)
class TrialOutcome:
    accepted: bool
    provider: str
    message_id: str
    provider_message_id: str | None
    error: str | None
    permanent: bool


def trial_message(sender: str, sender_name: str | None, to: str) -> OutgoingMessage:
    recipient = normalise_email(to)
    domain = sender.rpartition("@")[2] or "localhost"
    return OutgoingMessage(
        category=Category.TRANSACTIONAL,
        sender=sender,
        sender_name=sender_name,
        recipient=recipient,
        subject="Herald delivery test",
        text=(
            "This is a test message from Herald.\n\n"
            f"Sent at {clock.now():%Y-%m-%d %H:%M:%S} UTC to check the delivery configuration.\n"
        ),
        html=(
            "<p>This is a test message from <strong>Herald</strong>.</p>"
            f"<p>Sent at {clock.now():%Y-%m-%d %H:%M:%S} UTC to check the delivery "
            "configuration.</p>"
        ),
        message_id=f"<test.{secrets.token_hex(12)}@{domain}>",
        headers={"Auto-Submitted": "auto-generated"},
        tags={"kind": "delivery-test"},
    )


async def send_test(
    chain: DistributorChain,
    sender: str,
    sender_name: str | None,
    to: str,
    via: str | None = None,
) -> TrialOutcome:
    message = trial_message(sender, sender_name, to)
    result: SendResult = (
        await chain.send_via(via, message) if via else await chain.send_transactional(message)
    )
    return TrialOutcome(
        accepted=result.accepted,
        provider=result.provider,
        message_id=message.message_id or "",
        provider_message_id=result.provider_message_id,
        error=result.error,
        permanent=result.permanent,
    )
