"""Consent proof, the append-only audit trail and the shared suppression list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from herald.kit.types import PortableJSON, UTCDateTime
from herald.models.base import Base, IdMixin


class ConsentRecord(IdMixin, Base):
    __tablename__ = "consent_records"

    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    # Evidence rows carry plain ids (no foreign keys): they are append-only, written in bulk by
    # imports, must outlive a deleted list, and are removed explicitly by GDPR erasure.
    subscriber_id: Mapped[int] = mapped_column(BigInteger, index=True, nullable=False)
    list_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # granted|confirmed|withdrawn
    method: Mapped[str] = mapped_column(String(24), nullable=False)  # form|import|api|integration…
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    user_agent_hash: Mapped[str | None] = mapped_column(String(64))
    form_id: Mapped[str | None] = mapped_column(String(100))
    consent_text_version: Mapped[str | None] = mapped_column(String(100))
    import_id: Mapped[int | None] = mapped_column(BigInteger)
    evidence: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AuditEntry(IdMixin, Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the initial migration)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_tenant_at", "tenant_id", "at"),)

    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_type: Mapped[str] = mapped_column(
        String(16), nullable=False
    )  # operator|subscriber|system
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Suppression(IdMixin, Base):
    """One list shared by marketing and transactional mail.

    ``email_hash`` is an HMAC of the normalised address under the instance pepper, so an entry
    survives GDPR erasure without keeping the address. ``scope`` is the tenant id or 0 for
    platform-wide; ``stream`` is ``all`` (hard bounce, erasure, manual) or ``marketing``
    (complaint, unsubscribe-all: mandatory transactional mail still goes out).
    """

    __tablename__ = "suppressions"
    __table_args__ = (
        Index("uq_suppressions_active", "scope", "email_hash", "stream", unique=True),
    )

    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    scope: Mapped[int] = mapped_column(BigInteger, nullable=False)
    email_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    stream: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
