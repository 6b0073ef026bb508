"""The notification log: one row per transactional message, its outcome, look-ups, erasure.

``queued → sent | failed``, or ``skipped_suppressed`` / ``skipped_opted_out`` (at request time
or, when the address was suppressed meanwhile, right before sending). Outcomes are audited as
``notification.sent`` / ``notification.skipped`` / ``notification.failed`` on behalf of whoever
asked for the message; details hold ids, keys and a hash prefix, never the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor, Scope
from herald.audience.erasure import register_eraser
from herald.compliance import audit, suppression
from herald.kit import clock
from herald.kit.errors import NotFound
from herald.models.audience import Subscriber
from herald.models.transactional import Notification, NotificationOptOut


class Status(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    SKIPPED_SUPPRESSED = "skipped_suppressed"
    SKIPPED_OPTED_OUT = "skipped_opted_out"
    FAILED = "failed"


_ACTIONS = {
    Status.SENT: "notification.sent",
    Status.SKIPPED_SUPPRESSED: "notification.skipped",
    Status.SKIPPED_OPTED_OUT: "notification.skipped",
    Status.FAILED: "notification.failed",
}


def requester(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id or ''}"[:80]


def _requester_actor(row: Notification) -> Actor:
    kind, _, ident = (row.requested_by or "system:herald").partition(":")
    return Actor(kind=kind, id=ident or None)


async def finish(
    session: AsyncSession,
    row: Notification,
    status: Status,
    *,
    reason: str | None = None,
    error: str | None = None,
    provider: str | None = None,
    provider_message_id: str | None = None,
) -> None:
    """Record a final outcome, drop the rendered content, and audit it."""
    now = clock.now()
    row.status = status.value
    row.reason = reason
    row.error = (error or "")[:2000] or None
    row.provider = provider
    row.provider_message_id = (provider_message_id or "")[:255] or None
    row.content = None
    row.updated_at = now
    if status is Status.SENT:
        row.sent_at = now
    await session.flush()
    details: dict[str, object] = {
        "template": row.template,
        "category": row.category,
        "status": status.value,
        "recipient_hash": row.recipient_hash[:16],
    }
    if reason:
        details["reason"] = reason
    if provider:
        details["provider"] = provider
    await audit.record(
        session,
        _ACTIONS[status],
        _requester_actor(row),
        tenant_id=row.tenant_id,
        target_type="notification",
        target_id=row.id,
        details=details,
    )


@dataclass(frozen=True, slots=True)
class NotificationFilter:
    tenant_id: int | None = None
    email: str | None = None  # normalised
    template: str | None = None
    category: str | None = None
    status: str | None = None


async def browse(
    session: AsyncSession,
    scope: Scope,
    f: NotificationFilter,
    *,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Notification]:
    """Newest first, keyset-paged by id."""
    stmt = select(Notification).where(scope.clause(Notification.tenant_id))
    if f.tenant_id is not None:
        stmt = stmt.where(Notification.scope == f.tenant_id)
    if f.email:
        digest = await suppression.email_hash(session, f.email)
        stmt = stmt.where(Notification.recipient_hash == digest)
    for column, value in (
        (Notification.template, f.template),
        (Notification.category, f.category),
        (Notification.status, f.status),
    ):
        if value:
            stmt = stmt.where(column == value)
    if before_id:
        stmt = stmt.where(Notification.id < before_id)
    rows = await session.execute(stmt.order_by(Notification.id.desc()).limit(limit))
    return list(rows.scalars())


async def get_notification(
    session: AsyncSession, scope: Scope, notification_id: int
) -> Notification:
    row = await session.get(Notification, notification_id)
    if row is None or not scope.allows(row.tenant_id):
        raise NotFound("notification not found")
    return row


async def _erase(session: AsyncSession, subscriber: Subscriber) -> None:
    """GDPR erasure: the person's log rows in the subscriber's scope, and their opt-outs."""
    digest = await suppression.email_hash(session, subscriber.email_normalized)
    await session.execute(
        delete(Notification).where(
            Notification.recipient_hash == digest, Notification.scope == subscriber.scope
        )
    )
    await session.execute(
        delete(NotificationOptOut).where(NotificationOptOut.subscriber_id == subscriber.id)
    )


register_eraser(_erase)
