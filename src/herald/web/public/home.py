"""The landing page at ``/``: the console when it is built, otherwise a page of signup forms."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from herald.kit.i18n import pick_language
from herald.models.accounts import Tenant
from herald.models.audience import NewsletterList
from herald.web.deps import SessionDep
from herald.web.public.pages import render_page

router = APIRouter(include_in_schema=False)


def console_built() -> bool:
    return resources.files("herald.web").joinpath("console_dist", "index.html").is_file()


@router.get("/", response_model=None)
async def home(request: Request, session: SessionDep) -> Response:
    if console_built():
        return RedirectResponse("/console/", status_code=307)
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
