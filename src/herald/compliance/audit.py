"""The append-only audit trail. Details never hold raw personal data (ids and hashes only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.kit import clock
from herald.models.compliance import AuditEntry

NEWSLETTER_ACTIONS = frozenset(
    {
        "newsletter.subscribe",
        "newsletter.confirm",
        "newsletter.preferences",
        "newsletter.unsubscribe",
        "newsletter.import",
        "newsletter.export",
        "newsletter.suppression",
        "newsletter.suppression_lifted",
        "newsletter.gdpr_erase",
        "newsletter.list_created",
        "newsletter.list_updated",
        "newsletter.list_deleted",
        "newsletter.subscriber_updated",
        "newsletter.subscriber_created",
        "newsletter.bounce",
        "newsletter.complaint",
    }
)


async def record(
    session: AsyncSession,
    action: str,
    actor: Actor,
    *,
    tenant_id: int | None,
    target_type: str | None = None,
    target_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    if "." not in action:
        raise ValueError(f"audit action {action!r} must be namespaced (newsletter.*, …)")
    session.add(
        AuditEntry(
            tenant_id=tenant_id,
            actor_type=actor.kind,
            actor_id=actor.id,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            details=details or {},
            at=clock.now(),
        )
    )
