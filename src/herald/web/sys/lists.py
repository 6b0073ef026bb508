"""/sys/newsletter/lists (tenants are in herald.web.sys.tenants)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from herald.accounts import service as accounts
from herald.audience import lists as lists_service
from herald.audience.schemas import ListCreate, ListOut, ListUpdate, Page
from herald.web.deps import ReadActor, SessionDep, SysActor
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: lists"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


@router.post("/lists", status_code=201, response_model=ListOut)
async def create_list(body: ListCreate, actor: SysActor, session: SessionDep) -> ListOut:
    row = await lists_service.create_list(session, actor, body)
    return await lists_service.to_out(session, row)


@router.get("/lists", response_model=Page[ListOut])
async def browse_lists(
    actor: SysActor,
    session: SessionDep,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
    platform: bool = False,
    counts: Annotated[bool, Query(description="include subscription counts by status")] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ListOut]:
    tenant_id = await accounts.tenant_id_for(session, tenant)
    rows = await lists_service.browse_lists(
        session,
        actor.scope(),
        tenant_id=tenant_id,
        platform_only=platform,
        after_id=after_id(cursor),
        limit=limit,
    )
    items = [await lists_service.to_out(session, r, counts=counts) for r in rows]
    return Page[ListOut](items=items, next_cursor=next_cursor([r.id for r in rows], limit))


@router.get("/lists/{list_id}", response_model=ListOut)
@admin_router.get("/lists/{list_id}", response_model=ListOut)
async def get_list(list_id: int, actor: ReadActor, session: SessionDep) -> ListOut:
    row = await lists_service.get_list(session, actor.scope(), list_id)
    return await lists_service.to_out(session, row, counts=True)


@router.patch("/lists/{list_id}", response_model=ListOut)
async def update_list(
    list_id: int, body: ListUpdate, actor: SysActor, session: SessionDep
) -> ListOut:
    row = await lists_service.update_list(session, actor, list_id, body)
    return await lists_service.to_out(session, row)


@router.delete("/lists/{list_id}", status_code=204)
async def delete_list(list_id: int, actor: SysActor, session: SessionDep) -> Response:
    await lists_service.delete_list(session, actor, list_id)
    return Response(status_code=204)
