"""Who a campaign goes to: list membership (active only), intersected with a saved segment.

Materialising writes the delivery ledger with one ``INSERT … SELECT`` (deduplicated across lists
by ``UNIQUE(campaign_id, subscriber_id)`` and the ``EXISTS`` form of the membership test).
Suppression entries are keyed by an address HMAC the database cannot compute, so suppressed
addresses are skipped — and recorded as such in the ledger — by the pre-send re-check.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, func, literal, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Scope
from herald.kit import clock
from herald.kit.db import dialect_insert, is_postgres
from herald.models.audience import Subscriber, Subscription
from herald.models.campaigns import Campaign, Delivery
from herald.models.segments import Segment
from herald.segments.compiler import compile_rules
from herald.segments.rules import parse_rules


def active_membership(list_ids: list[int]) -> ColumnElement[bool]:
    """Correlated to ``subscribers``: an active subscription on one of ``list_ids`` (on any
    list when there are none — a segment-only campaign still needs an active subscription).
    Materialisation and the pre-send re-check both use it."""
    condition = and_(Subscription.subscriber_id == Subscriber.id, Subscription.status == "active")
    if list_ids:
        condition = and_(condition, Subscription.list_id.in_(list_ids))
    return condition


async def audience_clause(session: AsyncSession, campaign: Campaign) -> ColumnElement[bool]:
    """A WHERE clause over ``subscribers`` selecting the campaign's recipients."""
    scope = (
        Scope.tenant(campaign.tenant_id) if campaign.tenant_id is not None else Scope.everything()
    )
    clause: ColumnElement[bool] = and_(
        Subscriber.scope == (campaign.tenant_id or 0),
        exists(select(1).select_from(Subscription).where(active_membership(campaign.list_ids))),
    )
    if campaign.segment_id is not None:
        segment = await session.get(Segment, campaign.segment_id)
        if segment is not None:
            node = parse_rules(segment.rules, allow_sys_fields=True)
            clause = and_(
                clause,
                compile_rules(node, tenant_id=scope.tenant_id, all_tenants=scope.all_tenants),
            )
        else:
            clause = and_(clause, ~true())
    return clause


async def count_audience(session: AsyncSession, campaign: Campaign) -> int:
    clause = await audience_clause(session, campaign)
    return int(
        (
            await session.execute(select(func.count()).select_from(Subscriber).where(clause))
        ).scalar_one()
    )


async def materialise(session: AsyncSession, campaign: Campaign) -> int:
    """Write the ledger rows (idempotent); returns the number of rows the campaign has."""
    clause = await audience_clause(session, campaign)
    if is_postgres(session):
        # A million-row INSERT … SELECT outlasts the web-request statement timeout; it is
        # one bounded, set-based statement run by the worker.
        await session.execute(text("SET LOCAL statement_timeout = 0"))
    now = clock.now()
    source = select(
        literal(campaign.id).label("campaign_id"),
        Subscriber.id,
        Subscriber.tenant_id,
        literal("queued").label("status"),
        literal(now, Delivery.due_at.type).label("due_at"),
        literal(0).label("attempts"),
    ).where(clause)
    insert = dialect_insert(session)
    stmt = (
        insert(Delivery)
        .from_select(
            ["campaign_id", "subscriber_id", "tenant_id", "status", "due_at", "attempts"], source
        )
        .on_conflict_do_nothing()
    )
    await session.execute(stmt)
    total = (
        await session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.campaign_id == campaign.id)
        )
    ).scalar_one()
    return int(total)
