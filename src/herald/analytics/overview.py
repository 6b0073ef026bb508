"""The console overview: audience size and growth, and deliverability at a glance.

Figures are per scope (all tenants for a platform operator, one for a tenant admin) and may
narrow to one tenant. Days are UTC calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Executable, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Scope
from herald.kit import clock
from herald.models.audience import NewsletterList, Subscription
from herald.models.campaigns import Campaign, Delivery
from herald.models.compliance import Suppression

LEFT = ("unsubscribed", "bounced", "complained")


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    joined: int
    left: int


@dataclass(slots=True)
class Overview:
    statuses: dict[str, int]
    lists: int
    campaigns: dict[str, int]
    suppressions: int
    start_total: int  # subscriptions (not yet gone) at the start of the first day
    days: list[Day]
    sent: int  # messages accepted by a provider in the deliverability window
    failed: int
    bounced: int  # subscriptions that bounced in the window
    complained: int
    window_days: int


def _tenant(column: Any, tenant_id: int | None) -> ColumnElement[bool]:
    result: ColumnElement[bool] = true() if tenant_id is None else column == tenant_id
    return result


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def _grouped(session: AsyncSession, stmt: Executable) -> dict[Any, int]:
    return {key: int(n) for key, n in (await session.execute(stmt)).all()}


async def overview(
    session: AsyncSession, scope: Scope, *, tenant_id: int | None, days: int = 30
) -> Overview:
    now = clock.now()
    start = datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), now.tzinfo)
    where_sub = (scope.clause(Subscription.tenant_id), _tenant(Subscription.tenant_id, tenant_id))
    statuses = await _grouped(
        session,
        select(Subscription.status, func.count()).where(*where_sub).group_by(Subscription.status),
    )
    joined = await _grouped(
        session,
        select(func.date(Subscription.created_at), func.count())
        .where(*where_sub, Subscription.created_at >= start)
        .group_by(func.date(Subscription.created_at)),
    )
    left = await _grouped(
        session,
        select(func.date(Subscription.status_changed_at), func.count())
        .where(*where_sub, Subscription.status.in_(LEFT), Subscription.status_changed_at >= start)
        .group_by(func.date(Subscription.status_changed_at)),
    )
    gone = await _grouped(
        session,
        select(Subscription.status, func.count())
        .where(*where_sub, Subscription.status.in_(LEFT), Subscription.status_changed_at >= start)
        .group_by(Subscription.status),
    )
    before = (
        await session.execute(
            select(func.count()).where(
                *where_sub,
                Subscription.created_at < start,
                ~Subscription.status.in_(LEFT) | (Subscription.status_changed_at >= start),
            )
        )
    ).scalar_one()
    joined_by_day = {_day(k): v for k, v in joined.items()}
    left_by_day = {_day(k): v for k, v in left.items()}
    series = [
        Day(d, joined_by_day.get(d, 0), left_by_day.get(d, 0))
        for d in (start.date() + timedelta(days=i) for i in range(days))
    ]
    lists = (
        await session.execute(
            select(func.count()).where(
                scope.clause(NewsletterList.tenant_id),
                _tenant(NewsletterList.tenant_id, tenant_id),
                NewsletterList.archived.is_(False),
            )
        )
    ).scalar_one()
    campaigns = await _grouped(
        session,
        select(Campaign.status, func.count())
        .where(scope.clause(Campaign.tenant_id), _tenant(Campaign.tenant_id, tenant_id))
        .group_by(Campaign.status),
    )
    deliveries = await _grouped(
        session,
        select(Delivery.status, func.count())
        .where(
            scope.clause(Delivery.tenant_id),
            _tenant(Delivery.tenant_id, tenant_id),
            Delivery.status.in_(("sent", "failed")),
            Delivery.due_at >= start,
        )
        .group_by(Delivery.status),
    )
    suppressions = (
        await session.execute(
            select(func.count()).where(
                scope.clause(Suppression.tenant_id), _tenant(Suppression.tenant_id, tenant_id)
            )
        )
    ).scalar_one()
    return Overview(
        statuses=statuses,
        lists=int(lists),
        campaigns=campaigns,
        suppressions=int(suppressions),
        start_total=int(before),
        days=series,
        sent=deliveries.get("sent", 0),
        failed=deliveries.get("failed", 0),
        bounced=gone.get("bounced", 0),
        complained=gone.get("complained", 0),
        window_days=days,
    )
