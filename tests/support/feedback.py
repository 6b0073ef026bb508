"""Audience fixtures and read-backs shared by the feedback tests (webhooks, bounce mailbox)."""

from __future__ import annotations

from sqlalchemy import select

from herald.accounts.context import SYSTEM
from herald.accounts.service import create_tenant
from herald.audience.lists import create_list
from herald.audience.schemas import ListCreate
from herald.audience.states import Status
from herald.audience.subscribers import ensure_subscription, upsert_subscriber
from herald.kit.db import transaction
from herald.models.audience import Subscription
from herald.models.compliance import AuditEntry, Suppression
from herald.models.delivery import DeliveryEvent
from herald.runtime import Runtime


async def make_audience(
    rt: Runtime, email: str = "Ada@Example.com", tenant: str | None = None, suffix: str = ""
) -> int:
    """A subscriber with two active subscriptions (created at the frozen NOW)."""
    async with transaction(rt.sessions) as s:
        tenant_id = None
        if tenant:
            tenant_id = (await create_tenant(s, tenant, tenant.title())).id
        lists = [
            await create_list(
                s,
                SYSTEM,
                ListCreate(slug=slug + suffix, name=slug, tenant=tenant, double_opt_in=False),
            )
            for slug in ("news", "offers")
        ]
        sub, _ = await upsert_subscriber(s, tenant_id=tenant_id, email=email)
        for lst in lists:
            await ensure_subscription(s, sub, lst, initial=Status.ACTIVE, reason="test")
        return sub.id


async def statuses(rt: Runtime, subscriber_id: int) -> list[str]:
    async with transaction(rt.sessions) as s:
        rows = await s.execute(
            select(Subscription.status)
            .where(Subscription.subscriber_id == subscriber_id)
            .order_by(Subscription.id)
        )
        return list(rows.scalars())


async def delivery_events(rt: Runtime) -> list[DeliveryEvent]:
    async with transaction(rt.sessions) as s:
        return list((await s.execute(select(DeliveryEvent).order_by(DeliveryEvent.id))).scalars())


async def suppressions(rt: Runtime) -> list[tuple[int, str, str]]:
    async with transaction(rt.sessions) as s:
        rows = await s.execute(
            select(Suppression.scope, Suppression.stream, Suppression.reason).order_by(
                Suppression.id
            )
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def audit_actions(rt: Runtime, prefix: str = "delivery.") -> list[str]:
    async with transaction(rt.sessions) as s:
        rows = await s.execute(
            select(AuditEntry.action)
            .where(AuditEntry.action.like(prefix + "%"))
            .order_by(AuditEntry.id)
        )
        return list(rows.scalars())
