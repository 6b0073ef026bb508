"""Reading the audit trail: filters for compliance officers, newest first, keyset-paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Scope
from herald.models.compliance import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action_prefix: str | None = None
    tenant_id: int | None = None
    target_type: str | None = None
    target_id: str | None = None
    actor_type: str | None = None
    actor_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _query(scope: Scope, f: AuditFilter) -> Select[AuditEntry]:
    stmt = select(AuditEntry).where(scope.clause(AuditEntry.tenant_id))
    if f.action_prefix:
        escaped = f.action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(AuditEntry.action.like(escaped + "%", escape="\\"))
    if f.tenant_id is not None:
        stmt = stmt.where(AuditEntry.tenant_id == f.tenant_id)
    if f.target_type:
        stmt = stmt.where(AuditEntry.target_type == f.target_type)
    if f.target_id:
        stmt = stmt.where(AuditEntry.target_id == f.target_id)
    if f.actor_type:
        stmt = stmt.where(AuditEntry.actor_type == f.actor_type)
    if f.actor_id:
        stmt = stmt.where(AuditEntry.actor_id == f.actor_id)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEntry.at < f.until)
    return stmt


async def browse(
    session: AsyncSession, scope: Scope, f: AuditFilter, *, before_id: int | None, limit: int
) -> list[AuditEntry]:
    stmt = _query(scope, f).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list((await session.execute(stmt)).scalars())
