"""/sys/newsletter/campaigns: the campaign wizard API, lifecycle actions and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, EmailStr, Field

from herald.audience.schemas import Page
from herald.campaigns import reports, service, testsend, validation
from herald.campaigns.audience import count_audience
from herald.campaigns.lifecycle import Action, allowed_actions
from herald.campaigns.schemas import CampaignInput
from herald.models.campaigns import Campaign
from herald.web.deps import ReadActor, RuntimeDep, SessionDep, SysActor, tenant_filter
from herald.web.pagination import Cursor, Limit, after_id, next_cursor

router = APIRouter(prefix="/sys/newsletter", tags=["sys: campaigns"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=998)
    template_id: int
    lists: list[str] = Field(default_factory=list, max_length=100)
    segment_id: int | None = None
    from_email: str = Field(min_length=3, max_length=320)
    from_name: str | None = Field(default=None, max_length=200)
    reply_to: str | None = Field(default=None, max_length=320)
    preheader: str | None = Field(default=None, max_length=255)
    throttle_per_hour: int | None = Field(default=None, ge=1, le=10_000_000)
    send_time_optimization: bool = False
    variants: list[dict[str, Any]] = Field(default_factory=list, max_length=10)
    merge_data: dict[str, Any] = Field(default_factory=dict)
    tenant: str | None = Field(default=None, max_length=64)


class CampaignUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    subject: str | None = Field(default=None, min_length=1, max_length=998)
    template_id: int | None = None
    lists: list[str] | None = Field(default=None, max_length=100)
    segment_id: int | None = None
    from_email: str | None = Field(default=None, min_length=3, max_length=320)
    from_name: str | None = Field(default=None, max_length=200)
    reply_to: str | None = Field(default=None, max_length=320)
    preheader: str | None = Field(default=None, max_length=255)
    throttle_per_hour: int | None = Field(default=None, ge=1, le=10_000_000)
    send_time_optimization: bool | None = None
    merge_data: dict[str, Any] | None = None


class Created(BaseModel):
    id: int
    status: str


class ScheduleIn(BaseModel):
    send_at: datetime | None = None


class TestSendIn(BaseModel):
    to: list[EmailStr] = Field(min_length=1, max_length=10)
    subscriber_id: int | None = None


class QuietOverrideIn(BaseModel):
    """``password`` re-entered here, or omitted from a console session that re-authenticated
    within five minutes (``POST /console/api/session/fresh``)."""

    password: str | None = Field(default=None, min_length=1, max_length=1024)
    enabled: bool = True


class CampaignOut(BaseModel):
    id: int
    name: str
    status: str
    tenant_id: int | None
    subject: str
    preheader: str | None
    template_id: int
    lists: list[int]
    segment_id: int | None
    from_email: str
    from_name: str | None
    reply_to: str | None
    throttle_per_hour: int
    send_at: datetime | None
    send_time_optimization: bool
    quiet_hours_override: bool
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    actions: list[str]
    stats: dict[str, int]


class ProblemOut(BaseModel):
    code: str
    message: str
    field: str | None


class ValidationOut(BaseModel):
    ok: bool
    problems: list[ProblemOut]


class AudienceOut(BaseModel):
    """How many people the draft would reach now (active on its lists, within its segment)."""

    count: int


class TestSendResult(BaseModel):
    to: str
    accepted: bool
    provider: str | None
    error: str | None


class TestSendOut(BaseModel):
    items: list[TestSendResult]


class LinkOut(BaseModel):
    id: int
    position: int
    url: str
    clicks: int
    unique_clicks: int


class HourOut(BaseModel):
    hour: str
    kind: str
    count: int
    human: int


class ReportOut(BaseModel):
    id: int
    status: str
    stats: dict[str, int]
    links: list[LinkOut]
    timeline: list[HourOut]


class DeliveryOut(BaseModel):
    id: int
    subscriber_id: int | None
    email: str | None
    status: str
    reason: str | None
    due_at: str | None
    sent_at: str | None
    attempts: int
    provider: str | None
    error: str | None


class DeliveriesOut(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class RetryOut(BaseModel):
    id: int
    requeued: int


def _summary(row: Campaign, stats: dict[str, int] | None = None) -> CampaignOut:
    return CampaignOut(
        id=row.id,
        name=row.name,
        status=row.status,
        tenant_id=row.tenant_id,
        subject=row.subject,
        preheader=row.preheader,
        template_id=row.template_id,
        lists=list(row.list_ids),
        segment_id=row.segment_id,
        from_email=row.from_email,
        from_name=row.from_name,
        reply_to=row.reply_to,
        throttle_per_hour=row.throttle_per_hour,
        send_at=row.send_at,
        send_time_optimization=row.send_time_optimization,
        quiet_hours_override=row.quiet_hours_override,
        started_at=row.started_at,
        finished_at=row.finished_at,
        created_at=row.created_at,
        actions=[a.value for a in allowed_actions(row.status)],
        stats=stats or {},
    )


@router.post("/campaigns", status_code=201, response_model=Created)
async def create_campaign(body: CampaignIn, actor: SysActor, session: SessionDep) -> Created:
    row = await service.create_campaign(session, actor, CampaignInput(**body.model_dump()))
    return Created(id=row.id, status=row.status)


@router.get("/campaigns", response_model=Page[CampaignOut])
@admin_router.get("/campaigns", response_model=Page[CampaignOut])
async def list_campaigns(
    actor: ReadActor,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: str | None = Query(default=None, max_length=16),
    tenant: str | None = Query(default=None, max_length=64),
) -> Page[CampaignOut]:
    rows = await service.browse_campaigns(
        session,
        actor.scope(),
        after_id=after_id(cursor),
        limit=limit,
        status=status,
        tenant_id=await tenant_filter(session, actor, tenant),
    )
    figures = await reports.page_stats(session, [r.id for r in rows])
    return Page(
        items=[_summary(r, figures[r.id]) for r in rows],
        next_cursor=next_cursor([r.id for r in rows], limit),
    )


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
@admin_router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: int, actor: ReadActor, session: SessionDep) -> CampaignOut:
    row = await service.get_campaign(session, actor.scope(), campaign_id)
    return _summary(row, (await reports.stats(session, row)).as_dict())


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut)
async def update_campaign(
    campaign_id: int, body: CampaignUpdate, actor: SysActor, session: SessionDep
) -> CampaignOut:
    row = await service.update_campaign(
        session, actor, campaign_id, body.model_dump(exclude_unset=True)
    )
    return _summary(row)


@router.post("/campaigns/{campaign_id}/validate", response_model=ValidationOut)
async def validate_campaign(
    campaign_id: int, actor: SysActor, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    row = await service.get_campaign(session, actor.scope(), campaign_id)
    found = await validation.problems(session, runtime.settings, row)
    return {"ok": not found, "problems": [p.as_dict() for p in found]}


@router.get("/campaigns/{campaign_id}/audience", response_model=AudienceOut)
@admin_router.get("/campaigns/{campaign_id}/audience", response_model=AudienceOut)
async def campaign_audience(campaign_id: int, actor: ReadActor, session: SessionDep) -> AudienceOut:
    row = await service.get_campaign(session, actor.scope(), campaign_id)
    return AudienceOut(count=await count_audience(session, row))


@router.post("/campaigns/{campaign_id}/schedule", response_model=Created)
async def schedule_campaign(
    campaign_id: int,
    actor: SysActor,
    session: SessionDep,
    runtime: RuntimeDep,
    body: ScheduleIn | None = None,
) -> Created:
    row = await service.schedule(
        session, runtime.settings, actor, campaign_id, body.send_at if body else None
    )
    return Created(id=row.id, status=row.status)


async def _act(session: SessionDep, actor: SysActor, campaign_id: int, action: Action) -> Created:
    row = await service.change_status(session, actor, campaign_id, action)
    return Created(id=row.id, status=row.status)


@router.post("/campaigns/{campaign_id}/pause", response_model=Created)
async def pause_campaign(campaign_id: int, actor: SysActor, session: SessionDep) -> Created:
    return await _act(session, actor, campaign_id, Action.PAUSE)


@router.post("/campaigns/{campaign_id}/resume", response_model=Created)
async def resume_campaign(campaign_id: int, actor: SysActor, session: SessionDep) -> Created:
    return await _act(session, actor, campaign_id, Action.RESUME)


@router.post("/campaigns/{campaign_id}/cancel", response_model=Created)
async def cancel_campaign(campaign_id: int, actor: SysActor, session: SessionDep) -> Created:
    return await _act(session, actor, campaign_id, Action.CANCEL)


@router.post("/campaigns/{campaign_id}/unschedule", response_model=Created)
async def unschedule_campaign(campaign_id: int, actor: SysActor, session: SessionDep) -> Created:
    return await _act(session, actor, campaign_id, Action.UNSCHEDULE)


@router.post("/campaigns/{campaign_id}/quiet-hours-override", response_model=CampaignOut)
async def quiet_hours_override(
    campaign_id: int, body: QuietOverrideIn, actor: SysActor, session: SessionDep
) -> CampaignOut:
    row = await service.override_quiet_hours(
        session, actor, campaign_id, password=body.password, enabled=body.enabled
    )
    return _summary(row)


@router.post("/campaigns/{campaign_id}/test-send", response_model=TestSendOut)
async def test_send(
    campaign_id: int, body: TestSendIn, actor: SysActor, session: SessionDep, runtime: RuntimeDep
) -> dict[str, Any]:
    row = await service.get_campaign(session, actor.scope(), campaign_id)
    messages = await testsend.build_tests(
        session,
        runtime.settings,
        runtime.signer,
        actor,
        row,
        [str(a) for a in body.to],
        subscriber_id=body.subscriber_id,
    )
    # A capturing distributor writes in its own transaction: end this one first (SQLite has
    # one writer).
    await session.commit()
    return {"items": await testsend.send_tests(runtime.distributor, messages)}


@router.get("/campaigns/{campaign_id}/report", response_model=ReportOut)
@admin_router.get("/campaigns/{campaign_id}/report", response_model=ReportOut)
async def campaign_report(
    campaign_id: int, actor: ReadActor, session: SessionDep
) -> dict[str, Any]:
    row = await service.get_campaign(session, actor.scope(), campaign_id)
    return {
        "id": row.id,
        "status": row.status,
        "stats": (await reports.stats(session, row)).as_dict(),
        "links": await reports.links(session, row.id),
        "timeline": await reports.timeline(session, row.id),
    }


@router.get("/campaigns/{campaign_id}/deliveries", response_model=DeliveriesOut)
@admin_router.get("/campaigns/{campaign_id}/deliveries", response_model=DeliveriesOut)
async def campaign_deliveries(
    campaign_id: int,
    actor: ReadActor,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    status: str | None = Query(default=None, max_length=16),
) -> dict[str, Any]:
    row = await service.get_campaign(session, actor.scope(), campaign_id)
    items = await reports.delivery_log(
        session, row.id, status=status, after_id=after_id(cursor), limit=limit
    )
    return {"items": items, "next_cursor": next_cursor([i["id"] for i in items], limit)}


@router.post("/campaigns/{campaign_id}/retry-failed", response_model=RetryOut)
async def retry_failed(campaign_id: int, actor: SysActor, session: SessionDep) -> dict[str, Any]:
    row = await service.get_campaign(session, actor.scope(), campaign_id)
    return {"id": row.id, "requeued": await reports.retry_failed(session, row)}
