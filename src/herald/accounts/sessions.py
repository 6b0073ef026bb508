"""Console sessions: opaque cookie tokens stored hashed, idle and absolute expiry, revocation.

A session is a row in ``console_sessions``; the browser holds only a random token whose SHA-256
is the row's key. A session ends when it is unused for ``idle``, ``lifetime`` after sign-in, on
sign-out, when its operator's password changes (every session older than the change is refused)
or when the operator is disabled. Between a correct password and a correct one-time code the
session is in stage ``totp`` and authenticates nothing else.

CSRF: every state-changing request made with a session carries a token derived from the
session (HMAC of the stored hash under the instance key), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import Actor
from herald.accounts.passwords import verify_password
from herald.kit import clock
from herald.kit.errors import FreshAuthRequired, Unauthenticated
from herald.models.accounts import ConsoleSession, Operator

TOKEN_PREFIX = "hs_"  # noqa: S105 - a public prefix, not a secret
MAX_TOKEN_LENGTH = 100
ACTIVE = "active"
TOTP = "totp"
FRESH_AUTH_WINDOW = timedelta(minutes=5)
TOTP_STAGE_LIFETIME = timedelta(minutes=5)
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often
_EXPIRED = "your session has ended; sign in again"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True, slots=True)
class Issued:
    """A new session: ``token`` goes into the cookie and nowhere else."""

    token: str
    row: ConsoleSession


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(
    session: AsyncSession, operator: Operator, policy: SessionPolicy, *, stage: str = ACTIVE
) -> Issued:
    """Open a session for ``operator`` (who has just proven a password, and a code if needed)."""
    now = clock.now()
    await session.execute(  # housekeeping: this operator's ended sessions
        delete(ConsoleSession).where(
            ConsoleSession.operator_id == operator.id,
            or_(ConsoleSession.expires_at <= now, ConsoleSession.revoked_at.is_not(None)),
        )
    )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = policy.lifetime if stage == ACTIVE else min(policy.lifetime, TOTP_STAGE_LIFETIME)
    row = ConsoleSession(
        operator_id=operator.id,
        token_hash=hash_token(token),
        stage=stage,
        last_seen_at=now,
        expires_at=now + lifetime,
        # Signing in with a password is itself a fresh authentication.
        fresh_auth_at=now if stage == ACTIVE else None,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return Issued(token=token, row=row)


async def resolve(
    session: AsyncSession,
    token: str,
    policy: SessionPolicy,
    *,
    stages: tuple[str, ...] = (ACTIVE,),
) -> tuple[ConsoleSession, Operator]:
    """The live session and its operator for a cookie token, or :class:`Unauthenticated`."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthenticated(_EXPIRED)
    found = (
        await session.execute(
            select(ConsoleSession, Operator)
            .join(Operator, Operator.id == ConsoleSession.operator_id)
            .where(ConsoleSession.token_hash == hash_token(token))
        )
    ).first()
    if found is None:
        raise Unauthenticated(_EXPIRED)
    row, operator = found
    now = clock.now()
    changed = operator.password_changed_at
    if (
        row.revoked_at is not None
        or row.stage not in stages
        or row.expires_at <= now
        or row.last_seen_at + policy.idle <= now
        or operator.disabled
        or (changed is not None and row.created_at < changed)
    ):
        raise Unauthenticated(_EXPIRED)
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row, operator


async def revoke(session: AsyncSession, row: ConsoleSession) -> None:
    row.revoked_at = clock.now()
    await session.flush()


async def revoke_all(session: AsyncSession, operator_id: int) -> None:
    """End every session of an operator (password change, TOTP change, disabling)."""
    await session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.operator_id == operator_id, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def csrf_token(keys: list[bytes], row: ConsoleSession) -> str:
    return _csrf(keys[0], row.token_hash)


def csrf_ok(keys: list[bytes], row: ConsoleSession, presented: str | None) -> bool:
    if not presented or len(presented) > 128:
        return False
    return any(
        hmac.compare_digest(_csrf(key, row.token_hash).encode(), presented.encode()) for key in keys
    )


def _csrf(key: bytes, token_hash: str) -> str:
    return hmac.new(key, b"herald-console-csrf\x00" + token_hash.encode(), "sha256").hexdigest()


def actor_for_session(operator: Operator, row: ConsoleSession) -> Actor:
    return Actor(
        kind="operator",
        id=str(operator.id),
        role=operator.role,
        tenant_id=operator.tenant_id,
        email=operator.email,
        session_id=row.id,
        fresh_auth_at=row.fresh_auth_at,
    )


def fresh_until(row: ConsoleSession) -> datetime | None:
    return row.fresh_auth_at + FRESH_AUTH_WINDOW if row.fresh_auth_at else None


async def stamp_fresh(
    session: AsyncSession, row: ConsoleSession, operator: Operator, password: str
) -> None:
    """Fresh authentication: the operator re-entered the password; valid for five minutes."""
    if not verify_password(operator.password_hash, password):
        raise FreshAuthRequired("that password is not right")
    row.fresh_auth_at = clock.now()
    await session.flush()


async def require_fresh_auth(
    session: AsyncSession,
    actor: Actor,
    *,
    password: str | None,
    message: str = "re-enter your password to do this",
) -> None:
    """Pass if ``password`` is the acting operator's, or the console session re-authenticated
    within the last five minutes; otherwise :class:`FreshAuthRequired`."""
    if password:
        operator = await session.get(Operator, int(actor.id)) if actor.id else None
        if operator is None or not verify_password(operator.password_hash, password):
            raise FreshAuthRequired(message)
        return
    at = actor.fresh_auth_at
    if actor.via_console and at is not None and clock.now() - at <= FRESH_AUTH_WINDOW:
        return
    raise FreshAuthRequired(message)
