"""Newsletter lists: platform-wide (no tenant) or owned by one tenant."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor, Scope
from herald.accounts.service import get_tenant_by_slug, validate_slug
from herald.audience import references
from herald.audience.schemas import ListCreate, ListOut, ListUpdate
from herald.compliance import audit
from herald.kit.errors import Conflict, NotFound, PermissionDenied
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscription, SubscriptionTransition


def list_scope_clause(scope: Scope):  # type: ignore[no-untyped-def]
    return scope.clause(NewsletterList.tenant_id)


async def to_out(session: AsyncSession, row: NewsletterList, *, counts: bool = False) -> ListOut:
    tenant_slug = None
    if row.tenant_id is not None:
        tenant = await session.get(Tenant, row.tenant_id)
        tenant_slug = tenant.slug if tenant else None
    out = ListOut(
        id=row.id,
        slug=row.slug,
        name=row.name,
        tenant=tenant_slug,
        double_opt_in=row.double_opt_in,
        timezone=row.timezone,
        description=row.description,
        languages=list(row.languages or []),
        archived=row.archived,
        created_at=row.created_at,
    )
    if counts:
        rows = await session.execute(
            select(Subscription.status, func.count())
            .where(Subscription.list_id == row.id)
            .group_by(Subscription.status)
        )
        out.counts = {status: int(n) for status, n in rows.all()}
    return out


async def create_list(session: AsyncSession, actor: Actor, data: ListCreate) -> NewsletterList:
    validate_slug(data.slug)
    tenant_id: int | None = None
    if data.tenant:
        tenant = await get_tenant_by_slug(session, data.tenant)
        assert tenant is not None
        tenant_id = tenant.id
    if not actor.is_sys and (tenant_id is None or tenant_id != actor.tenant_id):
        raise PermissionDenied("tenant admins manage only their own tenant's lists")
    existing = await session.execute(
        select(NewsletterList.id).where(
            NewsletterList.scope == (tenant_id or 0), NewsletterList.slug == data.slug
        )
    )
    if existing.first():
        raise Conflict(f"list {data.slug!r} exists in this scope", field="slug")
    row = NewsletterList(
        tenant_id=tenant_id,
        scope=tenant_id or 0,
        slug=data.slug,
        name=data.name,
        description=data.description,
        languages=data.languages,
        double_opt_in=data.double_opt_in,
        timezone=data.timezone,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        "newsletter.list_created",
        actor,
        tenant_id=tenant_id,
        target_type="list",
        target_id=row.id,
        details={"slug": row.slug},
    )
    return row


async def get_list(session: AsyncSession, scope: Scope, list_id: int) -> NewsletterList:
    row = await session.get(NewsletterList, list_id)
    if row is None or not scope.allows(row.tenant_id):
        raise NotFound("list not found")
    return row


async def update_list(
    session: AsyncSession, actor: Actor, list_id: int, data: ListUpdate
) -> NewsletterList:
    row = await get_list(session, actor.scope(), list_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(row, key, value)
    await audit.record(
        session,
        "newsletter.list_updated",
        actor,
        tenant_id=row.tenant_id,
        target_type="list",
        target_id=row.id,
        details={"fields": sorted(changes)},
    )
    return row


async def delete_list(session: AsyncSession, actor: Actor, list_id: int) -> None:
    row = await get_list(session, actor.scope(), list_id)
    await audit.record(
        session,
        "newsletter.list_deleted",
        actor,
        tenant_id=row.tenant_id,
        target_type="list",
        target_id=row.id,
        details={"slug": row.slug},
    )
    # The transition history has no foreign key (bulk-written); remove it with the list, after
    # the lock that lets every subscription being added commit first (the subscriptions go with
    # the list, by migration 0005's trigger).
    await references.lock_for_deletion(session, NewsletterList, row.id)
    await session.execute(
        delete(SubscriptionTransition).where(
            SubscriptionTransition.subscription_id.in_(
                select(Subscription.id).where(Subscription.list_id == row.id)
            )
        )
    )
    await session.delete(row)


async def browse_lists(
    session: AsyncSession,
    scope: Scope,
    *,
    tenant_id: int | None = None,
    platform_only: bool = False,
    after_id: int | None = None,
    limit: int = 50,
) -> list[NewsletterList]:
    stmt = select(NewsletterList).where(list_scope_clause(scope)).order_by(NewsletterList.id)
    if tenant_id is not None:
        stmt = stmt.where(NewsletterList.tenant_id == tenant_id)
    if platform_only:
        stmt = stmt.where(NewsletterList.tenant_id.is_(None))
    if after_id is not None:
        stmt = stmt.where(NewsletterList.id > after_id)
    return list((await session.execute(stmt.limit(limit))).scalars())


async def resolve_slugs(
    session: AsyncSession, slugs: list[str], *, tenant_id: int | None, include_platform: bool = True
) -> list[NewsletterList]:
    """Lists named by slug, looked up in the tenant's scope and (optionally) platform-wide.

    A tenant's own list wins over a platform list of the same slug.
    """
    if not slugs:
        return []
    scopes = {tenant_id or 0}
    if include_platform:
        scopes.add(0)
    rows = (
        await session.execute(
            select(NewsletterList).where(
                NewsletterList.slug.in_(slugs),
                NewsletterList.scope.in_(scopes),
                NewsletterList.archived.is_(False),
            )
        )
    ).scalars()
    chosen: dict[str, NewsletterList] = {}
    for row in rows:
        if row.slug not in chosen or row.scope != 0:
            chosen[row.slug] = row
    missing = [s for s in slugs if s not in chosen]
    if missing:
        raise NotFound(f"unknown list(s): {', '.join(missing)}", field="lists")
    return [chosen[s] for s in dict.fromkeys(slugs)]


async def count_by_tenant(session: AsyncSession) -> dict[int, int]:
    """How many lists each tenant owns (tenants without lists are absent)."""
    rows = await session.execute(
        select(NewsletterList.tenant_id, func.count())
        .where(NewsletterList.tenant_id.is_not(None))
        .group_by(NewsletterList.tenant_id)
    )
    return {tenant_id: int(n) for tenant_id, n in rows.all() if tenant_id is not None}
