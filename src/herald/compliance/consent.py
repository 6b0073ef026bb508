"""Consent proof per subscribe: who, when, what they were shown, how, and from where (hashed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from herald.compliance.keys import instance_key
from herald.kit import clock
from herald.kit.crypto import keyed_hash
from herald.models.compliance import ConsentRecord

METHODS = (
    "form",
    "import",
    "api",
    "integration",
    "double_opt_in",
    "one_click_unsub",
    "preferences",
    "provider_unsubscribe",  # an unsubscribe reported by a distributor's webhook (Mailjet unsub)
    "mailto_unsub",  # a mail to the List-Unsubscribe mailto: URI (the bounce mailbox)
)
ACTIONS = ("granted", "confirmed", "withdrawn")
CONSENT_TEXT_VERSION = "2026-11-01"


async def hash_network_fact(session: AsyncSession, label: str, value: str | None) -> str | None:
    if not value:
        return None
    return keyed_hash(await instance_key(session, "consent_pepper"), label, value)


async def record_consent(
    session: AsyncSession,
    *,
    tenant_id: int | None,
    subscriber_id: int,
    list_id: int | None,
    action: str,
    method: str,
    ip: str | None = None,
    user_agent: str | None = None,
    form_id: str | None = None,
    consent_text_version: str | None = CONSENT_TEXT_VERSION,
    import_id: int | None = None,
    evidence: dict[str, Any] | None = None,
) -> None:
    if action not in ACTIONS or method not in METHODS:
        raise ValueError(f"unknown consent action/method {action}/{method}")
    session.add(
        ConsentRecord(
            tenant_id=tenant_id,
            subscriber_id=subscriber_id,
            list_id=list_id,
            action=action,
            method=method,
            ip_hash=await hash_network_fact(session, "ip", ip),
            user_agent_hash=await hash_network_fact(session, "ua", user_agent),
            form_id=form_id,
            consent_text_version=consent_text_version,
            import_id=import_id,
            evidence=evidence or {},
            occurred_at=clock.now(),
        )
    )
