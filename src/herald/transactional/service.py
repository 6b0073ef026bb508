"""Ask for a transactional message: validate, render, check policy, log it, queue the send.

:func:`send` works in the caller's unit of work and never commits: nothing is queued unless the
caller's transaction commits (the transactional-outbox pattern), and the worker delivers it
within a poll interval — never throttled, never held for quiet hours. Invalid input (unknown
template, bad address, missing or hostile data) raises before anything is stored.

Embedding apps call it with their own session::

    from herald import transactional

    row = await transactional.send(
        session, "password_reset", to="ada@example.org",
        data={"reset_url": url}, language="sv", tenant="padel-league",
    )
    await session.commit()  # a Herald worker sends it; row.id names it in the log
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import SYSTEM, Actor
from herald.accounts.service import get_tenant_by_slug
from herald.compliance import suppression
from herald.kit.errors import ValidationFailed
from herald.kit.i18n import normalise_language
from herald.kit.settings import Settings, get_settings
from herald.kit.text import ensure_header_safe, normalise_email
from herald.kit.tokens import Purpose, TokenSigner
from herald.models.transactional import Notification
from herald.queue import enqueue
from herald.transactional import policy
from herald.transactional.catalogue import Catalogue, load_catalogue
from herald.transactional.compose import check_data, compose
from herald.transactional.notifications import Status, finish, requester
from herald.transactional.optouts import subscriber_in_scope

SEND_JOB = "transactional.send"


@dataclass(frozen=True, slots=True)
class Notifier:
    """What rendering needs from the process: the catalogue and the link signer."""

    catalogue: Catalogue
    signer: TokenSigner
    base_url: str


def notifier_for(settings: Settings, signer: TokenSigner | None = None) -> Notifier:
    """The notifier of a configuration (the catalogue is loaded once per directory)."""
    return Notifier(
        load_catalogue(settings.transactional_templates_dir),
        signer or TokenSigner(settings.secret_keys()),
        settings.base_url,
    )


def _name(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > 200:
        raise ValidationFailed("name is longer than 200 characters", field="name")
    return ensure_header_safe(value.strip(), "name")


async def send(
    session: AsyncSession,
    template: str,
    *,
    to: str,
    data: Mapping[str, Any] | None = None,
    name: str | None = None,
    language: str | None = None,
    tenant: str | None = None,
    notifier: Notifier | None = None,
    actor: Actor = SYSTEM,
) -> Notification:
    """Log and queue one message (or log why it is skipped). Returns the log row."""
    notifier = notifier or notifier_for(get_settings())
    spec = notifier.catalogue.template(template)
    category = spec.category
    address = normalise_email(to)
    display_name = _name(name)
    merge = check_data(data)
    tenant_row = await get_tenant_by_slug(session, tenant) if tenant else None
    tenant_id = tenant_row.id if tenant_row is not None else None
    subscriber = await subscriber_in_scope(session, address, tenant_id)
    lang = normalise_language(language or (subscriber.language if subscriber else None))
    prefs_url = None
    if subscriber is not None and not category.mandatory:
        token = notifier.signer.issue(Purpose.PREFS, subscriber.id)
        prefs_url = f"{notifier.base_url.rstrip('/')}/{lang}/newsletter/preferences?token={token}"
    rendered = compose(
        notifier.catalogue,
        spec,
        lang,
        merge,
        recipient={
            "email": address,
            "name": display_name or (subscriber.name if subscriber else None),
        },
        tenant={"slug": tenant_row.slug, "name": tenant_row.name} if tenant_row else None,
        preferences_url=prefs_url,
    )
    skip = await policy.check(
        session, address, tenant_id, category.key, mandatory=category.mandatory
    )
    row = Notification(
        tenant_id=tenant_id,
        scope=tenant_id or 0,
        template=spec.key,
        category=category.key,
        mandatory=category.mandatory,
        recipient=address,
        recipient_hash=await suppression.email_hash(session, address),
        language=rendered.language,
        status=Status.QUEUED.value,
        attempts=0,
        requested_by=requester(actor),
        content={
            "subject": rendered.subject,
            "html": rendered.html,
            "text": rendered.text,
            "name": display_name,
        },
    )
    session.add(row)
    await session.flush()
    if skip is not None:
        await finish(session, row, skip.status, reason=skip.reason)
        return row
    await enqueue(
        session,
        SEND_JOB,
        {"notification_id": row.id},
        tenant_id=tenant_id,
        dedupe_key=f"notification:{row.id}",
    )
    return row
