"""The double-opt-in confirmation email, sent in the subscriber's language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience.states import Status
from herald.delivery.ids import confirmation_key, message_id
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
    message_id_secret: bytes = b""


async def build_confirmation(
    session: AsyncSession, signer: TokenSigner, sender: SenderIdentity, subscriber_id: int
) -> OutgoingMessage | None:
    """The confirmation email for a subscriber's pending subscriptions (None if nothing pends)."""
    subscriber = await session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return None
    pending = (
        await session.execute(
            select(NewsletterList.name, Subscription.confirmation_sent_at)
            .join(Subscription, Subscription.list_id == NewsletterList.id)
            .where(
                Subscription.subscriber_id == subscriber.id,
                Subscription.status == Status.PENDING.value,
            )
            .order_by(NewsletterList.name)
        )
    ).all()
    if not pending:
        return None
    names = [name for name, _ in pending]
    # The nonce is the time this confirmation was requested: a retried job builds the same
    # Message-ID (deduplicated downstream), a later re-request a new one.
    sent = [at for _, at in pending if at is not None]
    nonce = int(max(sent).timestamp()) if sent else 0
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
    key = confirmation_key(subscriber.id, nonce)
    return OutgoingMessage(
        category=Category.TRANSACTIONAL,
        sender=sender.email,
        sender_name=sender.name,
        recipient=subscriber.email,
        recipient_name=subscriber.name,
        subject=context["subject"],
        text=render("confirm.txt.j2", **context),
        html=render("confirm.html.j2", **context),
        message_id=message_id(key, domain, sender.message_id_secret),
        idempotency_key=str(key),
        tenant_id=subscriber.tenant_id,
        headers={"Auto-Submitted": "auto-generated"},
        tags={"kind": "confirmation", "subscriber_id": subscriber.id},
    )
