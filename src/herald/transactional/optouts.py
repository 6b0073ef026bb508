"""Per-category opt-outs of optional notifications, chosen in the preference centre.

An opt-out belongs to a subscriber, so it applies to notifications sent to that subscriber's
address in the subscriber's own scope (a tenant, or platform-wide). Mandatory categories cannot
be turned off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience.optin import subscriber_actor
from herald.compliance import audit
from herald.kit import clock
from herald.kit.db import dialect_insert
from herald.kit.errors import ValidationFailed
from herald.models.audience import Subscriber
from herald.models.transactional import NotificationOptOut
from herald.transactional.catalogue import Catalogue


@dataclass(frozen=True, slots=True)
class CategoryChoice:
    category: str
    name: str
    subscribed: bool


async def subscriber_in_scope(
    session: AsyncSession, address: str, tenant_id: int | None
) -> Subscriber | None:
    """The subscriber with this (normalised) address in the tenant's scope, if any."""
    return (
        await session.execute(
            select(Subscriber).where(
                Subscriber.scope == (tenant_id or 0), Subscriber.email_normalized == address
            )
        )
    ).scalar_one_or_none()


async def is_opted_out(
    session: AsyncSession, address: str, tenant_id: int | None, category: str
) -> bool:
    row = await session.execute(
        select(NotificationOptOut.id)
        .join(Subscriber, Subscriber.id == NotificationOptOut.subscriber_id)
        .where(
            Subscriber.scope == (tenant_id or 0),
            Subscriber.email_normalized == address,
            NotificationOptOut.category == category,
        )
        .limit(1)
    )
    return row.first() is not None


async def _opted_out(session: AsyncSession, subscriber_id: int) -> set[str]:
    rows = await session.execute(
        select(NotificationOptOut.category).where(NotificationOptOut.subscriber_id == subscriber_id)
    )
    return set(rows.scalars())


async def choices(
    session: AsyncSession, catalogue: Catalogue, subscriber: Subscriber, language: str
) -> list[CategoryChoice]:
    """The optional categories with the subscriber's choice, named in ``language``."""
    out = await _opted_out(session, subscriber.id)
    return [
        CategoryChoice(c.key, c.name(language), c.key not in out)
        for c in catalogue.optional_categories()
    ]


async def update_choices(
    session: AsyncSession,
    catalogue: Catalogue,
    subscriber: Subscriber,
    wanted: Mapping[str, bool],
) -> dict[str, bool]:
    """Apply ``{category: receive?}``; returns what changed. Audited per change."""
    for key, receive in wanted.items():
        category = catalogue.categories.get(key)
        if category is None:
            raise ValidationFailed(
                f"unknown notification category {key[:64]!r}", field="notifications"
            )
        if category.mandatory and not receive:
            raise ValidationFailed(
                f"{key!r} notifications are always sent and cannot be turned off",
                field="notifications",
            )
    current = await _opted_out(session, subscriber.id)
    changed: dict[str, bool] = {}
    insert = dialect_insert(session)
    for key, receive in wanted.items():
        if catalogue.categories[key].mandatory or receive == (key not in current):
            continue
        if receive:
            await session.execute(
                delete(NotificationOptOut).where(
                    NotificationOptOut.subscriber_id == subscriber.id,
                    NotificationOptOut.category == key,
                )
            )
        else:
            await session.execute(
                insert(NotificationOptOut)
                .values(
                    tenant_id=subscriber.tenant_id,
                    subscriber_id=subscriber.id,
                    category=key,
                    created_at=clock.now(),
                )
                .on_conflict_do_nothing()
            )
        changed[key] = receive
        await audit.record(
            session,
            "notification.category_opt_in" if receive else "notification.category_opt_out",
            subscriber_actor(subscriber.id),
            tenant_id=subscriber.tenant_id,
            target_type="subscriber",
            target_id=subscriber.id,
            details={"category": key},
        )
    return changed
