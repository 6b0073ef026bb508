"""Tenants, operators and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import ROLES, Actor
from herald.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from herald.accounts.sessions import revoke_all
from herald.kit import clock
from herald.kit.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from herald.kit.text import normalise_email
from herald.models.accounts import ApiToken, Operator, Tenant

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TOKEN_PREFIX = "hrld_"  # noqa: S105 - a public prefix, not a secret


def validate_slug(slug: str, field: str = "slug") -> str:
    if not SLUG_RE.fullmatch(slug or ""):
        raise ValidationFailed(
            f"{field} must be 1-64 lowercase letters, digits, '-' or '_'", field=field
        )
    return slug


async def create_tenant(
    session: AsyncSession,
    slug: str,
    name: str,
    *,
    postal_address: str | None = None,
    timezone: str = "UTC",
) -> Tenant:
    validate_slug(slug)
    if await get_tenant_by_slug(session, slug, missing_ok=True):
        raise Conflict(f"tenant {slug!r} exists")
    tenant = Tenant(slug=slug, name=name, postal_address=postal_address, timezone=timezone)
    session.add(tenant)
    await session.flush()
    return tenant


async def get_tenant_by_slug(
    session: AsyncSession, slug: str, *, missing_ok: bool = False
) -> Tenant | None:
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
    if tenant is None and not missing_ok:
        raise NotFound(f"tenant {slug!r} not found")
    return tenant


async def tenant_id_for(session: AsyncSession, slug: str | None) -> int | None:
    """The id of the tenant named by ``slug`` (None for no slug); unknown slugs are NotFound."""
    if not slug:
        return None
    tenant = await get_tenant_by_slug(session, slug)
    assert tenant is not None
    return tenant.id


async def list_tenants(session: AsyncSession) -> list[Tenant]:
    return list((await session.execute(select(Tenant).order_by(Tenant.slug))).scalars())


async def create_operator(
    session: AsyncSession,
    email: str,
    password: str,
    role: str,
    tenant_slug: str | None = None,
    name: str | None = None,
) -> Operator:
    address = normalise_email(email)
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    tenant_id: int | None = None
    if role == "tenant_admin":
        if not tenant_slug:
            raise ValidationFailed("a tenant admin needs --tenant", field="tenant")
        tenant = await get_tenant_by_slug(session, tenant_slug)
        assert tenant is not None
        tenant_id = tenant.id
    elif tenant_slug:
        raise ValidationFailed("a sys operator is not bound to a tenant", field="tenant")
    existing = await session.execute(select(Operator).where(Operator.email == address))
    if existing.scalar_one_or_none():
        raise Conflict(f"operator {address} exists")
    operator = Operator(
        email=address,
        name=name,
        password_hash=hash_password(password),
        role=role,
        tenant_id=tenant_id,
        password_changed_at=clock.now(),
    )
    session.add(operator)
    await session.flush()
    return operator


async def get_operator_by_email(session: AsyncSession, email: str) -> Operator:
    address = normalise_email(email)
    row = await session.execute(select(Operator).where(Operator.email == address))
    operator = row.scalar_one_or_none()
    if operator is None:
        raise NotFound(f"operator {address} not found")
    return operator


async def authenticate_password(session: AsyncSession, email: str, password: str) -> Operator:
    try:
        address = normalise_email(email)
    except ValidationFailed:
        address = ""
    row = await session.execute(select(Operator).where(Operator.email == address))
    operator = row.scalar_one_or_none()
    ok = verify_password(operator.password_hash if operator else None, password)
    if operator is None or not ok or operator.disabled:
        raise Unauthenticated("wrong email or password")
    return operator


async def change_password(
    session: AsyncSession, operator: Operator, current: str, new: str
) -> None:
    """The operator's own change: the current password first (see :func:`set_password`)."""
    if not verify_password(operator.password_hash, current):
        raise PermissionDenied("the current password is not right")
    await set_password(session, operator, new)


async def set_password(session: AsyncSession, operator: Operator, new: str) -> None:
    """Set a new password and end every console session of the operator (they sign in again;
    a console caller opens a new session for the browser that made the change)."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="new_password"
        )
    operator.password_hash = hash_password(new)
    operator.password_changed_at = clock.now()
    await revoke_all(session, operator.id)
    await session.flush()


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(session: AsyncSession, operator: Operator, name: str = "cli") -> str:
    """Create a bearer token and return it; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            operator_id=operator.id,
            name=name,
            prefix=token[:12],
            token_hash=hash_api_token(token),
        )
    )
    await session.flush()
    return token


def actor_for(operator: Operator, kind: str = "operator") -> Actor:
    return Actor(
        kind=kind,
        id=str(operator.id),
        role=operator.role,
        tenant_id=operator.tenant_id,
        email=operator.email,
    )


async def authenticate_token(session: AsyncSession, token: str) -> Actor:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthenticated("invalid token")
    row = await session.execute(
        select(ApiToken, Operator)
        .join(Operator, Operator.id == ApiToken.operator_id)
        .where(ApiToken.token_hash == hash_api_token(token))
    )
    found = row.first()
    if found is None:
        raise Unauthenticated("invalid token")
    api_token, operator = found
    now = clock.now()
    if (
        api_token.revoked_at
        or operator.disabled
        or (api_token.expires_at and api_token.expires_at <= now)
    ):
        raise Unauthenticated("invalid token")
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        api_token.last_used_at = now
    return actor_for(operator, kind="api_token")
