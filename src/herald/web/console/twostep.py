"""/console/api/totp/…: turn two-step sign-in (TOTP) on or off for the signed-in operator."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from herald.accounts import sessions, totp
from herald.web.console.auth import Active, SessionOut, record_event, session_out
from herald.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/console/api/totp", tags=["console: session"])


class SetupOut(BaseModel):
    secret: str
    otpauth_uri: str


class EnableIn(BaseModel):
    secret: str = Field(min_length=16, max_length=64)
    code: str = Field(min_length=6, max_length=10)


async def _require_fresh(current: Active, session: SessionDep) -> None:
    row, operator = current
    await sessions.require_fresh_auth(
        session,
        sessions.actor_for_session(operator, row),
        password=None,
        message="re-enter your password to change two-step sign-in",
    )


@router.post("/setup", response_model=SetupOut)
async def setup(current: Active) -> SetupOut:
    """A new secret for the authenticator app (nothing is stored until ``enable``)."""
    _row, operator = current
    secret = totp.new_secret()
    return SetupOut(secret=secret, otpauth_uri=totp.provisioning_uri(secret, operator.email))


@router.post("/enable", response_model=SessionOut)
async def enable(
    body: EnableIn, current: Active, session: SessionDep, rt: RuntimeDep
) -> SessionOut:
    """Turn two-step sign-in on: ``secret`` from ``setup`` and a code the app shows for it.
    Needs a fresh authentication."""
    await _require_fresh(current, session)
    row, operator = current
    await totp.enable(session, operator, rt.secrets, body.secret, body.code)
    await record_event(session, operator, "console.totp_enabled", row.id)
    return await session_out(session, rt, row, operator)


@router.post("/disable", response_model=SessionOut)
async def disable(current: Active, session: SessionDep, rt: RuntimeDep) -> SessionOut:
    """Turn two-step sign-in off. Needs a fresh authentication."""
    await _require_fresh(current, session)
    row, operator = current
    await totp.disable(session, operator)
    await record_event(session, operator, "console.totp_disabled", row.id)
    return await session_out(session, rt, row, operator)
