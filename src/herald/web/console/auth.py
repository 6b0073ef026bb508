"""/console/api/session…: console sign-in (password, then a one-time code when TOTP is on),
sign-out, fresh authentication, password change, and the operator's own preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from herald.accounts import service as accounts
from herald.accounts import sessions, totp
from herald.compliance import audit
from herald.kit.errors import PermissionDenied, Unauthenticated, ValidationFailed
from herald.kit.i18n import LANGUAGES
from herald.kit.text import normalise_email
from herald.models.accounts import ConsoleSession, Operator, Tenant
from herald.web.console import cookies
from herald.web.deps import ClientIP, RuntimeDep, SessionDep

router = APIRouter(prefix="/console/api", tags=["console: session"])


class TenantRef(BaseModel):
    id: int
    slug: str
    name: str


class OperatorOut(BaseModel):
    id: int
    email: str
    name: str | None
    role: str
    tenant: TenantRef | None
    language: str
    totp_enabled: bool


class SessionOut(BaseModel):
    """``status: totp_required`` means the password was right and a one-time code is next."""

    status: Literal["active", "totp_required"]
    csrf_token: str
    expires_at: datetime
    fresh_until: datetime | None = None
    operator: OperatorOut | None = None
    capture_outbox: bool = Field(
        default=False, description="the null distributor is in the chain: mail is captured"
    )


class LoginIn(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class CodeIn(BaseModel):
    code: str = Field(min_length=6, max_length=10)


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=1024)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PreferencesIn(BaseModel):
    language: str = Field(pattern="^(" + "|".join(LANGUAGES) + ")$")


async def session_out(
    session: SessionDep, rt: RuntimeDep, row: ConsoleSession, operator: Operator
) -> SessionOut:
    status: Literal["active", "totp_required"] = (
        "active" if row.stage == sessions.ACTIVE else "totp_required"
    )
    who: OperatorOut | None = None
    if status == "active":
        tenant = await session.get(Tenant, operator.tenant_id) if operator.tenant_id else None
        who = OperatorOut(
            id=operator.id,
            email=operator.email,
            name=operator.name,
            role=operator.role,
            tenant=TenantRef(id=tenant.id, slug=tenant.slug, name=tenant.name) if tenant else None,
            language=operator.language,
            totp_enabled=operator.totp_secret_enc is not None,
        )
    return SessionOut(
        status=status,
        csrf_token=sessions.csrf_token(rt.keys, row),
        expires_at=row.expires_at,
        fresh_until=sessions.fresh_until(row),
        operator=who,
        capture_outbox="null" in rt.settings.distributor_chain,
    )


def _same_origin(request: Request, rt: RuntimeDep) -> None:
    """Sign-in has no session yet, so no CSRF token: insist on a JSON body (a cross-site form
    cannot send one without a preflight Herald never grants) and, when the browser says where
    the request comes from, on Herald's own origin."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ValidationFailed("send the sign-in as application/json")
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = {_origin(rt.settings.base_url), _origin(str(request.base_url))}
    if origin.rstrip("/") not in allowed:
        raise PermissionDenied("sign-in from another site is refused")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _current(
    request: Request, session: SessionDep, rt: RuntimeDep, stages: tuple[str, ...]
) -> tuple[ConsoleSession, Operator]:
    token = cookies.session_token(request, rt.settings)
    if not token:
        raise Unauthenticated("not signed in")
    return await cookies.resolve_request(request, session, rt, token, stages=stages)


async def active_session(
    request: Request, session: SessionDep, rt: RuntimeDep
) -> tuple[ConsoleSession, Operator]:
    return await _current(request, session, rt, (sessions.ACTIVE,))


async def any_session(
    request: Request, session: SessionDep, rt: RuntimeDep
) -> tuple[ConsoleSession, Operator]:
    return await _current(request, session, rt, (sessions.ACTIVE, sessions.TOTP))


Active = Annotated[tuple[ConsoleSession, Operator], Depends(active_session)]
AnyStage = Annotated[tuple[ConsoleSession, Operator], Depends(any_session)]


async def record_event(session: SessionDep, operator: Operator, action: str, row_id: int) -> None:
    await audit.record(
        session,
        action,
        accounts.actor_for(operator),
        tenant_id=operator.tenant_id,
        target_type="operator",
        target_id=operator.id,
        details={"session": row_id},
    )


@router.get("/session", response_model=SessionOut)
async def current_session(current: AnyStage, session: SessionDep, rt: RuntimeDep) -> SessionOut:
    """The signed-in operator, the CSRF token to send as ``X-CSRF-Token``, and expiry times."""
    row, operator = current
    return await session_out(session, rt, row, operator)


@router.post("/session", response_model=SessionOut)
async def sign_in(
    body: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    rt: RuntimeDep,
    ip: ClientIP,
) -> SessionOut:
    """Check the password and open a session (cookie). With TOTP on, the session only allows
    ``POST /console/api/session/totp`` until the code is right."""
    _same_origin(request, rt)
    settings = rt.settings
    window = settings.login_rate_window_seconds
    await rt.limiter.hit(f"login:ip:{ip}", settings.login_rate_limit * 5, window)
    try:
        account = normalise_email(body.email)
    except ValidationFailed:
        account = body.email.strip().lower()[:320]
    await rt.limiter.hit(f"login:account:{account}", settings.login_rate_limit, window)
    operator = await accounts.authenticate_password(session, body.email, body.password)
    old = cookies.session_token(request, settings)
    if old:  # never keep a token that existed before this sign-in (fixation)
        try:
            previous, _ = await sessions.resolve(
                session, old, cookies.policy(settings), stages=(sessions.ACTIVE, sessions.TOTP)
            )
            await sessions.revoke(session, previous)
        except Unauthenticated:
            pass
    stage = sessions.TOTP if operator.totp_secret_enc else sessions.ACTIVE
    issued = await sessions.start(session, operator, cookies.policy(settings), stage=stage)
    if stage == sessions.ACTIVE:
        await record_event(session, operator, "console.sign_in", issued.row.id)
    cookies.set_session_cookie(response, settings, issued)
    return await session_out(session, rt, issued.row, operator)


@router.post("/session/totp", response_model=SessionOut)
async def sign_in_code(
    body: CodeIn, current: AnyStage, response: Response, session: SessionDep, rt: RuntimeDep
) -> SessionOut:
    """The second step of sign-in: a code from the operator's authenticator app."""
    row, operator = current
    if row.stage != sessions.TOTP:
        raise ValidationFailed("this session is already signed in")
    await rt.limiter.hit(f"login:totp:{operator.id}", 5, 300)
    await totp.verify(session, operator, rt.secrets, body.code)
    await sessions.revoke(session, row)
    issued = await sessions.start(session, operator, cookies.policy(rt.settings))
    await record_event(session, operator, "console.sign_in", issued.row.id)
    cookies.set_session_cookie(response, rt.settings, issued)
    return await session_out(session, rt, issued.row, operator)


@router.delete("/session", status_code=204)
async def sign_out(current: AnyStage, session: SessionDep, rt: RuntimeDep) -> Response:
    """End this session: the token is revoked server-side and the cookie cleared."""
    row, operator = current
    await sessions.revoke(session, row)
    if row.stage == sessions.ACTIVE:
        await record_event(session, operator, "console.sign_out", row.id)
    response = Response(status_code=204)
    cookies.clear_session_cookie(response, rt.settings)
    return response


@router.post("/session/fresh", response_model=SessionOut)
async def fresh_auth(
    body: PasswordIn, current: Active, session: SessionDep, rt: RuntimeDep
) -> SessionOut:
    """Re-enter the password: sensitive actions (GDPR erasure, quiet-hours override, two-step
    settings) are allowed for the next five minutes."""
    row, operator = current
    await rt.limiter.hit(f"login:fresh:{operator.id}", rt.settings.login_rate_limit, 900)
    await sessions.stamp_fresh(session, row, operator, body.password)
    return await session_out(session, rt, row, operator)


@router.post("/password", response_model=SessionOut)
async def change_password(
    body: PasswordChangeIn,
    current: Active,
    response: Response,
    session: SessionDep,
    rt: RuntimeDep,
) -> SessionOut:
    """Change the password. Every session of this operator ends (other browsers sign in
    again); this browser gets a new session."""
    _row, operator = current
    await rt.limiter.hit(f"login:fresh:{operator.id}", rt.settings.login_rate_limit, 900)
    await accounts.change_password(session, operator, body.current_password, body.new_password)
    issued = await sessions.start(session, operator, cookies.policy(rt.settings))
    await record_event(session, operator, "console.password_changed", issued.row.id)
    cookies.set_session_cookie(response, rt.settings, issued)
    return await session_out(session, rt, issued.row, operator)


@router.put("/preferences", response_model=SessionOut)
async def preferences(
    body: PreferencesIn, current: Active, session: SessionDep, rt: RuntimeDep
) -> SessionOut:
    """The operator's console language."""
    row, operator = current
    operator.language = body.language
    await session.flush()
    return await session_out(session, rt, row, operator)
