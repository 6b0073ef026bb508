"""Building a :class:`CampaignKit` from the database (once per campaign per process)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.campaigns.dispatch import quiet
from herald.campaigns.dispatch.compose import CampaignKit
from herald.campaigns.validation import postal_address
from herald.kit.errors import ValidationFailed
from herald.kit.settings import Settings
from herald.kit.tokens import TokenSigner
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList
from herald.models.campaigns import Campaign, CampaignLink
from herald.templates import merge, sandbox


async def build_kit(
    session: AsyncSession,
    settings: Settings,
    signer: TokenSigner,
    campaign: Campaign,
    *,
    draft: tuple[str, str] | None = None,
) -> CampaignKit:
    """The kit for a started campaign, or (``draft``: html, text) an untracked one for tests."""
    html, text = draft or (campaign.html, campaign.text)
    if html is None or text is None:
        raise ValidationFailed(f"campaign {campaign.id} has not been started")
    prepared = merge.prepare(html, text)
    links = (
        await session.execute(
            select(CampaignLink.position, CampaignLink.id).where(
                CampaignLink.campaign_id == campaign.id
            )
        )
    ).all()
    by_position: dict[int, int] = {row.position: row.id for row in links}
    link_ids = [by_position.get(n, 0) for n in range(1, len(prepared.urls) + 1)]
    tenant = await session.get(Tenant, campaign.tenant_id) if campaign.tenant_id else None
    list_rows = (
        await session.execute(
            select(NewsletterList).where(NewsletterList.scope == (campaign.tenant_id or 0))
        )
    ).scalars()
    lists: dict[int, tuple[str, str]] = {}
    timezones: dict[int, str | None] = {}
    for row in list_rows:
        lists[row.id] = (row.slug, row.name)
        timezones[row.id] = row.timezone
    address = postal_address(settings, tenant)
    if address is None:
        raise ValidationFailed("no postal address configured: marketing mail cannot be sent")
    default_zone = quiet.UTC
    for list_id in campaign.list_ids:
        if list_id in lists and (z := quiet.zone(timezones.get(list_id))):
            default_zone = z
            break
    else:
        if tenant is not None and (z := quiet.zone(tenant.timezone)):
            default_zone = z
    mailbox = None
    if settings.bounce_domain:
        mailbox = f"unsubscribe@{settings.bounce_domain}"
    return CampaignKit(
        campaign_id=campaign.id,
        tenant_id=campaign.tenant_id,
        base_url=settings.base_url.rstrip("/"),
        signer=signer,
        prepared=prepared,
        link_ids=link_ids,
        subject=sandbox.compile_text(campaign.subject),
        from_email=campaign.from_email,
        from_name=campaign.from_name,
        reply_to=campaign.reply_to,
        preheader=campaign.preheader or "",
        campaign_name=campaign.name,
        postal_address=address,
        lists=lists,
        tenant={"name": tenant.name, "slug": tenant.slug} if tenant else None,
        merge_data=dict(campaign.merge_data or {}),
        unsubscribe_mailbox=mailbox,
        list_ids=list(campaign.list_ids),
        track=draft is None,
        default_zone=default_zone,
    )
