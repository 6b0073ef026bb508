"""/sys/newsletter/transactional/send and the notification log (/sys/newsletter/notifications)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from herald import transactional
from herald.accounts import service as accounts
from herald.accounts.context import Actor
from herald.audience.schemas import Page
from herald.kit.text import normalise_email
from herald.models.transactional import Notification
from herald.transactional.notifications import NotificationFilter, browse, get_notification
from herald.web.deps import RuntimeDep, SessionDep, SysActor
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: transactional"])
Text64 = Annotated[str | None, Query(max_length=64)]
StatusQuery = Annotated[
    str | None,
    Query(pattern="^(queued|sent|skipped_suppressed|skipped_opted_out|failed)$"),
]


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=16)


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, max_length=64)
    to: RecipientIn
    data: dict[str, Any] = Field(default_factory=dict, max_length=200)
    tenant: str | None = Field(default=None, max_length=64)


class NotificationOut(BaseModel):
    id: int
    tenant_id: int | None
    template: str
    category: str
    mandatory: bool
    email: str
    language: str
    status: str
    reason: str | None
    error: str | None
    attempts: int
    provider: str | None
    provider_message_id: str | None
    created_at: datetime
    sent_at: datetime | None


class TemplateOut(BaseModel):
    key: str
    category: str
    mandatory: bool
    languages: list[str]


def notification_out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id,
        tenant_id=row.tenant_id,
        template=row.template,
        category=row.category,
        mandatory=row.mandatory,
        email=row.recipient,
        language=row.language,
        status=row.status,
        reason=row.reason,
        error=row.error,
        attempts=row.attempts,
        provider=row.provider,
        provider_message_id=row.provider_message_id,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


@router.post("/transactional/send", status_code=202, response_model=NotificationOut)
async def send(
    body: SendIn, actor: SysActor, session: SessionDep, rt: RuntimeDep
) -> NotificationOut:
    """Queue one transactional message (``queued``), or log why it is skipped
    (``skipped_suppressed`` / ``skipped_opted_out``). Invalid input is a 422 and stores nothing."""
    row = await transactional.send(
        session,
        body.template,
        to=body.to.email,
        name=body.to.name,
        language=body.to.language,
        data=body.data,
        tenant=body.tenant,
        notifier=rt.notifier(),
        actor=actor,
    )
    return notification_out(row)


@router.get("/transactional/templates", response_model=list[TemplateOut])
async def templates(actor: SysActor, rt: RuntimeDep) -> list[TemplateOut]:
    """The catalogue: packaged templates overlaid with the deployment directory."""
    catalogue = rt.notifier().catalogue
    return [
        TemplateOut(
            key=t.key,
            category=t.category.key,
            mandatory=t.category.mandatory,
            languages=sorted(t.versions),
        )
        for t in catalogue.templates.values()
    ]


async def notification_page(
    session: SessionDep,
    actor: Actor,
    f: NotificationFilter,
    cursor: str | None,
    limit: int,
) -> Page[NotificationOut]:
    rows = await browse(session, actor.scope(), f, before_id=after_id(cursor), limit=limit)
    return Page[NotificationOut](
        items=[notification_out(r) for r in rows],
        next_cursor=next_cursor([r.id for r in rows], limit),
    )


@router.get("/notifications", response_model=Page[NotificationOut])
async def notifications(
    actor: SysActor,
    session: SessionDep,
    tenant: Text64 = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    template: Text64 = None,
    category: Text64 = None,
    status: StatusQuery = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[NotificationOut]:
    """The notification log, newest first."""
    f = NotificationFilter(
        tenant_id=await accounts.tenant_id_for(session, tenant),
        email=normalise_email(email) if email else None,
        template=template,
        category=category,
        status=status,
    )
    return await notification_page(session, actor, f, cursor, limit)


@router.get("/notifications/{notification_id}", response_model=NotificationOut)
async def notification(
    notification_id: int, actor: SysActor, session: SessionDep
) -> NotificationOut:
    return notification_out(await get_notification(session, actor.scope(), notification_id))
