"""/sys/newsletter/segments: saved segments, counts and the field catalogue for a builder.

Tenant admins read the same catalogue, their tenant's saved segments and their counts under
/admin/newsletter/segments (``admin_router``); every write and ad-hoc count is /sys only."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.audience.schemas import Page
from herald.kit.errors import ValidationFailed
from herald.models.accounts import Tenant
from herald.models.segments import Segment
from herald.segments import service
from herald.segments.rules import fields_catalogue
from herald.web.deps import ReadActor, RuntimeDep, SessionDep, SysActor, tenant_filter
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: segments"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


class CountIn(BaseModel):
    rules: dict[str, Any]
    lists: list[str] | None = Field(default=None, max_length=100)
    tenant: str | None = Field(default=None, max_length=64)


class SampleOut(BaseModel):
    id: int
    email: str
    name: str | None


class CountOut(BaseModel):
    count: int
    sample: list[SampleOut]


class SegmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    rules: dict[str, Any]
    tenant: str | None = Field(default=None, max_length=64)


class SegmentUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    rules: dict[str, Any] | None = None


class SegmentOut(BaseModel):
    id: int
    tenant_id: int | None
    tenant: str | None = Field(description="the tenant's slug; null for a platform-wide segment")
    name: str
    description: str | None
    rules: dict[str, Any]
    created_at: datetime
    updated_at: datetime | None


class FieldOut(BaseModel):
    field: str
    type: str
    ops: list[str]
    description: str
    sys_only: bool


class FieldsOut(BaseModel):
    items: list[FieldOut]


M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 1_000_000


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """Parse the body ourselves: a hostile, absurdly nested document must be a 422 like any
    other invalid rule tree, not the framework's 400 or a RecursionError."""

    async def parse(request: Request) -> M:
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise ValidationFailed(f"the request body is larger than {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(raw)
        except RecursionError:
            raise ValidationFailed("the request body is nested too deeply") from None
        except ValueError:
            raise ValidationFailed("the request body is not valid JSON") from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise ValidationFailed(f"{where}: {first['msg']}", field=where) from None

    return parse


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


async def _slugs(session: AsyncSession, rows: list[Segment]) -> dict[int, str]:
    ids = {r.tenant_id for r in rows if r.tenant_id is not None}
    if not ids:
        return {}
    found = await session.execute(select(Tenant.id, Tenant.slug).where(Tenant.id.in_(ids)))
    return {row.id: row.slug for row in found}


async def _out_one(session: AsyncSession, row: Segment) -> SegmentOut:
    return _out(row, await _slugs(session, [row]))


def _out(row: Segment, slugs: dict[int, str]) -> SegmentOut:
    return SegmentOut(
        id=row.id,
        tenant_id=row.tenant_id,
        tenant=slugs.get(row.tenant_id) if row.tenant_id is not None else None,
        name=row.name,
        description=row.description,
        rules=row.rules,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _count_out(result: service.CountResult) -> CountOut:
    return CountOut(count=result.count, sample=[SampleOut(**s) for s in result.sample])


@router.get("/segments/fields", response_model=FieldsOut)
@admin_router.get("/segments/fields", response_model=FieldsOut)
async def segment_fields(actor: ReadActor) -> FieldsOut:
    return FieldsOut(
        items=[
            FieldOut(**item) for item in fields_catalogue() if actor.is_sys or not item["sys_only"]
        ]
    )


@router.post("/segments/count", response_model=CountOut, openapi_extra=_body_doc(CountIn))
async def count_segment(
    body: Annotated[CountIn, Depends(json_body(CountIn))],
    actor: SysActor,
    session: SessionDep,
    runtime: RuntimeDep,
) -> CountOut:
    result = await service.count(
        session,
        actor,
        body.rules,
        lists=body.lists,
        tenant=body.tenant,
        timeout_ms=runtime.settings.statement_timeout_ms,
    )
    return _count_out(result)


@router.post(
    "/segments", status_code=201, response_model=SegmentOut, openapi_extra=_body_doc(SegmentIn)
)
async def create_segment(
    body: Annotated[SegmentIn, Depends(json_body(SegmentIn))],
    actor: SysActor,
    session: SessionDep,
) -> SegmentOut:
    row = await service.create_segment(
        session,
        actor,
        name=body.name,
        description=body.description,
        rules=body.rules,
        tenant=body.tenant,
    )
    return await _out_one(session, row)


@router.get("/segments", response_model=Page[SegmentOut])
@admin_router.get("/segments", response_model=Page[SegmentOut])
async def browse_segments(
    actor: ReadActor,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[SegmentOut]:
    rows = await service.browse_segments(
        session,
        actor.scope(),
        after_id=after_id(cursor),
        limit=limit,
        tenant_id=await tenant_filter(session, actor, tenant),
    )
    slugs = await _slugs(session, rows)
    return Page[SegmentOut](
        items=[_out(r, slugs) for r in rows], next_cursor=next_cursor([r.id for r in rows], limit)
    )


@router.get("/segments/{segment_id}", response_model=SegmentOut)
@admin_router.get("/segments/{segment_id}", response_model=SegmentOut)
async def get_segment(segment_id: int, actor: ReadActor, session: SessionDep) -> SegmentOut:
    return await _out_one(session, await service.get_segment(session, actor.scope(), segment_id))


@router.patch(
    "/segments/{segment_id}", response_model=SegmentOut, openapi_extra=_body_doc(SegmentUpdate)
)
async def update_segment(
    segment_id: int,
    body: Annotated[SegmentUpdate, Depends(json_body(SegmentUpdate))],
    actor: SysActor,
    session: SessionDep,
) -> SegmentOut:
    row = await service.update_segment(
        session,
        actor,
        segment_id,
        name=body.name,
        description=body.description,
        rules=body.rules,
    )
    return await _out_one(session, row)


@router.delete("/segments/{segment_id}", status_code=204)
async def delete_segment(segment_id: int, actor: SysActor, session: SessionDep) -> Response:
    await service.delete_segment(session, actor, segment_id)
    return Response(status_code=204)


@router.get("/segments/{segment_id}/count", response_model=CountOut)
@admin_router.get("/segments/{segment_id}/count", response_model=CountOut)
async def count_saved_segment(
    segment_id: int, actor: ReadActor, session: SessionDep, runtime: RuntimeDep
) -> CountOut:
    result = await service.count_segment(
        session, actor, segment_id, timeout_ms=runtime.settings.statement_timeout_ms
    )
    return _count_out(result)
