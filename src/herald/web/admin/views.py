"""/admin/newsletter/{lists, lists/{id}/subscribers, notifications}: a tenant admin's read-only
window."""

from __future__ import annotations

from fastapi import APIRouter

from herald.audience import lists as lists_service
from herald.audience import subscribers as svc
from herald.audience.schemas import ListOut, Page, SubscriberOut
from herald.transactional.notifications import NotificationFilter
from herald.web.deps import SessionDep, TenantActor
from herald.web.pagination import Cursor, Limit, after_id, next_cursor
from herald.web.sys.transactional import NotificationOut, StatusQuery, notification_page

router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


@router.get("/lists", response_model=Page[ListOut])
async def lists(
    actor: TenantActor, session: SessionDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[ListOut]:
    rows = await lists_service.browse_lists(
        session, actor.scope(), after_id=after_id(cursor), limit=limit
    )
    items = [await lists_service.to_out(session, r, counts=True) for r in rows]
    return Page[ListOut](items=items, next_cursor=next_cursor([r.id for r in rows], limit))


@router.get("/lists/{list_id}/subscribers", response_model=Page[SubscriberOut])
async def list_subscribers(
    list_id: int,
    actor: TenantActor,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[SubscriberOut]:
    lst = await lists_service.get_list(session, actor.scope(), list_id)
    rows = await svc.browse_subscribers(
        session, actor.scope(), list_id=lst.id, after_id=after_id(cursor), limit=limit
    )
    return Page[SubscriberOut](
        items=await svc.to_out(session, rows),
        next_cursor=next_cursor([r.id for r in rows], limit),
    )


@router.get("/notifications", response_model=Page[NotificationOut])
async def notifications(
    actor: TenantActor,
    session: SessionDep,
    status: StatusQuery = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[NotificationOut]:
    """The tenant's notification log, newest first."""
    return await notification_page(session, actor, NotificationFilter(status=status), cursor, limit)
