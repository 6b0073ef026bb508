"""The one suppression list shared by marketing and transactional mail.

Entries hold an HMAC of the normalised address (never the address), so they survive erasure.
``stream='all'`` blocks every message (hard bounce, erasure, manual); ``stream='marketing'``
blocks marketing and optional transactional mail (complaint, unsubscribe-all).
A platform-wide entry (scope 0) applies to every tenant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.compliance import audit
from herald.compliance.keys import instance_key
from herald.kit import clock
from herald.kit.crypto import keyed_hash
from herald.kit.db import dialect_insert
from herald.kit.errors import NotFound, ValidationFailed
from herald.kit.text import normalise_email
from herald.models.compliance import Suppression

STREAMS = ("all", "marketing")
REASONS = (
    "hard_bounce",
    "soft_bounce_limit",
    "complaint",
    "unsubscribe",
    "erasure",
    "manual",
    "import",
)


@dataclass(frozen=True, slots=True)
class SuppressionView:
    id: int
    tenant_id: int | None
    email_hash: str
    stream: str
    reason: str
    source: str | None
    created_at: datetime


async def email_hash(session: AsyncSession, address: str) -> str:
    return keyed_hash(await instance_key(session, "suppression_pepper"), "email", address)


def _scope(tenant_id: int | None) -> int:
    return tenant_id or 0


async def suppress(
    session: AsyncSession,
    address: str,
    *,
    tenant_id: int | None,
    reason: str,
    stream: str = "all",
    source: str | None = None,
    actor: Actor | None = None,
) -> None:
    """Add (idempotently) an entry for an already-normalised address."""
    if reason not in REASONS:
        raise ValidationFailed(f"reason must be one of {', '.join(REASONS)}", field="reason")
    if stream not in STREAMS:
        raise ValidationFailed(f"stream must be one of {', '.join(STREAMS)}", field="stream")
    digest = await email_hash(session, address)
    insert = dialect_insert(session)
    result = await session.execute(
        insert(Suppression)
        .values(
            tenant_id=tenant_id,
            scope=_scope(tenant_id),
            email_hash=digest,
            stream=stream,
            reason=reason,
            source=(source or "")[:500] or None,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing()
    )
    if actor is not None and result.rowcount:  # type: ignore[attr-defined]
        await audit.record(
            session,
            "newsletter.suppression",
            actor,
            tenant_id=tenant_id,
            target_type="suppression",
            target_id=digest[:16],
            details={"reason": reason, "stream": stream},
        )


def _blocking(stream: str) -> list[str]:
    # A marketing send (or an optional transactional one) is blocked by either kind; a
    # mandatory transactional one (stream 'transactional') only by 'all'.
    return ["all", "marketing"] if stream == "marketing" else ["all"]


async def blocking_reason(
    session: AsyncSession, address: str, *, tenant_id: int | None, stream: str = "marketing"
) -> str | None:
    """The reason of an entry that blocks mail of ``stream`` to the address (None: no entry).

    ``stream`` is ``marketing`` (also optional transactional mail) or ``transactional``
    (mandatory transactional mail, blocked only by ``all`` entries). ``all`` entries win.
    """
    digest = await email_hash(session, address)
    row = await session.execute(
        select(Suppression.reason)
        .where(
            Suppression.email_hash == digest,
            Suppression.scope.in_({0, _scope(tenant_id)}),
            Suppression.stream.in_(_blocking(stream)),
        )
        .order_by(Suppression.stream)
        .limit(1)
    )
    return row.scalar_one_or_none()


async def is_suppressed(
    session: AsyncSession, address: str, *, tenant_id: int | None, stream: str = "marketing"
) -> bool:
    return await blocking_reason(session, address, tenant_id=tenant_id, stream=stream) is not None


async def suppressed_hashes(
    session: AsyncSession, hashes: Iterable[str], *, tenant_id: int | None, stream: str
) -> set[str]:
    wanted = list(set(hashes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = await session.execute(
            select(Suppression.email_hash).where(
                Suppression.email_hash.in_(chunk),
                Suppression.scope.in_({0, _scope(tenant_id)}),
                Suppression.stream.in_(_blocking(stream)),
            )
        )
        found.update(rows.scalars())
    return found


async def list_suppressions(
    session: AsyncSession,
    *,
    tenant_filter: list[int] | None,
    email: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[SuppressionView]:
    stmt = select(Suppression).order_by(Suppression.id.desc()).limit(limit)
    if tenant_filter is not None:
        stmt = stmt.where(
            or_(Suppression.scope.in_(tenant_filter), Suppression.scope == 0)
            if 0 in tenant_filter
            else Suppression.scope.in_(tenant_filter)
        )
    if email:
        stmt = stmt.where(
            Suppression.email_hash == await email_hash(session, normalise_email(email))
        )
    if after_id:
        stmt = stmt.where(Suppression.id < after_id)
    rows = (await session.execute(stmt)).scalars()
    return [
        SuppressionView(r.id, r.tenant_id, r.email_hash, r.stream, r.reason, r.source, r.created_at)
        for r in rows
    ]


async def lift(
    session: AsyncSession,
    suppression_id: int,
    *,
    reason: str,
    actor: Actor,
    scope_ids: set[int] | None,
) -> None:
    """Remove an entry. Lifting needs a reason and is audited."""
    if not reason or not reason.strip():
        raise ValidationFailed("lifting a suppression needs a reason", field="reason")
    row = await session.get(Suppression, suppression_id)
    if row is None or (scope_ids is not None and row.scope not in scope_ids):
        raise NotFound("suppression not found")
    await session.execute(delete(Suppression).where(Suppression.id == suppression_id))
    await audit.record(
        session,
        "newsletter.suppression_lifted",
        actor,
        tenant_id=row.tenant_id,
        target_type="suppression",
        target_id=row.email_hash[:16],
        details={"reason": reason.strip()[:500], "was": row.reason, "stream": row.stream},
    )
