"""/sys/newsletter/templates: MJML templates, the premium gallery, clone and preview."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.service import tenant_id_for
from herald.audience.schemas import Page
from herald.models.accounts import Tenant
from herald.models.campaigns import NewsletterTemplate
from herald.templates import gallery, service
from herald.web.deps import ReadActor, SessionDep, SysActor, tenant_filter
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: templates"])
# Reads tenant admins share (scoped to their tenant and the platform-wide templates).
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])
MAX_SOURCE = 512 * 1024


class TemplateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    mjml: str = Field(min_length=1, max_length=MAX_SOURCE)
    text: str | None = Field(default=None, max_length=MAX_SOURCE)
    subject: str | None = Field(default=None, max_length=998)
    preheader: str | None = Field(default=None, max_length=255)
    tenant: str | None = Field(default=None, max_length=64)


class TemplateUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    mjml: str | None = Field(default=None, min_length=1, max_length=MAX_SOURCE)
    text: str | None = Field(default=None, max_length=MAX_SOURCE)
    clear_text: bool = False
    subject: str | None = Field(default=None, max_length=998)
    preheader: str | None = Field(default=None, max_length=255)


class TemplateOut(BaseModel):
    id: int
    name: str
    tenant_id: int | None
    gallery_key: str | None
    subject: str | None
    preheader: str | None
    created_at: datetime
    updated_at: datetime | None


class TemplateDetail(TemplateOut):
    mjml: str
    text: str | None
    html: str | None
    sample_html: str | None = Field(
        default=None,
        description="the HTML merged for a sample subscriber (thumbnails); null when the "
        "template needs real data to merge",
    )


class CloneIn(BaseModel):
    template_id: int | None = None
    gallery_key: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    tenant: str | None = Field(default=None, max_length=64)


class PreviewIn(BaseModel):
    subscriber_id: int | None = None
    subject: str | None = Field(default=None, max_length=998)
    merge_data: dict[str, Any] | None = None


class PreviewOut(BaseModel):
    subject: str
    html: str
    text: str
    links: list[str]


class GalleryItem(BaseModel):
    key: str
    name: str
    description: str
    subject: str
    preheader: str


class GalleryOut(BaseModel):
    items: list[GalleryItem]


class GalleryDetail(GalleryItem):
    mjml: str
    html: str
    sample_html: str | None = None


@cache
def _gallery_html(key: str) -> tuple[str, str | None]:
    entry = gallery.get(key)
    rendered = service.render_source(entry.mjml(), entry.text())
    sample = service.sample_html(
        rendered.html,
        rendered.text,
        subject=entry.subject,
        preheader=entry.preheader,
        tenant_name=None,
    )
    return rendered.html, sample


def _out(row: NewsletterTemplate) -> TemplateOut:
    return TemplateOut(
        id=row.id,
        name=row.name,
        tenant_id=row.tenant_id,
        gallery_key=row.gallery_key,
        subject=row.subject,
        preheader=row.preheader,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _detail(session: AsyncSession, row: NewsletterTemplate) -> TemplateDetail:
    sample = None
    if row.html_cache is not None:
        owner = await session.get(Tenant, row.tenant_id) if row.tenant_id else None
        sample = service.sample_html(
            row.html_cache,
            row.text_cache or "",
            subject=row.subject or row.name,
            preheader=row.preheader,
            tenant_name=owner.name if owner else None,
        )
    return TemplateDetail(
        **_out(row).model_dump(),
        mjml=row.mjml,
        text=row.text_source,
        html=row.html_cache,
        sample_html=sample,
    )


@router.get("/templates/gallery", response_model=GalleryOut)
@admin_router.get("/templates/gallery", response_model=GalleryOut)
async def list_gallery(actor: ReadActor) -> GalleryOut:
    return GalleryOut(
        items=[
            GalleryItem(
                key=e.key,
                name=e.name,
                description=e.description,
                subject=e.subject,
                preheader=e.preheader,
            )
            for e in gallery.entries()
        ]
    )


@router.get("/templates/gallery/{key}", response_model=GalleryDetail)
@admin_router.get("/templates/gallery/{key}", response_model=GalleryDetail)
async def get_gallery_template(key: str, actor: ReadActor) -> GalleryDetail:
    """One gallery design with its MJML and the HTML Herald renders from it (for thumbnails)."""
    entry = gallery.get(key)
    html, sample = _gallery_html(entry.key)
    return GalleryDetail(
        key=entry.key,
        name=entry.name,
        description=entry.description,
        subject=entry.subject,
        preheader=entry.preheader,
        mjml=entry.mjml(),
        html=html,
        sample_html=sample,
    )


@router.post("/templates", status_code=201, response_model=TemplateOut)
async def create_template(body: TemplateIn, actor: SysActor, session: SessionDep) -> TemplateOut:
    row = await service.create_template(
        session,
        actor,
        name=body.name,
        mjml_source=body.mjml,
        text_source=body.text,
        subject=body.subject,
        preheader=body.preheader,
        tenant_id=await tenant_id_for(session, body.tenant),
    )
    return _out(row)


@router.get("/templates", response_model=Page[TemplateOut])
@admin_router.get("/templates", response_model=Page[TemplateOut])
async def list_templates(
    actor: ReadActor,
    session: SessionDep,
    tenant: Annotated[
        str | None,
        Query(
            max_length=64,
            description="only this tenant's templates and the platform-wide ones (sys only)",
        ),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TemplateOut]:
    tenant_id = await tenant_filter(session, actor, tenant)
    rows = await service.browse_templates(
        session, actor.scope(), tenant_id=tenant_id, after_id=after_id(cursor), limit=limit
    )
    return Page(items=[_out(r) for r in rows], next_cursor=next_cursor([r.id for r in rows], limit))


@router.get("/templates/{template_id}", response_model=TemplateDetail)
@admin_router.get("/templates/{template_id}", response_model=TemplateDetail)
async def get_template(template_id: int, actor: ReadActor, session: SessionDep) -> TemplateDetail:
    row = await service.get_template(session, actor.scope(), template_id)
    await service.cached_render(session, row)
    return await _detail(session, row)


@router.patch("/templates/{template_id}", response_model=TemplateDetail)
async def update_template(
    template_id: int, body: TemplateUpdate, actor: SysActor, session: SessionDep
) -> TemplateDetail:
    row = await service.update_template(
        session,
        actor,
        template_id,
        name=body.name,
        mjml_source=body.mjml,
        text_source=body.text,
        clear_text_source=body.clear_text,
        subject=body.subject,
        preheader=body.preheader,
    )
    return await _detail(session, row)


@router.delete("/templates/{template_id}", status_code=204)
async def delete_template(template_id: int, actor: SysActor, session: SessionDep) -> Response:
    await service.delete_template(session, actor, template_id)
    return Response(status_code=204)


@router.post("/templates/clone", status_code=201, response_model=TemplateOut)
async def clone_template(body: CloneIn, actor: SysActor, session: SessionDep) -> TemplateOut:
    row = await service.clone_template(
        session,
        actor,
        template_id=body.template_id,
        gallery_key=body.gallery_key,
        name=body.name,
        tenant_id=await tenant_id_for(session, body.tenant),
    )
    return _out(row)


@router.post("/templates/{template_id}/preview", response_model=PreviewOut)
async def preview_template(
    template_id: int, body: PreviewIn, actor: SysActor, session: SessionDep
) -> PreviewOut:
    result = await service.preview(
        session,
        actor,
        template_id,
        subscriber_id=body.subscriber_id,
        merge_data=body.merge_data,
        subject=body.subject,
    )
    return PreviewOut(**result)
