"""Saved segments (CRUD, tenant-scoped) and counting subscribers that match a rule tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor, Scope
from herald.accounts.service import get_tenant_by_slug
from herald.kit import clock
from herald.kit.db import StatementTimeout, statement_deadline
from herald.kit.errors import Conflict, NotFound, ValidationFailed
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.models.segments import Segment
from herald.segments.compiler import compile_rules
from herald.segments.rules import SLUG, Node, parse_rules

SAMPLE_SIZE = 10


class SegmentTimeout(ValidationFailed):
    """The count ran past the statement timeout: the segment is too expensive as written."""

    code = "segment_timeout"


@dataclass(frozen=True, slots=True)
class CountResult:
    count: int
    sample: list[dict[str, Any]]


async def resolve_scope(session: AsyncSession, actor: Actor, tenant: str | None) -> Scope:
    """The caller's scope, narrowed to ``tenant`` (a slug) when one is named."""
    scope = actor.scope()
    if tenant is None:
        return scope
    found = await get_tenant_by_slug(session, tenant, missing_ok=True)
    if found is None or not scope.allows(found.id):
        raise NotFound(f"tenant {tenant!r} not found")
    return Scope.tenant(found.id)


def where_clause(node: Node, scope: Scope, lists: list[str] | None = None) -> ColumnElement[bool]:
    clause = compile_rules(node, tenant_id=scope.tenant_id, all_tenants=scope.all_tenants)
    if lists:
        for slug in lists:
            if not isinstance(slug, str) or not SLUG.fullmatch(slug):
                raise ValidationFailed(f"invalid list slug {str(slug)[:80]!r}", field="lists")
        clause = and_(
            clause,
            exists(
                select(1)
                .select_from(Subscription)
                .join(NewsletterList, NewsletterList.id == Subscription.list_id)
                .where(
                    Subscription.subscriber_id == Subscriber.id,
                    Subscription.status == "active",
                    NewsletterList.scope == Subscriber.scope,
                    NewsletterList.slug.in_(lists),
                )
            ),
        )
    return clause


async def count(
    session: AsyncSession,
    actor: Actor,
    rules: Any,
    *,
    lists: list[str] | None = None,
    tenant: str | None = None,
    timeout_ms: int | None = None,
    sample: bool = True,
) -> CountResult:
    """How many subscribers in scope match ``rules`` (and are active on one of ``lists``).

    The statements run under a deadline (PostgreSQL's ``statement_timeout``, an interrupting
    progress handler on SQLite); running past it raises ``SegmentTimeout`` (422) rather than
    tying up the database.
    """
    node = parse_rules(rules, allow_sys_fields=actor.is_sys)
    scope = await resolve_scope(session, actor, tenant)
    clause = where_clause(node, scope, lists)
    try:
        async with statement_deadline(session, timeout_ms):
            total = (
                await session.execute(select(func.count()).select_from(Subscriber).where(clause))
            ).scalar_one()
            rows: list[dict[str, Any]] = []
            if sample and total:
                result = await session.execute(
                    select(Subscriber.id, Subscriber.email, Subscriber.name)
                    .where(clause)
                    .order_by(Subscriber.id)
                    .limit(SAMPLE_SIZE)
                )
                rows = [{"id": r.id, "email": r.email, "name": r.name} for r in result]
    except StatementTimeout:
        raise SegmentTimeout(
            f"the segment count took longer than {timeout_ms} ms; narrow the rules "
            "(e.g. add a list, country or date condition)"
        ) from None
    return CountResult(count=int(total), sample=rows)


# --- saved segments ---------------------------------------------------------------------------


async def create_segment(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    rules: Any,
    description: str | None = None,
    tenant: str | None = None,
) -> Segment:
    parse_rules(rules, allow_sys_fields=actor.is_sys)
    scope = await resolve_scope(session, actor, tenant)
    tenant_id = None if scope.all_tenants else scope.tenant_id
    await _unique_name(session, tenant_id, name)
    segment = Segment(
        tenant_id=tenant_id,
        scope=tenant_id or 0,
        name=name,
        description=description,
        rules=rules,
    )
    session.add(segment)
    await session.flush()
    return segment


async def _unique_name(
    session: AsyncSession, tenant_id: int | None, name: str, *, exclude: int | None = None
) -> None:
    query = select(Segment.id).where(Segment.scope == (tenant_id or 0), Segment.name == name)
    if exclude is not None:
        query = query.where(Segment.id != exclude)
    if (await session.execute(query)).first():
        raise Conflict(f"a segment named {name!r} exists", field="name")


async def get_segment(session: AsyncSession, scope: Scope, segment_id: int) -> Segment:
    row = (
        await session.execute(
            select(Segment).where(Segment.id == segment_id, scope.clause(Segment.tenant_id))
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"segment {segment_id} not found")
    return row


async def browse_segments(
    session: AsyncSession,
    scope: Scope,
    *,
    after_id: int | None,
    limit: int,
    tenant_id: int | None = None,
) -> list[Segment]:
    """Saved segments in scope, oldest first; ``tenant_id`` narrows to one tenant's."""
    query = select(Segment).where(scope.clause(Segment.tenant_id))
    if tenant_id is not None:
        query = query.where(Segment.tenant_id == tenant_id)
    if after_id is not None:
        query = query.where(Segment.id > after_id)
    return list((await session.execute(query.order_by(Segment.id).limit(limit))).scalars())


async def update_segment(
    session: AsyncSession,
    actor: Actor,
    segment_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    rules: Any = None,
) -> Segment:
    segment = await get_segment(session, actor.scope(), segment_id)
    if rules is not None:
        parse_rules(rules, allow_sys_fields=actor.is_sys)
        segment.rules = rules
    if name is not None and name != segment.name:
        await _unique_name(session, segment.tenant_id, name, exclude=segment.id)
        segment.name = name
    if description is not None:
        segment.description = description
    segment.updated_at = clock.now()
    await session.flush()
    return segment


async def delete_segment(session: AsyncSession, actor: Actor, segment_id: int) -> None:
    segment = await get_segment(session, actor.scope(), segment_id)
    await session.delete(segment)
    await session.flush()


async def count_segment(
    session: AsyncSession, actor: Actor, segment_id: int, *, timeout_ms: int | None = None
) -> CountResult:
    segment = await get_segment(session, actor.scope(), segment_id)
    tenant = None
    if segment.tenant_id is not None:
        tenant = (
            await session.execute(select(Tenant.slug).where(Tenant.id == segment.tenant_id))
        ).scalar_one()
    return await count(session, actor, segment.rules, tenant=tenant, timeout_ms=timeout_ms)
