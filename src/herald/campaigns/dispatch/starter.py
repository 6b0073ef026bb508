"""Starting and finishing sends.

Starting freezes the template (HTML and text as rendered now), writes the link table and
materialises the ledger, all in one transaction with the campaign row: either the campaign is
``sending`` with its whole ledger, or nothing happened. A resumed campaign is never
re-materialised (people who joined the list since are not added mid-send).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import SYSTEM
from herald.campaigns.audience import materialise
from herald.campaigns.lifecycle import Action, CampaignStatus, transition
from herald.compliance import audit
from herald.kit import clock
from herald.models.campaigns import Campaign, CampaignLink, Delivery, NewsletterTemplate
from herald.templates import merge
from herald.templates.service import cached_render

OPEN_STATUSES = ("queued", "claimed")


async def _lock(session: AsyncSession, campaign_id: int) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id)
    query = query.with_for_update()  # the SQLite dialect omits it
    return (await session.execute(query)).scalar_one_or_none()


async def start_campaign(session: AsyncSession, campaign_id: int) -> bool:
    """Move a due ``scheduled`` campaign to ``sending``; returns whether it did."""
    campaign = await _lock(session, campaign_id)
    now = clock.now()
    if campaign is None or campaign.status != CampaignStatus.SCHEDULED.value:
        return False
    if campaign.send_at is not None and campaign.send_at > now:
        return False
    if campaign.started_at is None:
        template = await session.get(NewsletterTemplate, campaign.template_id)
        if template is None:
            return False
        rendered = await cached_render(session, template)
        prepared = merge.prepare(rendered.html, rendered.text)
        campaign.html, campaign.text = rendered.html, rendered.text
        session.add_all(
            CampaignLink(campaign_id=campaign.id, position=i, url=url)
            for i, url in enumerate(prepared.urls, start=1)
        )
        campaign.started_at = now
        campaign.recipients = await materialise(session, campaign)
    campaign.status = transition(campaign.status, Action.START).value
    campaign.updated_at = now
    await audit.record(
        session,
        "newsletter.campaign.start",
        SYSTEM,
        tenant_id=campaign.tenant_id,
        target_type="campaign",
        target_id=campaign.id,
        details={"recipients": campaign.recipients},
    )
    return True


async def due_campaigns(session: AsyncSession) -> list[int]:
    rows = await session.execute(
        select(Campaign.id).where(
            Campaign.status == CampaignStatus.SCHEDULED.value,
            Campaign.send_at <= clock.now(),
        )
    )
    return list(rows.scalars())


async def finish_if_done(session: AsyncSession, campaign_id: int) -> bool:
    """Mark a ``sending`` campaign ``sent`` once no ledger row is left to send."""
    campaign = await _lock(session, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.SENDING.value:
        return False
    pending = await session.execute(
        select(
            exists().where(Delivery.campaign_id == campaign_id, Delivery.status.in_(OPEN_STATUSES))
        )
    )
    if pending.scalar():
        return False
    campaign.status = transition(campaign.status, Action.FINISH).value
    campaign.finished_at = clock.now()
    campaign.updated_at = campaign.finished_at
    await audit.record(
        session,
        "newsletter.campaign.finish",
        SYSTEM,
        tenant_id=campaign.tenant_id,
        target_type="campaign",
        target_id=campaign.id,
        details={},
    )
    return True
