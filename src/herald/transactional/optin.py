"""The double-opt-in confirmation email, sent in the subscriber's language."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import NAMESPACE_URL, uuid5

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience.states import Status
from herald.delivery.message import Category, OutgoingMessage
from herald.kit.i18n import normalise_language, translate
from herald.kit.tokens import Purpose, TokenSigner
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.transactional.rendering import render


@dataclass(frozen=True, slots=True)
class SenderIdentity:
    email: str
    name: str
    base_url: str


async def build_confirmation(
    session: AsyncSession, signer: TokenSigner, sender: SenderIdentity, subscriber_id: int
) -> OutgoingMessage | None:
    """The confirmation email for a subscriber's pending subscriptions (None if nothing pends)."""
    subscriber = await session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return None
    names = list(
        (
            await session.execute(
                select(NewsletterList.name)
                .join(Subscription, Subscription.list_id == NewsletterList.id)
                .where(
                    Subscription.subscriber_id == subscriber.id,
                    Subscription.status == Status.PENDING.value,
                )
                .order_by(NewsletterList.name)
            )
        ).scalars()
    )
    if not names:
        return None
    lang = normalise_language(subscriber.language)
    token = signer.issue(Purpose.CONFIRM, subscriber.id)
    confirm_url = f"{sender.base_url.rstrip('/')}/public/newsletter/confirm?token={token}"
    greeting = (
        translate(lang, "email.confirm.greeting", name=subscriber.name)
        if subscriber.name
        else translate(lang, "email.confirm.greeting_anon")
    )
    context = {
        "lang": lang,
        "subject": translate(lang, "email.confirm.subject"),
        "greeting": greeting,
        "body": translate(
            lang, "email.confirm.body", email=subscriber.email, lists=", ".join(names)
        ),
        "button": translate(lang, "email.confirm.button"),
        "ignore": translate(lang, "email.confirm.ignore"),
        "confirm_url": confirm_url,
    }
    domain = sender.email.rpartition("@")[2] or "localhost"
    # One Message-ID per (subscriber, token): a retried job does not produce a second message.
    mid = uuid5(NAMESPACE_URL, f"herald:confirm:{subscriber.id}:{token}")
    return OutgoingMessage(
        category=Category.TRANSACTIONAL,
        sender=sender.email,
        sender_name=sender.name,
        recipient=subscriber.email,
        recipient_name=subscriber.name,
        subject=context["subject"],
        text=render("confirm.txt.j2", **context),
        html=render("confirm.html.j2", **context),
        message_id=f"<{mid}@{domain}>",
        tenant_id=subscriber.tenant_id,
        headers={"Auto-Submitted": "auto-generated"},
        tags={"kind": "confirmation", "subscriber_id": subscriber.id},
    )
