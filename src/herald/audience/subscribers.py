"""Subscribers and their subscriptions: race-safe upserts, reads, filters and updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor, Scope
from herald.audience import references, states
from herald.audience.schemas import SubscriberOut, SubscriberUpdate, SubscriptionOut
from herald.audience.states import Status
from herald.compliance import audit
from herald.kit import clock
from herald.kit.db import dialect_insert
from herald.kit.errors import NotFound
from herald.kit.text import email_domain, normalise_email
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription


async def upsert_subscriber(
    session: AsyncSession,
    *,
    tenant_id: int | None,
    email: str,
    name: str | None = None,
    language: str | None = None,
    timezone: str | None = None,
    country: str | None = None,
    source: str = "form",
    attributes: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> tuple[Subscriber, bool]:
    """Find or create the subscriber for a normalised address in a tenant scope.

    Concurrent calls for the same address (in any letter case) converge on one row through the
    ``UNIQUE(scope, email_normalized)`` constraint and ``ON CONFLICT DO NOTHING``. Returns the row
    and whether it was created. Existing fields are only filled when empty, unless ``overwrite``.
    """
    address = normalise_email(email)
    now = clock.now()
    insert = dialect_insert(session)
    result = await session.execute(
        insert(Subscriber)
        .values(
            tenant_id=tenant_id,
            scope=tenant_id or 0,
            email=address,
            email_normalized=address,
            email_domain=email_domain(address),
            name=name,
            language=language or "en",
            timezone=timezone,
            country=country.upper() if country else None,
            source=source,
            attributes=attributes or {},
            created_at=now,
            soft_bounce_count=0,
        )
        .on_conflict_do_nothing(index_elements=["scope", "email_normalized"])
        .returning(Subscriber.id)
    )
    new_id = result.scalar_one_or_none()
    row = (
        await session.execute(
            select(Subscriber)
            .where(Subscriber.scope == (tenant_id or 0), Subscriber.email_normalized == address)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    created = new_id is not None
    if not created:
        changed = False
        for field, value in (
            ("name", name),
            ("language", language),
            ("timezone", timezone),
            ("country", country.upper() if country else None),
        ):
            # An explicit language choice always wins; other fields only fill gaps.
            replace = overwrite or field == "language" or not getattr(row, field)
            if value and replace and getattr(row, field) != value:
                setattr(row, field, value)
                changed = True
        if attributes:
            merged = dict(row.attributes or {})
            merged.update(
                attributes
                if overwrite
                else {k: v for k, v in attributes.items() if k not in merged}
            )
            if merged != row.attributes:
                row.attributes = merged
                changed = True
        if changed:
            row.updated_at = now
    return row, created


async def ensure_subscription(
    session: AsyncSession,
    subscriber: Subscriber,
    lst: NewsletterList,
    *,
    initial: Status,
    reason: str,
) -> tuple[Subscription, bool]:
    """Get or create the (list, subscriber) subscription; created rows start in ``initial``.

    :class:`NotFound` when the list or the subscriber was deleted meanwhile."""
    await references.hold_for_subscription(session, lst.id, subscriber.id)
    now = clock.now()
    insert = dialect_insert(session)
    result = await session.execute(
        insert(Subscription)
        .values(
            tenant_id=lst.tenant_id,
            list_id=lst.id,
            subscriber_id=subscriber.id,
            status=initial.value,
            status_changed_at=now,
            confirmed_at=now if initial is Status.ACTIVE else None,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["list_id", "subscriber_id"])
        .returning(Subscription.id)
    )
    new_id = result.scalar_one_or_none()
    sub = (
        await session.execute(
            select(Subscription)
            .where(Subscription.list_id == lst.id, Subscription.subscriber_id == subscriber.id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if new_id is not None:
        states.record_initial(session, sub, reason)
    return sub, new_id is not None


async def get_subscriber(session: AsyncSession, scope: Scope, subscriber_id: int) -> Subscriber:
    row = await session.get(Subscriber, subscriber_id)
    if row is None or not scope.allows(row.tenant_id):
        raise NotFound("subscriber not found")
    return row


async def subscriptions_of(
    session: AsyncSession, subscriber_ids: Sequence[int]
) -> dict[int, list[tuple[Subscription, NewsletterList]]]:
    out: dict[int, list[tuple[Subscription, NewsletterList]]] = {i: [] for i in subscriber_ids}
    if not subscriber_ids:
        return out
    rows = await session.execute(
        select(Subscription, NewsletterList)
        .join(NewsletterList, NewsletterList.id == Subscription.list_id)
        .where(Subscription.subscriber_id.in_(list(subscriber_ids)))
        .order_by(Subscription.id)
    )
    for sub, lst in rows.all():
        out[sub.subscriber_id].append((sub, lst))
    return out


async def to_out(
    session: AsyncSession,
    rows: Sequence[Subscriber],
) -> list[SubscriberOut]:
    subs = await subscriptions_of(session, [r.id for r in rows])
    tenant_ids = {r.tenant_id for r in rows if r.tenant_id is not None}
    slugs: dict[int, str] = {}
    if tenant_ids:
        for tid, slug in (
            await session.execute(select(Tenant.id, Tenant.slug).where(Tenant.id.in_(tenant_ids)))
        ).all():
            slugs[tid] = slug
    return [
        SubscriberOut(
            id=r.id,
            email=r.email,
            name=r.name,
            language=r.language,
            timezone=r.timezone,
            country=r.country,
            source=r.source,
            tenant=slugs.get(r.tenant_id) if r.tenant_id else None,
            attributes=r.attributes or {},
            created_at=r.created_at,
            subscriptions=[
                SubscriptionOut(
                    list=lst.slug,
                    list_id=lst.id,
                    status=sub.status,
                    status_changed_at=sub.status_changed_at,
                    confirmed_at=sub.confirmed_at,
                )
                for sub, lst in subs.get(r.id, [])
            ],
        )
        for r in rows
    ]


async def browse_subscribers(
    session: AsyncSession,
    scope: Scope,
    *,
    email: str | None = None,
    search: str | None = None,
    list_id: int | None = None,
    status: str | None = None,
    tenant_id: int | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[Subscriber]:
    stmt = select(Subscriber).where(scope.clause(Subscriber.tenant_id)).order_by(Subscriber.id)
    if email:
        stmt = stmt.where(Subscriber.email_normalized == email.strip().lower())
    if search:
        term = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Subscriber.email_normalized.like(f"%{term}%", escape="\\"))
    if tenant_id is not None:
        stmt = stmt.where(Subscriber.tenant_id == tenant_id)
    if list_id is not None or status:
        sub_q = select(Subscription.subscriber_id)
        if list_id is not None:
            sub_q = sub_q.where(Subscription.list_id == list_id)
        if status:
            sub_q = sub_q.where(Subscription.status == status)
        stmt = stmt.where(Subscriber.id.in_(sub_q))
    if after_id is not None:
        stmt = stmt.where(Subscriber.id > after_id)
    return list((await session.execute(stmt.limit(limit))).scalars())


async def update_subscriber(
    session: AsyncSession, actor: Actor, subscriber_id: int, data: SubscriberUpdate
) -> Subscriber:
    row = await get_subscriber(session, actor.scope(), subscriber_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(row, key, value.upper() if key == "country" and value else value)
    row.updated_at = clock.now()
    await audit.record(
        session,
        "newsletter.subscriber_updated",
        actor,
        tenant_id=row.tenant_id,
        target_type="subscriber",
        target_id=row.id,
        details={"fields": sorted(changes)},
    )
    return row


async def set_subscription_status(
    session: AsyncSession,
    subscriber_id: int,
    target: Status,
    *,
    reason: str,
    list_ids: Sequence[int] | None = None,
    only_from: set[Status] | None = None,
    at: datetime | None = None,
) -> list[Subscription]:
    """Move the subscriber's subscriptions (all, or those in ``list_ids``) to ``target``.

    Subscriptions already in ``target`` or not allowed to move are left alone; returns those moved.
    """
    stmt = select(Subscription).where(Subscription.subscriber_id == subscriber_id)
    if list_ids is not None:
        stmt = stmt.where(Subscription.list_id.in_(list(list_ids)))
    moved = []
    for sub in (await session.execute(stmt)).scalars():
        current = Status(sub.status)
        if only_from is not None and current not in only_from:
            continue
        if current is target or not states.can_transition(current, target):
            continue
        states.transition(session, sub, target, reason=reason, at=at)
        moved.append(sub)
    return moved
