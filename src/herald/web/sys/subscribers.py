"""/sys/newsletter/subscribers: search, read, create, update."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from herald.accounts import service as accounts
from herald.audience import states
from herald.audience import subscribers as svc
from herald.audience.lists import resolve_slugs
from herald.audience.optin import queue_confirmation
from herald.audience.schemas import Page, SubscriberCreate, SubscriberOut, SubscriberUpdate
from herald.compliance import audit, suppression
from herald.compliance.consent import record_consent
from herald.kit.errors import Conflict
from herald.kit.text import normalise_email
from herald.web.deps import ReadActor, SessionDep, SysActor, tenant_filter
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: subscribers"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


@router.get("/subscribers", response_model=Page[SubscriberOut])
@admin_router.get("/subscribers", response_model=Page[SubscriberOut])
async def browse(
    actor: ReadActor,
    session: SessionDep,
    email: Annotated[str | None, Query(max_length=320)] = None,
    q: Annotated[str | None, Query(max_length=100, description="substring of the address")] = None,
    list_id: int | None = None,
    status: Annotated[
        str | None, Query(pattern="^(pending|active|unsubscribed|bounced|complained|suppressed)$")
    ] = None,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[SubscriberOut]:
    tenant_id = await tenant_filter(session, actor, tenant)
    rows = await svc.browse_subscribers(
        session,
        actor.scope(),
        email=email,
        search=q,
        list_id=list_id,
        status=status,
        tenant_id=tenant_id,
        after_id=after_id(cursor),
        limit=limit,
    )
    return Page[SubscriberOut](
        items=await svc.to_out(session, rows),
        next_cursor=next_cursor([r.id for r in rows], limit),
    )


@router.get("/subscribers/{subscriber_id}", response_model=SubscriberOut)
@admin_router.get("/subscribers/{subscriber_id}", response_model=SubscriberOut)
async def read(subscriber_id: int, actor: ReadActor, session: SessionDep) -> SubscriberOut:
    row = await svc.get_subscriber(session, actor.scope(), subscriber_id)
    return (await svc.to_out(session, [row]))[0]


@router.post("/subscribers", status_code=201, response_model=SubscriberOut)
async def create(body: SubscriberCreate, actor: SysActor, session: SessionDep) -> SubscriberOut:
    """Add a subscriber through the API (method ``api`` in the consent proof).

    ``status: active`` skips double opt-in and requires ``consent_source`` (who collected the
    consent, and how); ``pending`` sends the confirmation email.
    """
    tenant_id = await accounts.tenant_id_for(session, body.tenant)
    address = normalise_email(body.email)
    if body.status == "active" and not body.consent_source:
        raise Conflict("adding an active subscriber needs consent_source", field="consent_source")
    if await suppression.is_suppressed(session, address, tenant_id=tenant_id, stream="marketing"):
        raise Conflict("this address is on the suppression list", field="email")
    lists = await resolve_slugs(session, body.lists, tenant_id=tenant_id)
    row, _ = await svc.upsert_subscriber(
        session,
        tenant_id=tenant_id,
        email=address,
        name=body.name,
        language=body.language,
        timezone=body.timezone,
        country=body.country,
        source="api",
        attributes=body.attributes,
        overwrite=True,
    )
    initial = states.Status(body.status)
    for lst in lists:
        _sub, created = await svc.ensure_subscription(
            session, row, lst, initial=initial, reason="api"
        )
        if created:
            await record_consent(
                session,
                tenant_id=tenant_id,
                subscriber_id=row.id,
                list_id=lst.id,
                action="granted",
                method="api",
                evidence={"attested_by": actor.email or actor.id, "source": body.consent_source},
            )
    if initial is states.Status.PENDING:
        await queue_confirmation(session, row)
    await audit.record(
        session,
        "newsletter.subscriber_created",
        actor,
        tenant_id=tenant_id,
        target_type="subscriber",
        target_id=row.id,
        details={"lists": [lst.id for lst in lists], "status": initial.value},
    )
    await session.flush()
    return (await svc.to_out(session, [row]))[0]


@router.patch("/subscribers/{subscriber_id}", response_model=SubscriberOut)
async def update(
    subscriber_id: int, body: SubscriberUpdate, actor: SysActor, session: SessionDep
) -> SubscriberOut:
    row = await svc.update_subscriber(session, actor, subscriber_id, body)
    return (await svc.to_out(session, [row]))[0]
