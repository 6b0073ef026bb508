"""/sys/newsletter/lists and /sys/newsletter/tenants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

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


class TenantIn(BaseModel):
    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    postal_address: str | None = Field(default=None, max_length=500)
    timezone: str = "UTC"


class TenantOut(BaseModel):
    id: int
    slug: str
    name: str
    postal_address: str | None
    timezone: str


@router.post("/tenants", status_code=201, response_model=TenantOut, tags=["sys: tenants"])
async def create_tenant(body: TenantIn, actor: SysActor, session: SessionDep) -> TenantOut:
    row = await accounts.create_tenant(
        session, body.slug, body.name, postal_address=body.postal_address, timezone=body.timezone
    )
    return TenantOut(
        id=row.id,
        slug=row.slug,
        name=row.name,
        postal_address=row.postal_address,
        timezone=row.timezone,
    )


@router.get("/tenants", response_model=Page[TenantOut], tags=["sys: tenants"])
async def list_tenants(actor: SysActor, session: SessionDep) -> Page[TenantOut]:
    rows = await accounts.list_tenants(session)
    return Page[TenantOut](
        items=[
            TenantOut(
                id=r.id,
                slug=r.slug,
                name=r.name,
                postal_address=r.postal_address,
                timezone=r.timezone,
            )
            for r in rows
        ]
    )
