"""What blocks a campaign from being scheduled, each with a reason a marketer understands."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.campaigns.audience import count_audience
from herald.campaigns.schemas import Problem
from herald.kit.errors import ValidationFailed
from herald.kit.settings import Settings
from herald.models.accounts import Tenant
from herald.models.campaigns import Campaign, NewsletterTemplate
from herald.models.delivery import DkimKey
from herald.templates import merge, sandbox
from herald.templates.service import cached_render


def postal_address(settings: Settings, tenant: Tenant | None) -> str | None:
    value = (tenant.postal_address if tenant else None) or settings.postal_address
    return value.strip() if value and value.strip() else None


async def sender_domain_verified(
    session: AsyncSession, settings: Settings, tenant_id: int | None, domain: str
) -> bool:
    """A From domain is verified when Herald signs for it (an active DKIM key in scope), when
    it is the instance's own default sender domain, or when the operator lists it in
    ``HERALD_SENDER_DOMAINS`` (domains verified at the provider, e.g. Mailjet or ACS)."""
    domain = domain.lower()
    if domain == settings.default_from_email.rpartition("@")[2].lower():
        return True
    if domain in settings.sender_domain_set():
        return True
    row = await session.execute(
        select(DkimKey.id)
        .where(
            DkimKey.domain == domain,
            DkimKey.active.is_(True),
            DkimKey.scope.in_({0, tenant_id or 0}),
        )
        .limit(1)
    )
    return row.first() is not None


async def problems(session: AsyncSession, settings: Settings, campaign: Campaign) -> list[Problem]:
    found: list[Problem] = []
    tenant = await session.get(Tenant, campaign.tenant_id) if campaign.tenant_id else None
    if postal_address(settings, tenant) is None:
        found.append(
            Problem(
                "missing_postal_address",
                "Add the organisation's postal address (HERALD_POSTAL_ADDRESS or the tenant's "
                "postal address): the law requires it in every marketing email.",
                "postal_address",
            )
        )
    domain = campaign.from_email.rpartition("@")[2]
    if not await sender_domain_verified(session, settings, campaign.tenant_id, domain):
        found.append(
            Problem(
                "unverified_sender_domain",
                f"The sender domain {domain} is not verified: add a DKIM key for it "
                "(herald dkim) or list it in HERALD_SENDER_DOMAINS once your provider verified "
                "it.",
                "from_email",
            )
        )
    template = await session.get(NewsletterTemplate, campaign.template_id)
    if template is None:
        found.append(Problem("template_missing", "The template no longer exists.", "template_id"))
    else:
        try:
            rendered = await cached_render(session, template)
            merge.prepare(rendered.html, rendered.text)
        except ValidationFailed as exc:
            found.append(Problem("template_error", exc.message, "template_id"))
        else:
            try:
                sandbox.compile_text(campaign.subject)
            except ValidationFailed as exc:
                found.append(Problem("template_error", exc.message, "subject"))
    if not campaign.list_ids and campaign.segment_id is None:
        found.append(Problem("no_audience", "Choose at least one list or a segment.", "lists"))
    elif await count_audience(session, campaign) == 0:
        found.append(
            Problem(
                "empty_audience",
                "Nobody would receive this campaign: its lists and segment have no active "
                "subscribers.",
                "lists",
            )
        )
    return found
