"""/sys/newsletter/tenants: platform operators create, read and edit tenants (organisations);
tenant admins read their own under /admin/newsletter (404 for any other, 403 for writes)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from herald.accounts import service as accounts
from herald.audience import lists as lists_service
from herald.audience.schemas import Page
from herald.compliance import audit
from herald.models.accounts import Tenant
from herald.web.deps import ReadActor, SessionDep, SysActor, TenantActor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: tenants"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=1000)
    postal_address: str | None = Field(default=None, max_length=2000)
    timezone: str = Field(default="UTC", max_length=64)
    default_language: str = Field(default="en", max_length=8)


class TenantUpdate(BaseModel):
    """The fields to change; the slug stays (URLs and lists use it). Checked by Herald: a name
    and a postal address that are not empty (the address is printed in every marketing
    footer: at most 500 characters and 8 lines, no control characters), an IANA time zone, a
    language Herald speaks."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=1000)
    postal_address: str | None = Field(default=None, max_length=2000)
    timezone: str | None = Field(default=None, max_length=64)
    default_language: str | None = Field(default=None, max_length=8)


class TenantOut(BaseModel):
    id: int
    slug: str
    name: str
    postal_address: str | None
    timezone: str
    default_language: str
    lists: int | None = Field(default=None, description="lists the tenant owns (browse only)")


def tenant_out(row: Tenant, lists: int | None = None) -> TenantOut:
    return TenantOut(
        id=row.id,
        slug=row.slug,
        name=row.name,
        postal_address=row.postal_address,
        timezone=row.timezone,
        default_language=row.default_language,
        lists=lists,
    )


@router.post("/tenants", status_code=201, response_model=TenantOut)
async def create_tenant(body: TenantIn, actor: SysActor, session: SessionDep) -> TenantOut:
    row = await accounts.create_tenant(
        session,
        body.slug,
        body.name,
        postal_address=body.postal_address,
        timezone=body.timezone,
        default_language=body.default_language,
    )
    await audit.record(
        session,
        "tenant.create",
        actor,
        tenant_id=row.id,
        target_type="tenant",
        target_id=row.id,
        details={"slug": row.slug},
    )
    return tenant_out(row, 0)


@router.get("/tenants", response_model=Page[TenantOut])
async def list_tenants(actor: SysActor, session: SessionDep) -> Page[TenantOut]:
    rows = await accounts.list_tenants(session)
    counts = await lists_service.count_by_tenant(session)
    return Page[TenantOut](items=[tenant_out(r, counts.get(r.id, 0)) for r in rows])


@router.get("/tenants/{slug}", response_model=TenantOut)
@admin_router.get("/tenants/{slug}", response_model=TenantOut)
async def get_tenant(slug: str, actor: ReadActor, session: SessionDep) -> TenantOut:
    return tenant_out(await accounts.get_tenant(session, actor.scope(), slug))


@admin_router.get("/tenant", response_model=TenantOut)
async def own_tenant(actor: TenantActor, session: SessionDep) -> TenantOut:
    """The tenant admin's own organisation."""
    return tenant_out(await accounts.get_own_tenant(session, actor))


@router.patch("/tenants/{slug}", response_model=TenantOut)
async def update_tenant(
    slug: str, body: TenantUpdate, actor: SysActor, session: SessionDep
) -> TenantOut:
    result = await accounts.update_tenant(session, actor, slug, body.model_dump(exclude_unset=True))
    if result.fields:
        await audit.record(
            session,
            "tenant.update",
            actor,
            tenant_id=result.tenant.id,
            target_type="tenant",
            target_id=result.tenant.id,
            details={"fields": result.fields},
        )
    return tenant_out(result.tenant)
