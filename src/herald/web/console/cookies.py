"""The console's session cookie: name, attributes, and turning a request's cookie into a session.

``HttpOnly`` (scripts never see the token), ``SameSite=Strict``, ``Path=/`` (the console calls
``/sys/newsletter/…`` and ``/admin/newsletter/…`` with it), and ``Secure`` with the ``__Host-``
prefix when Herald's base URL is https.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts import sessions
from herald.kit.errors import CsrfFailed
from herald.kit.settings import Settings
from herald.models.accounts import ConsoleSession, Operator
from herald.runtime import Runtime

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def cookie_name(settings: Settings) -> str:
    return "__Host-herald_session" if settings.https else "herald_session"


def policy(settings: Settings) -> sessions.SessionPolicy:
    return sessions.SessionPolicy(
        idle=timedelta(minutes=settings.console_idle_minutes),
        lifetime=timedelta(hours=settings.console_session_hours),
    )


def set_session_cookie(response: Response, settings: Settings, issued: sessions.Issued) -> None:
    response.set_cookie(
        cookie_name(settings),
        issued.token,
        max_age=int(policy(settings).lifetime.total_seconds()),
        path="/",
        secure=settings.https,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", secure=settings.https, httponly=True, samesite="strict"
    )


def session_token(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(cookie_name(settings)) or None


async def resolve_request(
    request: Request,
    session: AsyncSession,
    runtime: Runtime,
    token: str,
    *,
    stages: tuple[str, ...] = (sessions.ACTIVE,),
) -> tuple[ConsoleSession, Operator]:
    """The request's live session; unsafe methods must carry the session's CSRF token."""
    row, operator = await sessions.resolve(session, token, policy(runtime.settings), stages=stages)
    if request.method not in SAFE_METHODS and not sessions.csrf_ok(
        runtime.keys, row, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfFailed("this request is missing the console's CSRF token; reload the page")
    request.state.console_session = row
    return row, operator
