"""The public subscription flow: subscribe, confirm (double opt-in), preferences, unsubscribe.

Every function here answers the same way whether or not an address is known, so the public
endpoints built on it cannot be used to enumerate subscribers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.audience import states
from herald.audience.states import Status
from herald.audience.subscribers import (
    ensure_subscription,
    set_subscription_status,
    upsert_subscriber,
)
from herald.compliance import audit, suppression
from herald.compliance.consent import record_consent
from herald.kit import clock
from herald.kit.errors import NotFound, TokenInvalid, ValidationFailed
from herald.kit.i18n import normalise_language
from herald.kit.text import normalise_email
from herald.kit.tokens import Purpose, TokenSigner
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.models.compliance import Suppression
from herald.queue import enqueue

CONFIRMATION_JOB = "audience.send_confirmation"
# A confirmation email is not re-sent to the same subscriber more often than this, so the form
# cannot be used to mail-bomb someone else's address.
CONFIRMATION_RESEND_AFTER = timedelta(minutes=10)
# Suppression reasons that a fresh, confirmed opt-in may lift (the person came back).
LIFTABLE_BY_OPT_IN = {"erasure", "unsubscribe"}


@dataclass(slots=True)
class SubscribeRequest:
    email: str
    lists: list[str]
    tenant: str | None = None
    name: str | None = None
    language: str | None = None
    timezone: str | None = None
    form_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    method: str = "form"
    attributes: dict[str, object] = field(default_factory=dict)


def subscriber_actor(subscriber_id: int | None) -> Actor:
    return Actor(kind="subscriber", id=None if subscriber_id is None else str(subscriber_id))


async def resolve_public_lists(
    session: AsyncSession, slugs: list[str], tenant_slug: str | None
) -> list[NewsletterList]:
    """Lists a public form may name: by slug, in the given tenant or platform-wide.

    Without a tenant, a slug must name exactly one list across all scopes (platform first).
    """
    if not slugs:
        raise ValidationFailed("name at least one list", field="list")
    if len(slugs) > 20:
        raise ValidationFailed("too many lists", field="lists")
    tenant_id: int | None = None
    if tenant_slug:
        tenant = (
            await session.execute(select(Tenant).where(Tenant.slug == tenant_slug))
        ).scalar_one_or_none()
        if tenant is None:
            raise ValidationFailed("unknown tenant", field="tenant")
        tenant_id = tenant.id
    stmt = select(NewsletterList).where(
        NewsletterList.slug.in_(slugs), NewsletterList.archived.is_(False)
    )
    if tenant_id is not None:
        stmt = stmt.where(NewsletterList.scope.in_({0, tenant_id}))
    rows = list((await session.execute(stmt)).scalars())
    chosen: list[NewsletterList] = []
    for slug in dict.fromkeys(slugs):
        matches = [r for r in rows if r.slug == slug]
        if tenant_id is not None and any(r.scope == tenant_id for r in matches):
            matches = [r for r in matches if r.scope == tenant_id]
        if not matches:
            raise ValidationFailed(f"unknown list {slug!r}", field="list")
        if len(matches) > 1:
            raise ValidationFailed(f"list {slug!r} is ambiguous: name the tenant", field="tenant")
        chosen.append(matches[0])
    scopes = {r.scope for r in chosen}
    if len(scopes) > 1:
        raise ValidationFailed("lists of different tenants in one request", field="lists")
    return chosen


async def subscribe(session: AsyncSession, req: SubscribeRequest) -> int | None:
    """Record a subscribe request. Returns the subscriber id, or None when nothing was stored."""
    address = normalise_email(req.email)
    lists = await resolve_public_lists(session, req.lists, req.tenant)
    tenant_id = lists[0].tenant_id
    blocking = await _blocking_suppressions(session, address, tenant_id)
    if any(s.reason not in LIFTABLE_BY_OPT_IN for s in blocking):
        # Hard-bounced, complained or manually blocked: store nothing, answer as usual.
        await audit.record(
            session,
            "newsletter.subscribe",
            subscriber_actor(None),
            tenant_id=tenant_id,
            target_type="suppression",
            target_id=blocking[0].email_hash[:16],
            details={"ignored": "suppressed", "lists": [lst.id for lst in lists]},
        )
        return None
    subscriber, _created = await upsert_subscriber(
        session,
        tenant_id=tenant_id,
        email=address,
        name=req.name,
        language=normalise_language(req.language) if req.language else None,
        timezone=req.timezone,
        source=req.method,
        attributes=dict(req.attributes) or None,
    )
    needs_confirmation = False
    touched: list[int] = []
    for lst in lists:
        initial = Status.PENDING if lst.double_opt_in or blocking else Status.ACTIVE
        sub, created = await ensure_subscription(
            session, subscriber, lst, initial=initial, reason=f"{req.method}_subscribe"
        )
        if not created and Status(sub.status) in states.TERMINAL_NEGATIVE:
            if Status(sub.status) in {Status.BOUNCED, Status.COMPLAINED}:
                continue
            states.transition(session, sub, initial, reason=f"{req.method}_resubscribe")
            created = True
        if Status(sub.status) is Status.PENDING:
            needs_confirmation = True
        if created:
            touched.append(lst.id)
            await record_consent(
                session,
                tenant_id=tenant_id,
                subscriber_id=subscriber.id,
                list_id=lst.id,
                action="granted",
                method=req.method,
                ip=req.ip,
                user_agent=req.user_agent,
                form_id=req.form_id,
            )
        if Status(sub.status) is Status.ACTIVE and created and blocking:
            await _lift_opt_in_suppressions(session, blocking, subscriber.id)
    if needs_confirmation:
        await queue_confirmation(session, subscriber)
    await audit.record(
        session,
        "newsletter.subscribe",
        subscriber_actor(subscriber.id),
        tenant_id=tenant_id,
        target_type="subscriber",
        target_id=subscriber.id,
        details={"lists": touched, "method": req.method, "form_id": req.form_id},
    )
    return subscriber.id


async def queue_confirmation(session: AsyncSession, subscriber: Subscriber) -> bool:
    """Queue the double-opt-in email unless one went out in the last few minutes."""
    now = clock.now()
    pending = list(
        (
            await session.execute(
                select(Subscription).where(
                    Subscription.subscriber_id == subscriber.id,
                    Subscription.status == Status.PENDING.value,
                )
            )
        ).scalars()
    )
    if not pending:
        return False
    recent = [
        s
        for s in pending
        if s.confirmation_sent_at and now - s.confirmation_sent_at < CONFIRMATION_RESEND_AFTER
    ]
    if recent and len(recent) == len(pending):
        return False
    for sub in pending:
        sub.confirmation_sent_at = now
    await enqueue(
        session,
        CONFIRMATION_JOB,
        {"subscriber_id": subscriber.id},
        tenant_id=subscriber.tenant_id,
        dedupe_key=f"confirm:{subscriber.id}",
    )
    return True


async def _blocking_suppressions(
    session: AsyncSession, address: str, tenant_id: int | None
) -> list[Suppression]:
    digest = await suppression.email_hash(session, address)
    rows = await session.execute(
        select(Suppression).where(
            Suppression.email_hash == digest,
            Suppression.scope.in_({0, tenant_id or 0}),
        )
    )
    return list(rows.scalars())


async def _lift_opt_in_suppressions(
    session: AsyncSession, entries: list[Suppression], subscriber_id: int
) -> None:
    for entry in entries:
        if entry.reason in LIFTABLE_BY_OPT_IN:
            await suppression.lift(
                session,
                entry.id,
                reason="fresh confirmed opt-in",
                actor=subscriber_actor(subscriber_id),
                scope_ids=None,
            )


async def _subscriber_for(
    session: AsyncSession, signer: TokenSigner, token: str, purpose: Purpose
) -> tuple[Subscriber, int]:
    claims = signer.verify(token, purpose)
    subscriber = await session.get(Subscriber, claims.subject)
    if subscriber is None:
        raise TokenInvalid("unknown subscriber")
    return subscriber, claims.obj


async def confirm(
    session: AsyncSession,
    signer: TokenSigner,
    token: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Subscriber:
    """Activate every pending subscription of the token's subscriber. Idempotent."""
    subscriber, _ = await _subscriber_for(session, signer, token, Purpose.CONFIRM)
    moved = await set_subscription_status(
        session,
        subscriber.id,
        Status.ACTIVE,
        reason="double_opt_in",
        only_from={Status.PENDING},
    )
    if moved:
        now = clock.now()
        subscriber.confirmed_at = subscriber.confirmed_at or now
        for sub in moved:
            await record_consent(
                session,
                tenant_id=subscriber.tenant_id,
                subscriber_id=subscriber.id,
                list_id=sub.list_id,
                action="confirmed",
                method="double_opt_in",
                ip=ip,
                user_agent=user_agent,
            )
        await _lift_opt_in_suppressions(
            session,
            await _blocking_suppressions(
                session, subscriber.email_normalized, subscriber.tenant_id
            ),
            subscriber.id,
        )
        await audit.record(
            session,
            "newsletter.confirm",
            subscriber_actor(subscriber.id),
            tenant_id=subscriber.tenant_id,
            target_type="subscriber",
            target_id=subscriber.id,
            details={"lists": [s.list_id for s in moved]},
        )
    return subscriber


@dataclass(slots=True)
class PreferenceList:
    slug: str
    name: str
    subscribed: bool
    status: str | None


@dataclass(slots=True)
class Preferences:
    subscriber: Subscriber
    lists: list[PreferenceList]


async def _scope_lists(session: AsyncSession, subscriber: Subscriber) -> list[NewsletterList]:
    """Lists a subscriber may manage: every live list of its tenant scope."""
    rows = await session.execute(
        select(NewsletterList)
        .where(NewsletterList.scope == subscriber.scope, NewsletterList.archived.is_(False))
        .order_by(NewsletterList.name)
    )
    return list(rows.scalars())


async def preferences(
    session: AsyncSession, signer: TokenSigner, token: str, purpose: Purpose = Purpose.PREFS
) -> Preferences:
    subscriber, _ = await _subscriber_for(session, signer, token, purpose)
    lists = await _scope_lists(session, subscriber)
    subs = {
        s.list_id: s
        for s in (
            await session.execute(
                select(Subscription).where(Subscription.subscriber_id == subscriber.id)
            )
        ).scalars()
    }
    items = []
    for lst in lists:
        sub = subs.get(lst.id)
        status = sub.status if sub else None
        items.append(
            PreferenceList(
                slug=lst.slug,
                name=lst.name,
                subscribed=status in {Status.ACTIVE.value, Status.PENDING.value},
                status=status,
            )
        )
    return Preferences(subscriber=subscriber, lists=items)


async def update_preferences(
    session: AsyncSession,
    signer: TokenSigner,
    token: str,
    *,
    name: str | None = None,
    language: str | None = None,
    lists: dict[str, bool] | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Preferences:
    subscriber, _ = await _subscriber_for(session, signer, token, Purpose.PREFS)
    if name is not None:
        subscriber.name = name.strip()[:200] or None
    if language is not None:
        subscriber.language = normalise_language(language)
    changed: dict[str, bool] = {}
    if lists:
        available = {lst.slug: lst for lst in await _scope_lists(session, subscriber)}
        unknown = sorted(set(lists) - set(available))
        if unknown:
            raise NotFound(f"unknown list(s): {', '.join(unknown)}", field="lists")
        for slug, wanted in lists.items():
            lst = available[slug]
            if wanted:
                # The token proves control of the mailbox, so opting in here is confirmed consent.
                sub, created = await ensure_subscription(
                    session, subscriber, lst, initial=Status.ACTIVE, reason="preferences"
                )
                current = Status(sub.status)
                if not created and current in {Status.PENDING, Status.UNSUBSCRIBED}:
                    states.transition(session, sub, Status.ACTIVE, reason="preferences")
                    created = True
                if created:
                    changed[slug] = True
                    await record_consent(
                        session,
                        tenant_id=subscriber.tenant_id,
                        subscriber_id=subscriber.id,
                        list_id=lst.id,
                        action="granted",
                        method="preferences",
                        ip=ip,
                        user_agent=user_agent,
                    )
            else:
                moved = await set_subscription_status(
                    session,
                    subscriber.id,
                    Status.UNSUBSCRIBED,
                    reason="preferences",
                    list_ids=[lst.id],
                    only_from={Status.ACTIVE, Status.PENDING},
                )
                if moved:
                    changed[slug] = False
                    await _withdrawn(session, subscriber, lst.id, "preferences", ip, user_agent)
    subscriber.updated_at = clock.now()
    await audit.record(
        session,
        "newsletter.preferences",
        subscriber_actor(subscriber.id),
        tenant_id=subscriber.tenant_id,
        target_type="subscriber",
        target_id=subscriber.id,
        details={
            "lists": changed,
            "fields": [k for k, v in (("name", name), ("language", language)) if v],
        },
    )
    await session.flush()
    return await preferences(session, signer, token)


async def _withdrawn(
    session: AsyncSession,
    subscriber: Subscriber,
    list_id: int | None,
    method: str,
    ip: str | None,
    user_agent: str | None,
) -> None:
    await record_consent(
        session,
        tenant_id=subscriber.tenant_id,
        subscriber_id=subscriber.id,
        list_id=list_id,
        action="withdrawn",
        method=method,
        ip=ip,
        user_agent=user_agent,
    )


async def unsubscribe(
    session: AsyncSession,
    signer: TokenSigner,
    token: str,
    *,
    everything: bool = False,
    method: str = "one_click_unsub",
    ip: str | None = None,
    user_agent: str | None = None,
) -> Subscriber:
    """Unsubscribe from the token's list (or from every list in scope). Idempotent.

    An unsubscribe token whose list id is 0 means "every list" (used by the footer of mail that
    is not tied to one list).
    """
    subscriber, list_id = await _subscriber_for(session, signer, token, Purpose.UNSUB)
    list_ids = None if everything or list_id == 0 else [list_id]
    moved = await set_subscription_status(
        session,
        subscriber.id,
        Status.UNSUBSCRIBED,
        reason=method,
        list_ids=list_ids,
        only_from={Status.ACTIVE, Status.PENDING},
    )
    for sub in moved:
        await _withdrawn(session, subscriber, sub.list_id, method, ip, user_agent)
    if moved:
        await audit.record(
            session,
            "newsletter.unsubscribe",
            subscriber_actor(subscriber.id),
            tenant_id=subscriber.tenant_id,
            target_type="subscriber",
            target_id=subscriber.id,
            details={
                "lists": [s.list_id for s in moved],
                "all": list_ids is None,
                "method": method,
            },
        )
    return subscriber


def token_links(
    signer: TokenSigner, base_url: str, subscriber: Subscriber, list_id: int = 0
) -> dict[str, str]:
    """Public links for one subscriber: confirm, preference centre, unsubscribe, one-click."""
    base = base_url.rstrip("/")
    lang = normalise_language(subscriber.language)
    unsub = signer.issue(Purpose.UNSUB, subscriber.id, list_id)
    prefs = signer.issue(Purpose.PREFS, subscriber.id)
    return {
        "confirm": f"{base}/public/newsletter/confirm?token="
        + signer.issue(Purpose.CONFIRM, subscriber.id),
        "preferences": f"{base}/{lang}/newsletter/preferences?token={prefs}",
        "unsubscribe": f"{base}/public/newsletter/list-unsubscribe/{unsub}",
        "one_click": f"{base}/public/newsletter/list-unsubscribe/{unsub}",
    }
