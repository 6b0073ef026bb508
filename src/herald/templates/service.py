"""Newsletter templates: tenant-scoped CRUD, the rendered cache, clone, gallery and preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor, Scope
from herald.compliance import audit
from herald.kit import clock
from herald.kit.errors import NotFound, ValidationFailed
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList, Subscriber, Subscription
from herald.models.campaigns import Campaign, NewsletterTemplate
from herald.templates import gallery, merge, mjml, sandbox
from herald.templates.text import html_to_text

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    text: str


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"name must be 1–{MAX_NAME} characters", field="name")
    return name


def render_source(source: str, text_source: str | None) -> Rendered:
    """MJML → HTML (+ text part), checking that the merge tags compile."""
    html = mjml.render(source)
    text = text_source if text_source is not None else html_to_text(html)
    merge.prepare(html, text)  # raises MergeError on bad Jinja syntax
    return Rendered(html, text)


async def cached_render(session: AsyncSession, template: NewsletterTemplate) -> Rendered:
    if template.html_cache is None or template.text_cache is None:
        rendered = render_source(template.mjml, template.text_source)
        template.html_cache = rendered.html
        template.text_cache = rendered.text
        template.rendered_at = clock.now()
        await session.flush()
    return Rendered(template.html_cache, template.text_cache)


async def create_template(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    mjml_source: str,
    text_source: str | None = None,
    subject: str | None = None,
    preheader: str | None = None,
    tenant_id: int | None = None,
    gallery_key: str | None = None,
) -> NewsletterTemplate:
    if not actor.is_sys:
        tenant_id = actor.tenant_id
    rendered = render_source(mjml_source, text_source)
    template = NewsletterTemplate(
        tenant_id=tenant_id,
        scope=tenant_id or 0,
        name=_check_name(name),
        mjml=mjml_source,
        text_source=text_source,
        subject=subject,
        preheader=preheader,
        gallery_key=gallery_key,
        html_cache=rendered.html,
        text_cache=rendered.text,
        rendered_at=clock.now(),
    )
    session.add(template)
    await session.flush()
    await audit.record(
        session,
        "newsletter.template.create",
        actor,
        target_type="template",
        target_id=template.id,
        tenant_id=tenant_id,
        details={"name": template.name, "gallery_key": gallery_key},
    )
    return template


async def get_template(session: AsyncSession, scope: Scope, template_id: int) -> NewsletterTemplate:
    """A template in scope; platform-wide templates (no tenant) are readable by every tenant."""
    row = await session.get(NewsletterTemplate, template_id)
    if row is None or not (row.tenant_id is None or scope.allows(row.tenant_id)):
        raise NotFound(f"template {template_id} not found")
    return row


async def browse_templates(
    session: AsyncSession,
    scope: Scope,
    *,
    after_id: int | None,
    limit: int,
    tenant_id: int | None = None,
) -> list[NewsletterTemplate]:
    """Templates in scope; ``tenant_id`` narrows to that tenant's and the platform-wide ones."""
    query = select(NewsletterTemplate)
    if not scope.all_tenants:
        query = query.where(
            scope.clause(NewsletterTemplate.tenant_id) | NewsletterTemplate.tenant_id.is_(None)
        )
    if tenant_id is not None:
        query = query.where(
            (NewsletterTemplate.tenant_id == tenant_id) | NewsletterTemplate.tenant_id.is_(None)
        )
    if after_id is not None:
        query = query.where(NewsletterTemplate.id > after_id)
    rows = await session.execute(query.order_by(NewsletterTemplate.id).limit(limit))
    return list(rows.scalars())


def _writable(actor: Actor, template: NewsletterTemplate) -> None:
    if not actor.is_sys and template.tenant_id != actor.tenant_id:
        raise NotFound(f"template {template.id} not found")


async def update_template(
    session: AsyncSession,
    actor: Actor,
    template_id: int,
    *,
    name: str | None = None,
    mjml_source: str | None = None,
    text_source: str | None = None,
    clear_text_source: bool = False,
    subject: str | None = None,
    preheader: str | None = None,
) -> NewsletterTemplate:
    template = await get_template(session, actor.scope(), template_id)
    _writable(actor, template)
    if name is not None:
        template.name = _check_name(name)
    if subject is not None:
        template.subject = subject
    if preheader is not None:
        template.preheader = preheader
    if mjml_source is not None or text_source is not None or clear_text_source:
        new_mjml = mjml_source if mjml_source is not None else template.mjml
        new_text = None if clear_text_source else (text_source or template.text_source)
        rendered = render_source(new_mjml, new_text)  # validate before touching the row
        template.mjml, template.text_source = new_mjml, new_text
        template.html_cache, template.text_cache = rendered.html, rendered.text
        template.rendered_at = clock.now()
    template.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        "newsletter.template.update",
        actor,
        target_type="template",
        target_id=template.id,
        tenant_id=template.tenant_id,
    )
    return template


async def delete_template(session: AsyncSession, actor: Actor, template_id: int) -> None:
    template = await get_template(session, actor.scope(), template_id)
    _writable(actor, template)
    used = (
        await session.execute(select(Campaign.id).where(Campaign.template_id == template.id))
    ).first()
    if used:
        raise ValidationFailed(
            "this template is used by a campaign; clone it instead", field="template_id"
        )
    await session.delete(template)
    await session.flush()
    await audit.record(
        session,
        "newsletter.template.delete",
        actor,
        target_type="template",
        target_id=template_id,
        tenant_id=template.tenant_id,
    )


async def clone_template(
    session: AsyncSession,
    actor: Actor,
    *,
    template_id: int | None = None,
    gallery_key: str | None = None,
    name: str | None = None,
    tenant_id: int | None = None,
) -> NewsletterTemplate:
    """Copy a template (or a gallery design) into the caller's scope to customise it."""
    if (template_id is None) == (gallery_key is None):
        raise ValidationFailed("give exactly one of template_id or gallery_key")
    if gallery_key is not None:
        entry = gallery.get(gallery_key)
        return await create_template(
            session,
            actor,
            name=name or entry.name,
            mjml_source=entry.mjml(),
            text_source=entry.text(),
            subject=entry.subject,
            preheader=entry.preheader,
            tenant_id=tenant_id,
            gallery_key=entry.key,
        )
    assert template_id is not None
    source = await get_template(session, actor.scope(), template_id)
    return await create_template(
        session,
        actor,
        name=name or f"{source.name} (copy)",
        mjml_source=source.mjml,
        text_source=source.text_source,
        subject=source.subject,
        preheader=source.preheader,
        tenant_id=tenant_id if tenant_id is not None else source.tenant_id,
        gallery_key=source.gallery_key,
    )


SAMPLE_SUBSCRIBER: dict[str, Any] = {
    "id": 0,
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "language": "en",
    "country": "GB",
    "timezone": "Europe/London",
    "attributes": {},
}
# The sample subscriber's list, and its organisation when the template has no tenant: without
# them `{{ tenant.name or list.name }}` would read "None" in the preview.
SAMPLE_LIST: dict[str, Any] = {"name": "Sample list", "slug": "sample"}
SAMPLE_TENANT: dict[str, Any] = {"name": "Sample organisation", "slug": "sample"}


def sample_html(
    html: str, text: str, *, subject: str, preheader: str | None, tenant_name: str | None
) -> str | None:
    """The HTML merged for the sample subscriber, as a thumbnail shows it (no raw ``{{ … }}``);
    None when the template does not merge without real data (the caller shows it unmerged)."""

    def context(subject_text: str) -> dict[str, Any]:
        return merge.build_context(
            subscriber=dict(SAMPLE_SUBSCRIBER),
            list_=dict(SAMPLE_LIST),
            tenant={"name": tenant_name, "slug": ""} if tenant_name else dict(SAMPLE_TENANT),
            campaign={"subject": subject_text, "preheader": preheader or "", "name": ""},
            merge_data=None,
        )

    try:
        # The subject is a template too, and the design shows it (its <title>, a heading).
        merged_subject = sandbox.render(sandbox.compile_text(subject), context(subject))
        merged, _ = merge.prepare(html, text).render(context(merged_subject))
    except ValidationFailed:
        return None
    return merged


async def preview(
    session: AsyncSession,
    actor: Actor,
    template_id: int,
    *,
    subscriber_id: int | None = None,
    merge_data: dict[str, Any] | None = None,
    subject: str | None = None,
) -> dict[str, Any]:
    """Render a template as a chosen subscriber (or a sample one) would receive it."""
    scope = actor.scope()
    template = await get_template(session, scope, template_id)
    rendered = await cached_render(session, template)
    sub: dict[str, Any] = dict(SAMPLE_SUBSCRIBER)
    list_row: NewsletterList | None = None
    tenant_row: Tenant | None = None
    if subscriber_id is not None:
        found = (
            await session.execute(
                select(Subscriber).where(
                    Subscriber.id == subscriber_id, scope.clause(Subscriber.tenant_id)
                )
            )
        ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"subscriber {subscriber_id} not found")
        sub = {
            "id": found.id,
            "email": found.email,
            "name": found.name,
            "language": found.language,
            "country": found.country,
            "timezone": found.timezone,
            "attributes": found.attributes or {},
        }
        list_row = (
            await session.execute(
                select(NewsletterList)
                .join(Subscription, Subscription.list_id == NewsletterList.id)
                .where(Subscription.subscriber_id == found.id)
                .order_by(Subscription.id)
                .limit(1)
            )
        ).scalar_one_or_none()
        if found.tenant_id is not None:
            tenant_row = await session.get(Tenant, found.tenant_id)
    list_ctx: dict[str, Any] | None = (
        {"name": list_row.name, "slug": list_row.slug} if list_row else None
    )
    tenant_ctx: dict[str, Any] | None = (
        {"name": tenant_row.name, "slug": tenant_row.slug} if tenant_row else None
    )
    if subscriber_id is None:
        owner = await session.get(Tenant, template.tenant_id) if template.tenant_id else None
        list_ctx = dict(SAMPLE_LIST)
        tenant_ctx = {"name": owner.name, "slug": owner.slug} if owner else dict(SAMPLE_TENANT)
    subject_source = subject or template.subject or template.name
    context = merge.build_context(
        subscriber=sub,
        list_=list_ctx,
        tenant=tenant_ctx,
        campaign={"subject": subject_source, "preheader": template.preheader or "", "name": ""},
        merge_data=merge_data,
    )
    prepared = merge.prepare(rendered.html, rendered.text)
    html, text = prepared.render(context)
    subject_out = sandbox.render(sandbox.compile_text(subject_source), context)
    return {"subject": subject_out, "html": html, "text": text, "links": prepared.urls}
