"""DKIM keys per sending domain: create, list, rotate/activate, and the signer lookup for SMTP.

A domain has at most one *active* key (the one that signs). A new key for a domain that already
signs is created *pending*: publish its TXT record, then activate it (the old one retires).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from herald.accounts.context import Scope
from herald.delivery.dkim import Algorithm, DkimSigner, generate_key, valid_domain, valid_selector
from herald.kit import clock
from herald.kit.crypto import SecretBox
from herald.kit.errors import Conflict, NotFound, ValidationFailed
from herald.models.delivery import DkimKey


@dataclass(frozen=True, slots=True)
class DkimKeyView:
    id: int
    tenant_id: int | None
    domain: str
    selector: str
    algorithm: str
    active: bool
    dns_name: str
    dns_value: str

    @classmethod
    def of(cls, row: DkimKey) -> DkimKeyView:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            domain=row.domain,
            selector=row.selector,
            algorithm=row.algorithm,
            active=row.active,
            dns_name=f"{row.selector}._domainkey.{row.domain}",
            dns_value=row.public_txt,
        )


def _default_selector(algorithm: Algorithm) -> str:
    return f"hr{clock.now():%Y%m%d}{'r' if algorithm is Algorithm.RSA else 'e'}"


async def create_key(
    session: AsyncSession,
    box: SecretBox,
    domain: str,
    *,
    algorithm: Algorithm = Algorithm.RSA,
    selector: str | None = None,
    tenant_id: int | None = None,
) -> DkimKeyView:
    domain = domain.strip().lower().rstrip(".")
    if not valid_domain(domain):
        raise ValidationFailed("not a valid domain name", field="domain")
    scope = tenant_id or 0
    taken = set(
        (
            await session.execute(
                select(DkimKey.selector).where(DkimKey.scope == scope, DkimKey.domain == domain)
            )
        ).scalars()
    )
    if selector is None:
        base = _default_selector(algorithm)
        selector = base
        n = 1
        while selector in taken:
            n += 1
            selector = f"{base}{n}"
    if not valid_selector(selector):
        raise ValidationFailed("not a valid DKIM selector", field="selector")
    if selector in taken:
        raise Conflict(f"selector {selector} already exists for {domain}")
    has_active = (
        await session.execute(
            select(DkimKey.id).where(
                DkimKey.scope == scope, DkimKey.domain == domain, DkimKey.active.is_(True)
            )
        )
    ).first() is not None
    pair = generate_key(algorithm)
    row = DkimKey(
        tenant_id=tenant_id,
        scope=scope,
        domain=domain,
        selector=selector,
        algorithm=algorithm.value,
        private_key_enc=box.encrypt(pair.private_pem),
        public_txt=pair.public_txt,
        active=not has_active,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    return DkimKeyView.of(row)


async def list_keys(
    session: AsyncSession, scope: Scope, domain: str | None = None
) -> list[DkimKeyView]:
    stmt = select(DkimKey).where(scope.clause(DkimKey.tenant_id)).order_by(DkimKey.id)
    if domain:
        stmt = stmt.where(DkimKey.domain == domain.strip().lower())
    return [DkimKeyView.of(r) for r in (await session.execute(stmt)).scalars()]


async def activate_key(session: AsyncSession, scope: Scope, key_id: int) -> DkimKeyView:
    """Make ``key_id`` the signing key of its domain; the previous one retires."""
    row = (
        await session.execute(
            select(DkimKey).where(DkimKey.id == key_id, scope.clause(DkimKey.tenant_id))
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("no such DKIM key")
    await session.execute(
        update(DkimKey)
        .where(
            DkimKey.scope == row.scope,
            DkimKey.domain == row.domain,
            DkimKey.id != row.id,
            DkimKey.active.is_(True),
        )
        .values(active=False, retired_at=clock.now())
    )
    row.active = True
    row.retired_at = None
    await session.flush()
    return DkimKeyView.of(row)


class DkimKeyring:
    """Active signers loaded from ``dkim_keys`` and cached for ``ttl`` seconds."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], box: SecretBox, ttl: float = 60.0
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._ttl = ttl
        self._loaded_at = -1e18
        self._signers: dict[tuple[int, str], DkimSigner] = {}

    async def _refresh(self) -> None:
        async with self._sessions() as session:
            rows = (
                await session.execute(select(DkimKey).where(DkimKey.active.is_(True)))
            ).scalars()
            signers = {
                (r.scope, r.domain): DkimSigner(
                    r.domain,
                    r.selector,
                    Algorithm(r.algorithm),
                    self._box.decrypt(r.private_key_enc),
                )
                for r in rows
            }
        self._signers = signers
        self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = -1e18

    async def signer_for(self, tenant_id: int | None, sender_domain: str) -> DkimSigner | None:
        """The tenant's key for the domain (or a parent domain), else a platform-wide one."""
        if time.monotonic() - self._loaded_at > self._ttl:
            await self._refresh()
        labels = sender_domain.lower().split(".")
        for scope in dict.fromkeys((tenant_id or 0, 0)):
            for i in range(len(labels) - 1):
                signer = self._signers.get((scope, ".".join(labels[i:])))
                if signer is not None:
                    return signer
        return None
