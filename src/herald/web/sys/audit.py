"""/sys/newsletter/audit: the audit trail, filtered, paged, exportable as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from herald.accounts.context import Actor
from herald.audience.schemas import Page
from herald.compliance.audit_query import AuditFilter, browse
from herald.kit.text import csv_safe
from herald.models.compliance import AuditEntry
from herald.web.deps import ReadActor, RuntimeDep, SessionDep, tenant_filter
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: audit"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])
Text64 = Annotated[str | None, Query(max_length=64)]


class AuditOut(BaseModel):
    id: int
    at: datetime
    action: str
    tenant_id: int | None
    actor_type: str
    actor_id: str | None
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]


def _out(e: AuditEntry) -> AuditOut:
    return AuditOut(
        id=e.id,
        at=e.at,
        action=e.action,
        tenant_id=e.tenant_id,
        actor_type=e.actor_type,
        actor_id=e.actor_id,
        target_type=e.target_type,
        target_id=e.target_id,
        details=e.details or {},
    )


async def _filter(
    session: Any,
    actor: Actor,
    action: str | None,
    tenant: str | None,
    target_type: str | None,
    target_id: str | None,
    actor_type: str | None,
    actor_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditFilter:
    tenant_id = await tenant_filter(session, actor, tenant)
    return AuditFilter(
        action, tenant_id, target_type, target_id, actor_type, actor_id, since, until
    )


@router.get("/audit", response_model=Page[AuditOut])
@admin_router.get("/audit", response_model=Page[AuditOut])
async def audit_trail(
    actor: ReadActor,
    session: SessionDep,
    action: Annotated[
        str | None, Query(max_length=64, description="prefix, e.g. newsletter.")
    ] = None,
    tenant: Text64 = None,
    target_type: Text64 = None,
    target_id: Text64 = None,
    actor_type: Text64 = None,
    actor_id: Text64 = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[AuditOut]:
    f = await _filter(
        session, actor, action, tenant, target_type, target_id, actor_type, actor_id, since, until
    )
    rows = await browse(session, actor.scope(), f, before_id=after_id(cursor), limit=limit)
    return Page[AuditOut](
        items=[_out(r) for r in rows], next_cursor=next_cursor([r.id for r in rows], limit)
    )


@router.get("/audit/export.csv", response_class=StreamingResponse)
@admin_router.get("/audit/export.csv", response_class=StreamingResponse)
async def audit_export(
    actor: ReadActor,
    session: SessionDep,
    rt: RuntimeDep,
    action: Text64 = None,
    tenant: Text64 = None,
    target_type: Text64 = None,
    target_id: Text64 = None,
    actor_type: Text64 = None,
    actor_id: Text64 = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    f = await _filter(
        session, actor, action, tenant, target_type, target_id, actor_type, actor_id, since, until
    )
    scope = actor.scope()

    async def rows() -> AsyncIterator[bytes]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(
            [
                "id",
                "at",
                "action",
                "tenant_id",
                "actor_type",
                "actor_id",
                "target_type",
                "target_id",
                "details",
            ]
        )
        before: int | None = None
        while True:
            async with rt.sessions() as s:
                page = await browse(s, scope, f, before_id=before, limit=2000)
            for e in page:
                writer.writerow(
                    [
                        csv_safe(v)
                        for v in (
                            e.id,
                            e.at.isoformat(),
                            e.action,
                            e.tenant_id,
                            e.actor_type,
                            e.actor_id,
                            e.target_type,
                            e.target_id,
                            json.dumps(e.details or {}, ensure_ascii=False),
                        )
                    ]
                )
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
            if len(page) < 2000:
                return
            before = page[-1].id

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
