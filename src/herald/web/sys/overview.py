"""/sys/newsletter/overview and /admin/newsletter/overview: the console's dashboard figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from herald.analytics.overview import overview
from herald.web.deps import ReadActor, SessionDep, tenant_filter

router = APIRouter(prefix="/sys/newsletter", tags=["sys: overview"])
admin_router = APIRouter(prefix="/admin/newsletter", tags=["admin"])


class DayOut(BaseModel):
    day: date
    joined: int
    left: int


class OverviewOut(BaseModel):
    statuses: dict[str, int]
    lists: int
    campaigns: dict[str, int]
    suppressions: int
    start_total: int
    days: list[DayOut]
    sent: int
    failed: int
    bounced: int
    complained: int
    window_days: int


@router.get("/overview", response_model=OverviewOut)
@admin_router.get("/overview", response_model=OverviewOut)
async def dashboard(
    actor: ReadActor,
    session: SessionDep,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
    days: Annotated[int, Query(ge=7, le=365)] = 30,
) -> OverviewOut:
    """Subscriptions by status, daily joins and departures over ``days`` (``start_total`` is
    the audience before the first day), and deliverability over the same window."""
    found = await overview(
        session, actor.scope(), tenant_id=await tenant_filter(session, actor, tenant), days=days
    )
    return OverviewOut(
        statuses=found.statuses,
        lists=found.lists,
        campaigns=found.campaigns,
        suppressions=found.suppressions,
        start_total=found.start_total,
        days=[DayOut(day=d.day, joined=d.joined, left=d.left) for d in found.days],
        sent=found.sent,
        failed=found.failed,
        bounced=found.bounced,
        complained=found.complained,
        window_days=found.window_days,
    )
