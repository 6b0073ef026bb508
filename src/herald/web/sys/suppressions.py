"""/sys/newsletter/suppressions: the one suppression list shared by marketing and transactional."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from herald.accounts import service as accounts
from herald.audience.schemas import Page
from herald.compliance import suppression
from herald.kit.text import normalise_email
from herald.web.deps import ReadActor, SessionDep, SysActor, tenant_filter
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: suppressions"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


class SuppressionOut(BaseModel):
    id: int
    tenant_id: int | None
    email_hash: str
    stream: str
    reason: str
    source: str | None
    created_at: datetime


class SuppressionIn(BaseModel):
    email: str = Field(max_length=320)
    reason: str = Field(default="manual", pattern="^(manual|complaint|hard_bounce|unsubscribe)$")
    stream: str = Field(default="all", pattern="^(all|marketing)$")
    tenant: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class LiftIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


def _out(v: suppression.SuppressionView) -> SuppressionOut:
    return SuppressionOut(
        id=v.id,
        tenant_id=v.tenant_id,
        email_hash=v.email_hash,
        stream=v.stream,
        reason=v.reason,
        source=v.source,
        created_at=v.created_at,
    )


@router.get("/suppressions", response_model=Page[SuppressionOut])
@admin_router.get("/suppressions", response_model=Page[SuppressionOut])
async def list_suppressions(
    actor: ReadActor,
    session: SessionDep,
    email: Annotated[str | None, Query(max_length=320, description="look up one address")] = None,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[SuppressionOut]:
    """Entries hold only a keyed hash of the address; look one up by passing ``email``.
    A tenant's view includes the platform-wide entries, which apply to it too."""
    tenant_id = await tenant_filter(session, actor, tenant)
    rows = await suppression.list_suppressions(
        session,
        tenant_filter=None if tenant_id is None else [tenant_id, 0],
        email=email,
        after_id=after_id(cursor),
        limit=limit,
    )
    return Page[SuppressionOut](
        items=[_out(r) for r in rows], next_cursor=next_cursor([r.id for r in rows], limit)
    )


@router.post("/suppressions", status_code=201, response_model=SuppressionOut)
async def add_suppression(
    body: SuppressionIn, actor: SysActor, session: SessionDep
) -> SuppressionOut:
    address = normalise_email(body.email)
    tenant_id = await accounts.tenant_id_for(session, body.tenant)
    await suppression.suppress(
        session,
        address,
        tenant_id=tenant_id,
        reason=body.reason,
        stream=body.stream,
        source=f"operator: {body.note}" if body.note else "operator",
        actor=actor,
    )
    rows = await suppression.list_suppressions(
        session, tenant_filter=[tenant_id or 0], email=address, limit=5
    )
    row = next(r for r in rows if r.stream == body.stream and r.tenant_id == tenant_id)
    return _out(row)


@router.post("/suppressions/{suppression_id}/lift", status_code=204)
async def lift_suppression(
    suppression_id: int, body: LiftIn, actor: SysActor, session: SessionDep
) -> None:
    """Remove an entry. Needs a reason; audited as ``newsletter.suppression_lifted``."""
    await suppression.lift(session, suppression_id, reason=body.reason, actor=actor, scope_ids=None)
