"""The embeddable signup form: an iframe-able page per list, in the visitor's language."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from herald.audience.optin import resolve_public_lists
from herald.kit.errors import ValidationFailed
from herald.kit.i18n import is_supported, normalise_language, pick_language
from herald.web.deps import RuntimeDep, SessionDep
from herald.web.public.pages import render_page

router = APIRouter(tags=["public"])

_TURNSTILE = "https://challenges.cloudflare.com"


@router.get("/public/newsletter/embed.js", include_in_schema=False)
async def embed_js() -> Response:
    source = resources.files("herald.web.public").joinpath("static", "embed.js").read_bytes()
    return Response(
        source,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/public/newsletter/embed/{slug}", response_class=HTMLResponse)
async def embed_form(
    slug: Annotated[str, Path(max_length=64)],
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    tenant: Annotated[str | None, Query(max_length=64)] = None,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    form_id: Annotated[str, Query(max_length=100)] = "embed",
) -> HTMLResponse:
    """A signup form to put in an ``<iframe>`` on any site (see docs/embedding.md)."""
    language = (
        normalise_language(lang)
        if lang and is_supported(lang)
        else pick_language(request.headers.get("accept-language"))
    )
    try:
        [lst] = await resolve_public_lists(session, [slug], tenant)
    except ValidationFailed:
        return HTMLResponse("Unknown list", status_code=404)
    sitekey = rt.settings.turnstile_sitekey if rt.settings.turnstile_secret else None
    response = render_page(
        "embed.html",
        language,
        list_name=lst.name,
        slug=lst.slug,
        tenant=tenant,
        form_id=form_id,
        action="/public/newsletter/subscribe",
        turnstile_sitekey=sitekey,
    )
    script_src = "'self'" + (f" {_TURNSTILE}" if sitekey else "")
    frame_src = _TURNSTILE if sitekey else "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_src}; "
        f"connect-src 'self'; frame-src {frame_src}; form-action 'self'; base-uri 'none'"
    )
    # Meant to be framed by the organisation's own sites.
    if "x-frame-options" in response.headers:
        del response.headers["x-frame-options"]
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
