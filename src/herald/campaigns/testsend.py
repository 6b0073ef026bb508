"""Test sends: the campaign as a chosen (or sample) subscriber would get it, to given addresses.

Test messages are marked ``[Test]``, are not tracked, never touch the ledger and carry a fresh
Message-ID, so they cannot collide with the real send.
"""

from __future__ import annotations

import dataclasses
from email.utils import make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.campaigns.dispatch.compose import Recipient
from herald.campaigns.dispatch.kit import build_kit
from herald.compliance import audit
from herald.delivery.message import EmailDistributor, OutgoingMessage
from herald.kit.errors import NotFound
from herald.kit.settings import Settings
from herald.kit.text import normalise_email
from herald.kit.tokens import TokenSigner
from herald.models.audience import Subscriber
from herald.models.campaigns import Campaign, NewsletterTemplate
from herald.templates.service import cached_render


async def build_tests(
    session: AsyncSession,
    settings: Settings,
    signer: TokenSigner,
    actor: Actor,
    campaign: Campaign,
    addresses: list[str],
    *,
    subscriber_id: int | None = None,
) -> list[OutgoingMessage]:
    """The test messages (built in the caller's transaction; send them after it ends, since a
    capturing distributor writes in a transaction of its own)."""
    actor.require_sys()
    template = await session.get(NewsletterTemplate, campaign.template_id)
    if template is None:
        raise NotFound("the campaign's template no longer exists")
    rendered = await cached_render(session, template)
    kit = await build_kit(session, settings, signer, campaign, draft=(rendered.html, rendered.text))
    sample = Recipient(
        delivery_id=0,
        subscriber_id=0,
        email="",
        name="Ada Lovelace",
        language="en",
        country=None,
        timezone=None,
        attributes={},
        list_id=campaign.list_ids[0] if campaign.list_ids else 0,
    )
    if subscriber_id is not None:
        row = (
            await session.execute(
                select(Subscriber).where(
                    Subscriber.id == subscriber_id,
                    Subscriber.scope == (campaign.tenant_id or 0),
                )
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"subscriber {subscriber_id} not found")
        sample = dataclasses.replace(
            sample,
            subscriber_id=row.id,
            name=row.name,
            language=row.language,
            country=row.country,
            timezone=row.timezone,
            attributes=row.attributes or {},
        )
    domain = campaign.from_email.rpartition("@")[2] or "localhost"
    messages = []
    for address in addresses:
        recipient = dataclasses.replace(sample, email=normalise_email(address))
        message = kit.compose(recipient)
        message.subject = f"[Test] {message.subject}"
        message.idempotency_key = None
        message.message_id = make_msgid("test", domain=domain)
        messages.append(message)
    await audit.record(
        session,
        "newsletter.campaign.test_send",
        actor,
        tenant_id=campaign.tenant_id,
        target_type="campaign",
        target_id=campaign.id,
        details={"to": len(addresses)},
    )
    return messages


async def send_tests(
    distributor: EmailDistributor, messages: list[OutgoingMessage]
) -> list[dict[str, Any]]:
    results = await distributor.send_bulk(messages)
    return [
        {
            "to": m.recipient,
            "accepted": r.accepted,
            "provider": r.provider,
            "error": r.error,
        }
        for m, r in zip(messages, results, strict=True)
    ]
