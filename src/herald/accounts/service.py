"""Tenants, operators and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from herald.accounts.context import ROLES, Actor, Scope
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
from herald.kit.i18n import LANGUAGES
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


NAME_MAX = 200
POSTAL_ADDRESS_MIN = 5
POSTAL_ADDRESS_MAX = 500
POSTAL_ADDRESS_MAX_LINES = 8
# Bidirectional overrides and isolates can make a footer read differently from what is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The fields of a tenant an operator edits (the slug never changes: URLs and lists use it).
TENANT_FIELDS = ("name", "postal_address", "timezone", "default_language")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def check_tenant_name(name: str | None) -> str:
    value = (name or "").strip()
    if not value:
        raise ValidationFailed("name must not be empty", field="name")
    if len(value) > NAME_MAX:
        raise ValidationFailed(f"name must be at most {NAME_MAX} characters", field="name")
    if any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in value):
        raise ValidationFailed("name must not contain control characters", field="name")
    return value


def check_postal_address(address: str | None) -> str:
    """The organisation's postal address, printed in every marketing footer: non-empty text of
    a reasonable length, one line break between lines, and no other control characters."""
    field = "postal_address"
    lines = [line.strip() for line in (address or "").replace("\r\n", "\n").split("\n")]
    value = "\n".join(line for line in lines if line)
    if not value:
        raise ValidationFailed("postal address must not be empty", field=field)
    if len(value) < POSTAL_ADDRESS_MIN:
        raise ValidationFailed(
            f"postal address must be at least {POSTAL_ADDRESS_MIN} characters", field=field
        )
    if len(value) > POSTAL_ADDRESS_MAX:
        raise ValidationFailed(
            f"postal address must be at most {POSTAL_ADDRESS_MAX} characters", field=field
        )
    if value.count("\n") >= POSTAL_ADDRESS_MAX_LINES:
        raise ValidationFailed(
            f"postal address must be at most {POSTAL_ADDRESS_MAX_LINES} lines", field=field
        )
    if any((unicodedata.category(c) == "Cc" and c != "\n") or c in _BIDI_CONTROLS for c in value):
        raise ValidationFailed("postal address must not contain control characters", field=field)
    return value


def check_timezone(zone: str | None) -> str:
    if not zone or zone not in _zones():
        raise ValidationFailed(
            "time zone must be an IANA time zone such as Europe/Stockholm", field="timezone"
        )
    return zone


def check_language(code: str | None) -> str:
    if code not in LANGUAGES:
        raise ValidationFailed(
            f"default language must be one of {', '.join(LANGUAGES)}", field="default_language"
        )
    return code


async def create_tenant(
    session: AsyncSession,
    slug: str,
    name: str,
    *,
    postal_address: str | None = None,
    timezone: str = "UTC",
    default_language: str = "en",
) -> Tenant:
    """A new tenant. The postal address may be left out (campaigns are then refused until it is
    set, unless HERALD_POSTAL_ADDRESS covers the whole instance); given, it is checked."""
    validate_slug(slug)
    tenant = Tenant(
        slug=slug,
        name=check_tenant_name(name),
        postal_address=None if postal_address is None else check_postal_address(postal_address),
        timezone=check_timezone(timezone),
        default_language=check_language(default_language),
    )
    if await get_tenant_by_slug(session, slug, missing_ok=True):
        raise Conflict(f"tenant {slug!r} exists", field="slug")
    session.add(tenant)
    await session.flush()
    return tenant


async def get_tenant(session: AsyncSession, scope: Scope, slug: str) -> Tenant:
    """The tenant ``slug`` as ``scope`` sees it: another tenant's is NotFound, like unknown."""
    tenant = await get_tenant_by_slug(session, slug, missing_ok=True)
    if tenant is None or not scope.allows(tenant.id):
        raise NotFound(f"tenant {slug!r} not found")
    return tenant


async def get_own_tenant(session: AsyncSession, actor: Actor) -> Tenant:
    """A tenant admin's own tenant."""
    tenant = await session.get(Tenant, actor.tenant_id) if actor.tenant_id is not None else None
    if tenant is None:
        raise NotFound("no tenant for this operator")
    return tenant


@dataclass(frozen=True, slots=True)
class TenantChanges:
    tenant: Tenant
    fields: list[str]


async def update_tenant(
    session: AsyncSession, actor: Actor, slug: str, changes: dict[str, Any]
) -> TenantChanges:
    """Change a tenant's name, postal address, time zone or default language (platform
    operators only). Returns the tenant and the names of the fields that really changed."""
    actor.require_sys()
    tenant = await get_tenant(session, actor.scope(), slug)
    unknown = sorted(set(changes) - set(TENANT_FIELDS))
    if unknown:
        raise ValidationFailed(f"{unknown[0]} cannot be changed", field=unknown[0])
    checks = {
        "name": check_tenant_name,
        "postal_address": check_postal_address,
        "timezone": check_timezone,
        "default_language": check_language,
    }
    cleaned = {key: checks[key](value) for key, value in changes.items()}
    changed = sorted(key for key, value in cleaned.items() if getattr(tenant, key) != value)
    for key in changed:
        setattr(tenant, key, cleaned[key])
    await session.flush()
    return TenantChanges(tenant=tenant, fields=changed)


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
