"""/sys/newsletter/outbox: mail captured by the ``null`` distributor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from herald.audience.schemas import Page
from herald.models.delivery import OutboxMessage
from herald.web.deps import ReadActor, SessionDep, tenant_filter
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: outbox"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


class OutboxOut(BaseModel):
    id: int
    tenant_id: int | None = None
    message_id: str
    category: str
    sender: str
    recipient: str
    subject: str
    headers: dict[str, str]
    text_body: str | None
    html_body: str | None
    captured_at: datetime


@router.get("/outbox", response_model=Page[OutboxOut])
@admin_router.get("/outbox", response_model=Page[OutboxOut])
async def outbox(
    actor: ReadActor,
    session: SessionDep,
    recipient: Annotated[str | None, Query(max_length=320)] = None,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[OutboxOut]:
    stmt = (
        select(OutboxMessage)
        .where(actor.scope().clause(OutboxMessage.tenant_id))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    tenant_id = await tenant_filter(session, actor, tenant)
    if tenant_id is not None:
        stmt = stmt.where(OutboxMessage.tenant_id == tenant_id)
    if recipient:
        stmt = stmt.where(OutboxMessage.recipient == recipient.strip().lower())
    after = after_id(cursor)
    if after is not None:
        stmt = stmt.where(OutboxMessage.id < after)
    rows = list((await session.execute(stmt)).scalars())
    return Page[OutboxOut](
        items=[
            OutboxOut(
                id=r.id,
                tenant_id=r.tenant_id,
                message_id=r.message_id,
                category=r.category,
                sender=r.sender,
                recipient=r.recipient,
                subject=r.subject,
                headers=r.headers,
                text_body=r.text_body,
                html_body=r.html_body,
                captured_at=r.captured_at,
            )
            for r in rows
        ],
        next_cursor=next_cursor([r.id for r in rows], limit),
    )
