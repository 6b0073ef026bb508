"""Seed helpers for segment tests: subscribers, subscriptions and tracking events as plain rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit import clock
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.models.tracking import TrackingEvent


async def add_tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = Tenant(slug=slug, name=slug.title())
    session.add(tenant)
    await session.flush()
    return tenant


async def add_list(session: AsyncSession, slug: str, tenant_id: int | None) -> NewsletterList:
    row = NewsletterList(tenant_id=tenant_id, scope=tenant_id or 0, slug=slug, name=slug)
    session.add(row)
    await session.flush()
    return row


async def add_subscriber(
    session: AsyncSession,
    email: str,
    *,
    tenant_id: int | None = None,
    lists: dict[int, str] | None = None,
    events: list[tuple[str, float, bool, int | None]] | None = None,
    **columns: Any,
) -> Subscriber:
    """``lists``: {list id: status}; ``events``: (kind, days ago, machine, campaign id)."""
    now = clock.now()
    columns.setdefault("language", "en")
    columns.setdefault("source", "form")
    columns.setdefault("attributes", {})
    row = Subscriber(
        tenant_id=tenant_id,
        scope=tenant_id or 0,
        email=email,
        email_normalized=email.lower(),
        email_domain=email.rsplit("@", 1)[1].lower(),
        **columns,
    )
    session.add(row)
    await session.flush()
    for list_id, status in (lists or {}).items():
        session.add(
            Subscription(
                tenant_id=tenant_id,
                list_id=list_id,
                subscriber_id=row.id,
                status=status,
                status_changed_at=now,
            )
        )
    for kind, days_ago, machine, campaign_id in events or []:
        session.add(
            TrackingEvent(
                tenant_id=tenant_id,
                subscriber_id=row.id,
                kind=kind,
                machine=machine,
                campaign_id=campaign_id,
                occurred_at=now - timedelta(days=days_ago),
            )
        )
    await session.flush()
    return row


async def clear_audience(session: AsyncSession) -> None:
    for model in (TrackingEvent, Subscription, Subscriber):
        await session.execute(delete(model))


def days_ago(days: float) -> datetime:
    return clock.now() - timedelta(days=days)
