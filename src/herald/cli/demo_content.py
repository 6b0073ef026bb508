"""Demo content on top of the demo audience: templates cloned from the gallery, a saved segment
and campaigns per tenant, so the console's templates, segments and campaigns screens have
something real to show. The Nordic Chess Federation's newsletter is scheduled at seeding time:
the embedded worker of ``herald serve`` sends it into the capture outbox, so the campaign page
shows a real send (throttled to one message a second).

Everything goes through the same services the API uses, so the demo exercises real validation.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.campaigns import service as campaigns
from herald.campaigns.schemas import CampaignInput
from herald.kit.settings import Settings
from herald.models.accounts import Tenant
from herald.segments import service as segments
from herald.templates import service as templates

# tenant slug → (gallery designs to clone, the list the newsletter goes to)
CONTENT = {
    "nordic-chess": (["federation_update", "event_invite"], "members-news"),
    "padel-league": (["digest", "announcement"], "weekly-digest"),
}
ENGAGED_FRENCH_SPEAKERS = {
    "all": [
        {"field": "language", "op": "eq", "value": "fr"},
        {"field": "country", "op": "in", "value": ["FR", "BE", "CH"]},
        {
            "any": [
                {"field": "last_open_days", "op": "within_last_days", "value": 90},
                {"field": "attributes.role", "op": "in", "value": ["coach", "club_admin"]},
            ]
        },
    ]
}


async def seed_content(
    session: AsyncSession, settings: Settings, actor: Actor, password: str
) -> int:
    """Templates, a segment and campaigns for each demo tenant; returns how many campaigns.

    The newsletter that is sent right away overrides quiet hours (an audited override, with the
    demo operator's password as fresh authentication), so the tour shows a send at any hour of
    the day instead of holding most of the audience until their morning."""
    made = 0
    sender = settings.default_from_email
    for slug, (designs, list_slug) in CONTENT.items():
        tenant_id = await _tenant_id(session, slug)
        clones = [
            await templates.clone_template(session, actor, gallery_key=key, tenant_id=tenant_id)
            for key in designs
        ]
        segment = await segments.create_segment(
            session,
            actor,
            name="Engaged French speakers",
            description="French-speaking members in France, Belgium or Switzerland who opened "
            "mail in the last 90 days, or are coaches or club admins",
            rules=ENGAGED_FRENCH_SPEAKERS,
            tenant=slug,
        )
        newsletter = await campaigns.create_campaign(
            session,
            actor,
            CampaignInput(
                name="December newsletter",
                subject=clones[0].subject or "News from us",
                template_id=clones[0].id,
                from_email=sender,
                from_name=None,
                lists=[list_slug],
                throttle_per_hour=3600,
                tenant=slug,
            ),
        )
        await campaigns.create_campaign(
            session,
            actor,
            CampaignInput(
                name="Invitation for French speakers (draft)",
                subject=clones[1].subject or "You are invited",
                template_id=clones[1].id,
                from_email=sender,
                lists=[list_slug],
                segment_id=segment.id,
                tenant=slug,
            ),
        )
        made += 2
        if slug == "nordic-chess":
            await campaigns.override_quiet_hours(
                session, actor, newsletter.id, password=password, enabled=True
            )
            await campaigns.schedule(session, settings, actor, newsletter.id, None)
    return made


async def _tenant_id(session: AsyncSession, slug: str) -> int:
    tenant_id = (await session.execute(select(Tenant.id).where(Tenant.slug == slug))).scalar_one()
    return int(tenant_id)
