"""Campaign reports: totals, opens and clicks over time, per-link clicks and the delivery log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.campaigns.schemas import Stats
from herald.kit import clock
from herald.kit.db import is_postgres
from herald.kit.errors import ValidationFailed
from herald.models.audience import Subscriber, Subscription, SubscriptionTransition
from herald.models.campaigns import Campaign, CampaignLink, Delivery
from herald.models.tracking import TrackingEvent

FEEDBACK_STATUSES = ("unsubscribed", "bounced", "complained")


async def _transitions(session: AsyncSession, campaign: Campaign) -> dict[str, int]:
    """Per status in ``FEEDBACK_STATUSES``: recipients whose subscription moved there after the
    send started (one grouped query)."""
    if campaign.started_at is None:
        return {}
    query = (
        select(
            SubscriptionTransition.to_status,
            func.count(distinct(Subscription.subscriber_id)),
        )
        .select_from(SubscriptionTransition)
        .join(Subscription, Subscription.id == SubscriptionTransition.subscription_id)
        .join(
            Delivery,
            (Delivery.subscriber_id == Subscription.subscriber_id)
            & (Delivery.campaign_id == campaign.id),
        )
        .where(
            SubscriptionTransition.to_status.in_(FEEDBACK_STATUSES),
            SubscriptionTransition.at >= campaign.started_at,
            Delivery.status == "sent",
        )
        .group_by(SubscriptionTransition.to_status)
    )
    if campaign.list_ids:
        query = query.where(Subscription.list_id.in_(campaign.list_ids))
    return {status: int(n) for status, n in await session.execute(query)}


async def stats(session: AsyncSession, campaign: Campaign) -> Stats:
    by_status: dict[str, int] = {
        status: int(n)
        for status, n in await session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.campaign_id == campaign.id)
            .group_by(Delivery.status)
        )
    }
    events = await session.execute(
        select(
            TrackingEvent.kind,
            func.count(distinct(TrackingEvent.subscriber_id)),
            func.count(distinct(TrackingEvent.subscriber_id)).filter(
                TrackingEvent.machine.is_(False)
            ),
        )
        .where(TrackingEvent.campaign_id == campaign.id)
        .group_by(TrackingEvent.kind)
    )
    unique: dict[str, tuple[int, int]] = {k: (int(a), int(h)) for k, a, h in events}
    sent = by_status.get("sent", 0)
    moved = await _transitions(session, campaign)
    bounces = moved.get("bounced", 0)
    return Stats(
        recipients=sum(by_status.values()),
        sent=sent,
        delivered=max(0, sent - bounces),
        failed=by_status.get("failed", 0),
        skipped=by_status.get("skipped", 0),
        queued=by_status.get("queued", 0) + by_status.get("claimed", 0),
        opens=unique.get("open", (0, 0))[0],
        human_opens=unique.get("open", (0, 0))[1],
        clicks=unique.get("click", (0, 0))[0],
        unsubscribes=moved.get("unsubscribed", 0),
        bounces=bounces,
        complaints=moved.get("complained", 0),
    )


async def page_stats(session: AsyncSession, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Delivery and unique open/click counts for a page of campaigns (two grouped queries;
    the feedback figures are in the full report)."""
    out: dict[int, dict[str, int]] = {
        i: {
            "recipients": 0,
            "sent": 0,
            "failed": 0,
            "skipped": 0,
            "queued": 0,
            "opens": 0,
            "clicks": 0,
        }
        for i in campaign_ids
    }
    if not campaign_ids:
        return out
    rows = await session.execute(
        select(Delivery.campaign_id, Delivery.status, func.count())
        .where(Delivery.campaign_id.in_(campaign_ids))
        .group_by(Delivery.campaign_id, Delivery.status)
    )
    for campaign_id, status, n in rows:
        figures = out[campaign_id]
        figures["recipients"] += int(n)
        key = "queued" if status == "claimed" else status
        if key in figures:
            figures[key] += int(n)
    events = await session.execute(
        select(
            TrackingEvent.campaign_id,
            TrackingEvent.kind,
            func.count(distinct(TrackingEvent.subscriber_id)),
        )
        .where(TrackingEvent.campaign_id.in_(campaign_ids))
        .group_by(TrackingEvent.campaign_id, TrackingEvent.kind)
    )
    for event_campaign, kind, n in events:
        if event_campaign in out and kind in ("open", "click"):
            out[event_campaign][kind + "s"] = int(n)
    return out


async def links(session: AsyncSession, campaign_id: int) -> list[dict[str, Any]]:
    clicks = (
        select(
            TrackingEvent.link_id,
            func.count().label("clicks"),
            func.count(distinct(TrackingEvent.subscriber_id)).label("unique_clicks"),
        )
        .where(TrackingEvent.campaign_id == campaign_id, TrackingEvent.kind == "click")
        .group_by(TrackingEvent.link_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            CampaignLink.id,
            CampaignLink.position,
            CampaignLink.url,
            clicks.c.clicks,
            clicks.c.unique_clicks,
        )
        .outerjoin(clicks, clicks.c.link_id == CampaignLink.id)
        .where(CampaignLink.campaign_id == campaign_id)
        .order_by(CampaignLink.position)
    )
    return [
        {"id": i, "position": p, "url": u, "clicks": int(c or 0), "unique_clicks": int(uc or 0)}
        for i, p, u, c, uc in rows
    ]


async def timeline(session: AsyncSession, campaign_id: int) -> list[dict[str, Any]]:
    """Opens and clicks per hour (UTC), human ones apart, bucketed by the database."""
    at = TrackingEvent.occurred_at
    hour: Any = (
        func.to_char(func.date_trunc("hour", func.timezone("UTC", at)), 'YYYY-MM-DD"T"HH24:00')
        if is_postgres(session)
        else func.strftime("%Y-%m-%dT%H:00", at)
    )
    rows = await session.execute(
        select(
            hour.label("hour"),
            TrackingEvent.kind,
            func.count(),
            func.count().filter(TrackingEvent.machine.is_(False)),
        )
        .where(TrackingEvent.campaign_id == campaign_id)
        .group_by(hour, TrackingEvent.kind)
        .order_by(hour)
    )
    return [{"hour": h, "kind": k, "count": int(n), "human": int(human)} for h, k, n, human in rows]


async def delivery_log(
    session: AsyncSession,
    campaign_id: int,
    *,
    status: str | None,
    after_id: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    query = (
        select(Delivery, Subscriber.email)
        .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.campaign_id == campaign_id)
    )
    if status:
        if status not in ("queued", "claimed", "sent", "failed", "skipped"):
            raise ValidationFailed("unknown status filter", field="status")
        query = query.where(Delivery.status == status)
    if after_id is not None:
        query = query.where(Delivery.id > after_id)
    rows = await session.execute(query.order_by(Delivery.id).limit(limit))
    return [
        {
            "id": d.id,
            "subscriber_id": d.subscriber_id,
            "email": email,
            "status": d.status,
            "reason": d.reason,
            "due_at": d.due_at.isoformat() if d.due_at else None,
            "sent_at": d.sent_at.isoformat() if d.sent_at else None,
            "attempts": d.attempts,
            "provider": d.provider,
            "error": d.error,
        }
        for d, email in rows
    ]


async def retry_failed(session: AsyncSession, campaign: Campaign) -> int:
    """Queue failed rows again (the recipient check runs again before each send)."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status == "failed")
        .values(status="queued", reason="retry", due_at=clock.now(), attempts=0, error=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
