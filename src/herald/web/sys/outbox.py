"""/sys/newsletter/outbox: mail captured by the ``null`` distributor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from herald.audience.schemas import Page
from herald.models.delivery import OutboxMessage
from herald.web.deps import SessionDep, SysActor
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: outbox"])


class OutboxOut(BaseModel):
    id: int
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
async def outbox(
    actor: SysActor,
    session: SessionDep,
    recipient: Annotated[str | None, Query(max_length=320)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[OutboxOut]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
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
