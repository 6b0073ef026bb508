"""``/`` leads to the operator console; ``/signup`` is a page of every list's signup form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from herald.kit.i18n import pick_language
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList
from herald.web.deps import SessionDep
from herald.web.public.pages import render_page

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/console/", status_code=307)


@router.get("/signup", response_model=None)
async def signup_forms(request: Request, session: SessionDep) -> Response:
    rows = await session.execute(
        select(NewsletterList.slug, NewsletterList.name, Tenant.slug)
        .outerjoin(Tenant, Tenant.id == NewsletterList.tenant_id)
        .where(NewsletterList.archived.is_(False))
        .order_by(NewsletterList.id)
        .limit(50)
    )
    lists = [
        {
            "name": name,
            "tenant": tenant,
            "href": f"/public/newsletter/embed/{slug}" + (f"?tenant={tenant}" if tenant else ""),
        }
        for slug, name, tenant in rows.all()
    ]
    response: HTMLResponse = render_page(
        "home.html",
        pick_language(request.headers.get("accept-language")),
        title="Herald",
        lists=lists,
    )
    return response
