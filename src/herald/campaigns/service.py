"""Campaigns: create and edit drafts, validate, schedule, pause, resume, cancel.

Every status change goes through :func:`herald.campaigns.lifecycle.transition`. Scheduling
enqueues a ``campaign.start`` job for the send time; the dispatcher tick is the safety net.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor, Scope
from herald.accounts.service import get_tenant_by_slug
from herald.accounts.sessions import require_fresh_auth
from herald.audience.erasure import register_eraser
from herald.campaigns import validation
from herald.campaigns.lifecycle import Action, CampaignStatus, transition
from herald.campaigns.schemas import DEFAULT_THROTTLE, MAX_THROTTLE, CampaignInput
from herald.compliance import audit
from herald.kit import clock
from herald.kit.errors import NotFound, ValidationFailed
from herald.kit.settings import Settings
from herald.kit.text import ensure_header_safe, normalise_email
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber
from herald.models.campaigns import Campaign, Delivery
from herald.models.segments import Segment
from herald.queue import enqueue
from herald.templates.service import get_template

START_JOB = "campaign.start"
EDITABLE = {CampaignStatus.DRAFT.value}


async def _resolve_lists(
    session: AsyncSession, actor: Actor, slugs: list[str], tenant: str | None
) -> tuple[int | None, list[int]]:
    """Return (tenant_id, list ids) for the slugs, all within one tenant scope."""
    scope = actor.scope()
    tenant_id: int | None = None if actor.is_sys else actor.tenant_id
    if tenant is not None:
        found = await get_tenant_by_slug(session, tenant, missing_ok=True)
        if found is None or not scope.allows(found.id):
            raise NotFound(f"tenant {tenant!r} not found")
        tenant_id = found.id
    if len(slugs) > 100:
        raise ValidationFailed("at most 100 lists", field="lists")
    if not slugs:
        return tenant_id, []
    rows = (
        await session.execute(
            select(NewsletterList).where(
                NewsletterList.slug.in_(slugs), NewsletterList.archived.is_(False)
            )
        )
    ).scalars()
    by_scope: dict[int, dict[str, NewsletterList]] = {}
    for row in rows:
        if row.tenant_id is None or scope.allows(row.tenant_id):
            by_scope.setdefault(row.scope, {})[row.slug] = row
    if tenant is None and actor.is_sys:
        complete = [s for s, found in by_scope.items() if set(found) >= set(slugs)]
        if 0 in complete:
            tenant_id = None
        elif len(complete) == 1:
            tenant_id = complete[0]
        elif len(complete) > 1:
            raise ValidationFailed(
                "these list slugs exist in several tenants; name the tenant", field="tenant"
            )
    chosen = by_scope.get(tenant_id or 0, {})
    missing = [s for s in slugs if s not in chosen]
    if missing:
        raise ValidationFailed(f"unknown list(s): {', '.join(sorted(missing))}", field="lists")
    return tenant_id, sorted({chosen[s].id for s in slugs})


def _operator_id(actor: Actor) -> int | None:
    return int(actor.id) if actor.id and actor.id.isdigit() else None


def _check_text(data: CampaignInput) -> None:
    for name, value, limit in (
        ("name", data.name, 200),
        ("subject", data.subject, 998),
        ("from_name", data.from_name or "", 200),
        ("preheader", data.preheader or "", 255),
    ):
        ensure_header_safe(value, name)
        if len(value) > limit:
            raise ValidationFailed(f"{name} is longer than {limit} characters", field=name)
    if not data.name.strip() or not data.subject.strip():
        raise ValidationFailed("name and subject are required", field="subject")
    throttle = data.throttle_per_hour
    if throttle is not None and not 1 <= throttle <= MAX_THROTTLE:
        raise ValidationFailed(
            f"throttle_per_hour must be between 1 and {MAX_THROTTLE}", field="throttle_per_hour"
        )
    if not isinstance(data.merge_data, dict) or len(str(data.merge_data)) > 65_536:
        raise ValidationFailed("merge_data must be an object under 64 KiB", field="merge_data")


async def create_campaign(session: AsyncSession, actor: Actor, data: CampaignInput) -> Campaign:
    actor.require_sys()
    _check_text(data)
    tenant_id, list_ids = await _resolve_lists(session, actor, data.lists, data.tenant)
    template = await get_template(session, actor.scope(), data.template_id)
    if template.tenant_id is not None and template.tenant_id != tenant_id:
        raise ValidationFailed("the template belongs to another tenant", field="template_id")
    if data.segment_id is not None:
        segment = await session.get(Segment, data.segment_id)
        if segment is None or segment.scope != (tenant_id or 0):
            raise ValidationFailed("unknown segment for this tenant", field="segment_id")
    if not list_ids and data.segment_id is None:
        raise ValidationFailed("choose at least one list or a segment", field="lists")
    campaign = Campaign(
        tenant_id=tenant_id,
        name=data.name.strip(),
        status=CampaignStatus.DRAFT.value,
        template_id=template.id,
        subject=data.subject,
        preheader=data.preheader,
        from_email=normalise_email(data.from_email),
        from_name=data.from_name,
        reply_to=normalise_email(data.reply_to) if data.reply_to else None,
        list_ids=list_ids,
        segment_id=data.segment_id,
        variants=data.variants,
        merge_data=data.merge_data,
        throttle_per_hour=data.throttle_per_hour or DEFAULT_THROTTLE,
        send_time_optimization=data.send_time_optimization,
        created_by=_operator_id(actor),
    )
    session.add(campaign)
    await session.flush()
    await _audit(session, actor, campaign, "create", {"name": campaign.name})
    return campaign


async def _audit(
    session: AsyncSession,
    actor: Actor,
    campaign: Campaign,
    what: str,
    details: dict[str, Any] | None = None,
) -> None:
    await audit.record(
        session,
        f"newsletter.campaign.{what}",
        actor,
        tenant_id=campaign.tenant_id,
        target_type="campaign",
        target_id=campaign.id,
        details=details or {},
    )


async def get_campaign(session: AsyncSession, scope: Scope, campaign_id: int) -> Campaign:
    row = (
        await session.execute(
            select(Campaign).where(Campaign.id == campaign_id, scope.clause(Campaign.tenant_id))
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return row


async def browse_campaigns(
    session: AsyncSession,
    scope: Scope,
    *,
    after_id: int | None,
    limit: int,
    status: str | None = None,
    tenant_id: int | None = None,
) -> list[Campaign]:
    query = select(Campaign).where(scope.clause(Campaign.tenant_id))
    if tenant_id is not None:
        query = query.where(Campaign.tenant_id == tenant_id)
    if status:
        query = query.where(Campaign.status == status)
    if after_id is not None:
        query = query.where(Campaign.id < after_id)
    return list((await session.execute(query.order_by(Campaign.id.desc()).limit(limit))).scalars())


async def update_campaign(
    session: AsyncSession, actor: Actor, campaign_id: int, changes: dict[str, Any]
) -> Campaign:
    actor.require_sys()
    campaign = await get_campaign(session, actor.scope(), campaign_id)
    if campaign.status not in EDITABLE:
        raise ValidationFailed(
            f"a {campaign.status} campaign cannot be edited; pause or cancel it first",
            field="status",
        )
    merged = CampaignInput(
        name=changes.get("name", campaign.name),
        subject=changes.get("subject", campaign.subject),
        template_id=changes.get("template_id", campaign.template_id),
        from_email=changes.get("from_email", campaign.from_email),
        from_name=changes.get("from_name", campaign.from_name),
        reply_to=changes.get("reply_to", campaign.reply_to),
        preheader=changes.get("preheader", campaign.preheader),
        throttle_per_hour=changes.get("throttle_per_hour", campaign.throttle_per_hour),
        merge_data=changes.get("merge_data", campaign.merge_data),
        segment_id=changes.get("segment_id", campaign.segment_id),
    )
    _check_text(merged)
    if "lists" in changes:
        tenant_slug = None
        if campaign.tenant_id is not None:
            tenant_row = await session.get(Tenant, campaign.tenant_id)
            tenant_slug = tenant_row.slug if tenant_row else None
        _, campaign.list_ids = await _resolve_lists(
            session, actor, list(changes["lists"]), tenant_slug
        )
    if "template_id" in changes:
        await get_template(session, actor.scope(), merged.template_id)
    for name in ("name", "subject", "template_id", "from_name", "preheader", "segment_id"):
        setattr(campaign, name, getattr(merged, name))
    campaign.from_email = normalise_email(merged.from_email)
    campaign.reply_to = normalise_email(merged.reply_to) if merged.reply_to else None
    campaign.throttle_per_hour = merged.throttle_per_hour or DEFAULT_THROTTLE
    campaign.merge_data = merged.merge_data
    if "send_time_optimization" in changes:
        campaign.send_time_optimization = bool(changes["send_time_optimization"])
    campaign.updated_at = clock.now()
    await session.flush()
    await _audit(session, actor, campaign, "update", {"fields": sorted(changes)})
    return campaign


async def _enqueue_start(session: AsyncSession, campaign: Campaign, run_at: datetime) -> None:
    """The ``campaign.start`` job (one per campaign at a time: deduplicated on its id)."""
    await enqueue(
        session,
        START_JOB,
        {"campaign_id": campaign.id},
        tenant_id=campaign.tenant_id,
        run_at=run_at,
        dedupe_key=f"{START_JOB}:{campaign.id}",
    )


async def schedule(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    campaign_id: int,
    send_at: datetime | None,
) -> Campaign:
    actor.require_sys()
    campaign = await get_campaign(session, actor.scope(), campaign_id)
    target = transition(campaign.status, Action.SCHEDULE)
    found = await validation.problems(session, settings, campaign)
    if found:
        raise ValidationFailed(
            "the campaign cannot be scheduled: " + "; ".join(p.message for p in found),
            problems=[p.as_dict() for p in found],
        )
    when = send_at or clock.now()
    if when.tzinfo is None:
        raise ValidationFailed("send_at needs a time zone offset", field="send_at")
    campaign.status = target.value
    campaign.send_at = when
    campaign.updated_at = clock.now()
    await _enqueue_start(session, campaign, when)
    await _audit(session, actor, campaign, "schedule", {"send_at": when.isoformat()})
    return campaign


async def change_status(
    session: AsyncSession, actor: Actor, campaign_id: int, action: Action
) -> Campaign:
    """Pause, resume or cancel (and unschedule). Senders see the change before their next
    chunk; cancelling marks every unsent ledger row skipped."""
    actor.require_sys()
    campaign = await get_campaign(session, actor.scope(), campaign_id)
    before = campaign.status
    target = transition(campaign.status, action)
    campaign.status = target.value
    campaign.updated_at = clock.now()
    if action is Action.RESUME:
        await _enqueue_start(session, campaign, max(campaign.send_at or clock.now(), clock.now()))
    if action is Action.CANCEL:
        campaign.finished_at = clock.now()
        await session.execute(
            update(Delivery)
            .where(Delivery.campaign_id == campaign.id, Delivery.status.in_(("queued", "claimed")))
            .values(status="skipped", reason="cancelled", lease_until=None)
        )
    await session.flush()
    await _audit(session, actor, campaign, action.value, {"from": before, "to": target.value})
    return campaign


async def override_quiet_hours(
    session: AsyncSession, actor: Actor, campaign_id: int, *, password: str | None, enabled: bool
) -> Campaign:
    """Let (or stop letting) a campaign send through recipients' quiet hours.

    Needs fresh authentication: the operator's password in this very request, or a console
    session that re-entered it within the last five minutes."""
    actor.require_sys()
    campaign = await get_campaign(session, actor.scope(), campaign_id)
    await require_fresh_auth(
        session, actor, password=password, message="re-enter your password to override quiet hours"
    )
    campaign.quiet_hours_override = enabled
    campaign.updated_at = clock.now()
    await session.flush()
    await _audit(session, actor, campaign, "quiet_hours_override", {"enabled": enabled})
    return campaign


async def _erase_deliveries(session: AsyncSession, subscriber: Subscriber) -> None:
    """GDPR erasure: the person's ledger rows go with them (sent counts stay in the report
    only as far as the remaining rows tell)."""
    await session.execute(delete(Delivery).where(Delivery.subscriber_id == subscriber.id))


register_eraser(_erase_deliveries)
