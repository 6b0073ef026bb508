"""/sys/newsletter/sending-domains (DKIM keys) and /sys/newsletter/delivery (test sends, chain)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from herald.accounts import service as accounts
from herald.accounts.context import Scope
from herald.audience.schemas import Page
from herald.delivery import dkim_keys
from herald.delivery.dkim import Algorithm
from herald.delivery.testsend import send_test
from herald.web.deps import RuntimeDep, SessionDep, SysActor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: delivery"])


class DkimKeyCreate(BaseModel):
    domain: str = Field(min_length=3, max_length=253)
    selector: str | None = Field(default=None, max_length=63)
    algorithm: Literal["rsa", "ed25519"] = "rsa"
    tenant: str | None = Field(default=None, max_length=64, description="tenant slug or null")


class DkimKeyRotate(BaseModel):
    selector: str | None = Field(default=None, max_length=63)
    algorithm: Literal["rsa", "ed25519"] = "rsa"
    tenant: str | None = Field(default=None, max_length=64)


class DkimKeyOut(BaseModel):
    id: int
    tenant_id: int | None
    domain: str
    selector: str
    algorithm: str
    active: bool
    dns_name: str = Field(description="publish a TXT record with this name…")
    dns_value: str = Field(description="…and this value")


class DeliveryTestIn(BaseModel):
    to: str = Field(min_length=3, max_length=254)
    via: str | None = Field(default=None, max_length=32, description="one distributor by name")


class DeliveryTestOut(BaseModel):
    accepted: bool
    provider: str
    message_id: str
    provider_message_id: str | None
    error: str | None
    permanent: bool


class DistributorOut(BaseModel):
    name: str
    breaker: str


def _out(view: dkim_keys.DkimKeyView) -> DkimKeyOut:
    return DkimKeyOut(**{f: getattr(view, f) for f in DkimKeyOut.model_fields})


async def _tenant_id(session: SessionDep, slug: str | None) -> int | None:
    if not slug:
        return None
    tenant = await accounts.get_tenant_by_slug(session, slug)
    return tenant.id if tenant else None


@router.get("/sending-domains", response_model=Page[DkimKeyOut])
async def list_sending_domains(
    actor: SysActor,
    session: SessionDep,
    domain: Annotated[str | None, Query(max_length=253)] = None,
) -> Page[DkimKeyOut]:
    views = await dkim_keys.list_keys(session, Scope.everything(), domain)
    return Page[DkimKeyOut](items=[_out(v) for v in views], next_cursor=None)


@router.post("/sending-domains", status_code=201, response_model=DkimKeyOut)
async def create_sending_domain_key(
    body: DkimKeyCreate, actor: SysActor, session: SessionDep, rt: RuntimeDep
) -> DkimKeyOut:
    view = await dkim_keys.create_key(
        session,
        rt.secrets,
        body.domain,
        algorithm=Algorithm(body.algorithm),
        selector=body.selector,
        tenant_id=await _tenant_id(session, body.tenant),
    )
    return _out(view)


@router.post("/sending-domains/{domain}/rotate", status_code=201, response_model=DkimKeyOut)
async def rotate_sending_domain_key(
    domain: str, body: DkimKeyRotate, actor: SysActor, session: SessionDep, rt: RuntimeDep
) -> DkimKeyOut:
    """A new *pending* key: publish its TXT record, then activate it."""
    view = await dkim_keys.create_key(
        session,
        rt.secrets,
        domain,
        algorithm=Algorithm(body.algorithm),
        selector=body.selector,
        tenant_id=await _tenant_id(session, body.tenant),
    )
    return _out(view)


@router.post("/sending-domains/keys/{key_id}/activate", response_model=DkimKeyOut)
async def activate_sending_domain_key(
    key_id: int, actor: SysActor, session: SessionDep
) -> DkimKeyOut:
    return _out(await dkim_keys.activate_key(session, Scope.everything(), key_id))


@router.post("/delivery/test", response_model=DeliveryTestOut)
async def delivery_test(
    body: DeliveryTestIn, actor: SysActor, session: SessionDep, rt: RuntimeDep
) -> DeliveryTestOut:
    # End the request's transaction before the network call: on SQLite it holds the write lock
    # the distributors need (DKIM key lookup, null outbox).
    await session.commit()
    outcome = await send_test(
        rt.distributor,
        rt.settings.default_from_email,
        rt.settings.default_from_name,
        body.to,
        body.via,
    )
    return DeliveryTestOut(**{f: getattr(outcome, f) for f in DeliveryTestOut.model_fields})


@router.get("/delivery/distributors", response_model=list[DistributorOut])
async def distributors(actor: SysActor, rt: RuntimeDep) -> list[DistributorOut]:
    return [DistributorOut(**row) for row in rt.distributor.status()]
