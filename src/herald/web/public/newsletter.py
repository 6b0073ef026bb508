"""Subscribe, confirm, preferences, unsubscribe and RFC 8058 one-click, as the contract fixes."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from herald.audience import optin
from herald.audience.captcha import verify_turnstile
from herald.audience.schemas import check_timezone
from herald.kit.errors import TokenInvalid, ValidationFailed
from herald.kit.i18n import LANGUAGES, is_supported, normalise_language, pick_language, translate
from herald.kit.logging import get_logger
from herald.kit.text import normalise_email
from herald.kit.tokens import Purpose
from herald.web.deps import ClientIP, RuntimeDep, SessionDep
from herald.web.public import notification_prefs
from herald.web.public.forms import as_slug_list, as_text, read_fields
from herald.web.public.pages import invalid_link_page, language_options, render_page

log = get_logger(__name__)
router = APIRouter(tags=["public"])

TokenPath = Annotated[str, Path(max_length=512)]


def _pending() -> JSONResponse:
    return JSONResponse({"status": "pending"}, status_code=202)


@router.post(
    "/public/newsletter/subscribe",
    status_code=202,
    responses={
        400: {"description": "captcha failed"},
        422: {"description": "bad input"},
        429: {"description": "too many requests"},
    },
)
async def subscribe(
    request: Request, rt: RuntimeDep, session: SessionDep, ip: ClientIP
) -> JSONResponse:
    """Subscribe an address (JSON or form). Always 202 for a well-formed request."""
    settings = rt.settings
    await rt.limiter.hit(
        f"subscribe:{ip}", settings.subscribe_rate_limit, settings.subscribe_rate_window_seconds
    )
    data = await read_fields(request)
    if as_text(data.get("website"), "website", 2000):
        log.info("subscribe.honeypot")
        return _pending()
    email = as_text(data.get("email"), "email", 320)
    if not email:
        raise ValidationFailed("email is required", field="email")
    normalise_email(email)
    slugs = as_slug_list(data)
    language = as_text(data.get("language"), "language", 16)
    if language and not is_supported(language):
        raise ValidationFailed(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    timezone = as_text(data.get("timezone"), "timezone", 64)
    try:
        timezone = check_timezone(timezone)
    except ValueError:
        timezone = None  # a browser's odd zone must not cost a subscription; list default applies
    if settings.turnstile_secret:
        await verify_turnstile(
            secret=settings.turnstile_secret,
            token=as_text(data.get("cf-turnstile-response"), "cf-turnstile-response", 4096),
            remote_ip=ip,
            verify_url=settings.turnstile_verify_url,
            expected_hostname=urlsplit(settings.base_url).hostname,
        )
    await optin.subscribe(
        session,
        optin.SubscribeRequest(
            email=email,
            lists=slugs,
            tenant=as_text(data.get("tenant"), "tenant", 64),
            name=as_text(data.get("name"), "name", 200),
            language=language,
            timezone=timezone,
            form_id=as_text(data.get("form_id"), "form_id", 100),
            ip=ip,
            user_agent=request.headers.get("user-agent"),
        ),
    )
    return _pending()


def _lang_for(request: Request, explicit: str | None = None) -> str:
    if explicit and is_supported(explicit):
        return normalise_language(explicit)
    return pick_language(request.headers.get("accept-language"))


@router.get("/public/newsletter/confirm", response_class=HTMLResponse)
async def confirm(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    ip: ClientIP,
    token: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    try:
        subscriber = await optin.confirm(
            session, rt.signer, token, ip=ip, user_agent=request.headers.get("user-agent")
        )
    except TokenInvalid:
        return invalid_link_page(_lang_for(request, request.query_params.get("lang")))
    lang = normalise_language(subscriber.language)
    prefs_token = rt.signer.issue(Purpose.PREFS, subscriber.id)
    prefs = await optin.preferences(session, rt.signer, prefs_token)
    return render_page(
        "message.html",
        lang,
        title=translate(lang, "public.confirm.title"),
        body=translate(lang, "public.confirm.body", email=subscriber.email),
        role="status",
        items=[item.name for item in prefs.lists if item.subscribed],
        items_label=translate(lang, "public.confirm.lists"),
        link=f"/{lang}/newsletter/preferences?token={prefs_token}",
        link_text=translate(lang, "public.confirm.manage"),
    )


class PreferencesOut(BaseModel):
    email: str
    name: str | None
    language: str
    lists: list[dict[str, Any]]
    notifications: list[dict[str, Any]]  # optional notification categories: category, name…


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    lists: dict[str, bool] | None = Field(default=None, max_length=200)
    notifications: dict[str, bool] | None = Field(default=None, max_length=200)


async def _prefs_out(rt: Any, session: Any, prefs: optin.Preferences) -> PreferencesOut:
    sub = prefs.subscriber
    return PreferencesOut(
        email=sub.email,
        name=sub.name,
        language=sub.language,
        lists=[{"slug": i.slug, "name": i.name, "subscribed": i.subscribed} for i in prefs.lists],
        notifications=await notification_prefs.items(session, rt, sub),
    )


@router.get("/public/newsletter/preferences/{token}", response_model=PreferencesOut)
async def get_preferences(token: TokenPath, rt: RuntimeDep, session: SessionDep) -> PreferencesOut:
    return await _prefs_out(rt, session, await optin.preferences(session, rt.signer, token))


@router.put("/public/newsletter/preferences/{token}", response_model=PreferencesOut)
async def put_preferences(
    token: TokenPath,
    body: PreferencesIn,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    ip: ClientIP,
) -> PreferencesOut:
    if body.language is not None and not is_supported(body.language):
        raise ValidationFailed(f"language must be one of {', '.join(LANGUAGES)}", field="language")
    if body.notifications is not None and body.model_fields_set == {"notifications"}:
        prefs = await optin.preferences(session, rt.signer, token)
    else:
        prefs = await optin.update_preferences(
            session,
            rt.signer,
            token,
            name=body.name,
            language=body.language,
            lists=body.lists,
            ip=ip,
            user_agent=request.headers.get("user-agent"),
        )
    if body.notifications:
        await notification_prefs.apply(session, rt, prefs.subscriber, body.notifications)
    return await _prefs_out(rt, session, prefs)


def _lang_links(token: str) -> list[tuple[str, str]]:
    return [(code, f"/{code}/newsletter/preferences?token={token}") for code in LANGUAGES]


async def _render_preferences(
    rt: Any, session: Any, lang: str, token: str, *, saved: bool = False
) -> HTMLResponse:
    prefs = await optin.preferences(session, rt.signer, token)
    unsub_all = rt.signer.issue(Purpose.UNSUB, prefs.subscriber.id, 0)
    return render_page(
        "preferences.html",
        lang,
        lang_links=_lang_links(token),
        title=translate(lang, "public.prefs.title"),
        saved=saved,
        error=None,
        email=prefs.subscriber.email,
        name=prefs.subscriber.name,
        language=prefs.subscriber.language,
        languages=language_options(),
        lists=prefs.lists,
        notifications=await notification_prefs.items(session, rt, prefs.subscriber, lang),
        mandatory_notifications=notification_prefs.mandatory_names(rt, lang),
        action=f"/{lang}/newsletter/preferences?token={token}",
        unsubscribe_all_action=f"/public/newsletter/unsubscribe-all/{unsub_all}?lang={lang}",
    )


LangPath = Annotated[str, Path(pattern="^(en|sv|fr|es)$")]


@router.get("/{lang}/newsletter/preferences", response_class=HTMLResponse)
async def preferences_page(
    lang: LangPath,
    rt: RuntimeDep,
    session: SessionDep,
    token: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    try:
        return await _render_preferences(rt, session, lang, token)
    except TokenInvalid:
        return invalid_link_page(lang)


@router.post("/{lang}/newsletter/preferences", response_class=HTMLResponse)
async def preferences_form(
    lang: LangPath,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    ip: ClientIP,
    token: Annotated[str, Query(max_length=512)] = "",
) -> HTMLResponse:
    """The no-JavaScript form post of the preference centre."""
    data = await read_fields(request)
    try:
        current = await optin.preferences(session, rt.signer, token)
    except TokenInvalid:
        return invalid_link_page(lang)
    chosen = data.get("list", [])
    chosen = set(chosen if isinstance(chosen, list) else [chosen])
    lists = None
    if data.get("lists_present"):
        lists = {
            item.slug: item.slug in chosen
            for item in current.lists
            if item.status not in {"bounced", "complained", "suppressed"}
        }
    language = as_text(data.get("language"), "language", 8)
    notifications = notification_prefs.from_form(rt, data)
    if notifications:
        await notification_prefs.apply(session, rt, current.subscriber, notifications)
    await optin.update_preferences(
        session,
        rt.signer,
        token,
        name=as_text(data.get("name"), "name", 200) or "",
        language=language if language and is_supported(language) else None,
        lists=lists,
        ip=ip,
        user_agent=request.headers.get("user-agent"),
    )
    new_lang = normalise_language(language) if language and is_supported(language) else lang
    return await _render_preferences(rt, session, new_lang, token, saved=True)


def _unsubscribed_page(rt: Any, lang: str, subscriber_id: int) -> HTMLResponse:
    prefs_token = rt.signer.issue(Purpose.PREFS, subscriber_id)
    return render_page(
        "message.html",
        lang,
        title=translate(lang, "public.unsub.done_title"),
        body=translate(lang, "public.unsub.done_body"),
        role="status",
        items=None,
        items_label="",
        link=f"/{lang}/newsletter/preferences?token={prefs_token}",
        link_text=translate(lang, "public.unsub.preferences"),
    )


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    ctype = request.headers.get("content-type", "")
    return "text/html" in accept or ctype.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    )


async def _unsubscribe(
    request: Request, rt: Any, session: Any, ip: str, token: str, *, everything: bool, method: str
) -> HTMLResponse | JSONResponse:
    try:
        subscriber = await optin.unsubscribe(
            session,
            rt.signer,
            token,
            everything=everything,
            method=method,
            ip=ip,
            user_agent=request.headers.get("user-agent"),
        )
    except TokenInvalid:
        if _wants_html(request):
            return invalid_link_page(_lang_for(request, request.query_params.get("lang")))
        return JSONResponse({"detail": "invalid or expired link", "code": "invalid_token"}, 400)
    if _wants_html(request):
        lang = _lang_for(request, request.query_params.get("lang") or subscriber.language)
        return _unsubscribed_page(rt, lang, subscriber.id)
    return JSONResponse({"status": "unsubscribed"})


@router.post("/public/newsletter/unsubscribe/{token}", response_model=None)
async def unsubscribe(
    token: TokenPath, request: Request, rt: RuntimeDep, session: SessionDep, ip: ClientIP
) -> HTMLResponse | JSONResponse:
    return await _unsubscribe(request, rt, session, ip, token, everything=False, method="form")


@router.post("/public/newsletter/unsubscribe-all/{token}", response_model=None)
async def unsubscribe_all(
    token: TokenPath, request: Request, rt: RuntimeDep, session: SessionDep, ip: ClientIP
) -> HTMLResponse | JSONResponse:
    return await _unsubscribe(request, rt, session, ip, token, everything=True, method="form")


@router.get("/public/newsletter/list-unsubscribe/{token}", response_class=HTMLResponse)
async def list_unsubscribe_page(
    token: TokenPath, request: Request, rt: RuntimeDep, session: SessionDep
) -> HTMLResponse:
    """Shows a confirmation button. A GET never changes state (mail scanners prefetch links)."""
    lang = _lang_for(request, request.query_params.get("lang"))
    try:
        claims = rt.signer.verify(token, Purpose.UNSUB)
    except TokenInvalid:
        return invalid_link_page(lang)
    from herald.models.audience import Subscriber

    subscriber = await session.get(Subscriber, claims.subject)
    if subscriber is None:
        return invalid_link_page(lang)
    lang = _lang_for(request, request.query_params.get("lang") or subscriber.language)
    prefs_token = rt.signer.issue(Purpose.PREFS, subscriber.id)
    return render_page(
        "unsubscribe.html",
        lang,
        title=translate(lang, "public.unsub.title"),
        email=subscriber.email,
        action=f"/public/newsletter/list-unsubscribe/{token}?lang={lang}",
        preferences_link=f"/{lang}/newsletter/preferences?token={prefs_token}",
    )


@router.post("/public/newsletter/list-unsubscribe/{token}", response_model=None)
async def list_unsubscribe(
    token: TokenPath, request: Request, rt: RuntimeDep, session: SessionDep, ip: ClientIP
) -> HTMLResponse | JSONResponse:
    """RFC 8058 one-click: ``List-Unsubscribe=One-Click`` urlencoded or multipart → 200.

    No redirect, no cookie, no authentication: the token in the URI is the identity.
    """
    data = await read_fields(request)
    if as_text(data.get("List-Unsubscribe"), "List-Unsubscribe", 32) != "One-Click":
        return JSONResponse(
            {"detail": "body must be List-Unsubscribe=One-Click", "code": "invalid"}, 400
        )
    return await _unsubscribe(
        request, rt, session, ip, token, everything=False, method="one_click_unsub"
    )
