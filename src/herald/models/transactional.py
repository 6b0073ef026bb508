"""The transactional stream: the notification log and per-category opt-outs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from herald.kit.types import PortableJSON, UTCDateTime
from herald.models.base import Base, CreatedMixin, IdMixin


class Notification(IdMixin, CreatedMixin, Base):
    """One transactional message: requested, then ``queued → sent | failed`` or skipped.

    ``content`` holds the rendered subject, text and HTML only while the message waits for the
    worker (it may carry a password-reset link); it is cleared once the outcome is final.
    ``recipient_hash`` (the suppression HMAC of the address) lets erasure and look-ups find a
    person's rows without comparing addresses. No foreign keys: the log outlives tenants'
    lists and subscribers, and erasure deletes a person's rows explicitly.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_scope_id", "scope", "id"),
        Index("ix_notifications_recipient_hash", "recipient_hash"),
        # The id is the message's idempotency key (``t:{id}``): SQLite must never hand out the
        # id of a deleted (erased) row again, or a provider could take new mail for a repeat.
        {"sqlite_autoincrement": True},
    )

    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    scope: Mapped[int] = mapped_column(BigInteger, nullable=False)  # tenant_id or 0
    template: Mapped[str] = mapped_column(String(64), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    mandatory: Mapped[bool] = mapped_column(Boolean, nullable=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    recipient_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, nullable=False)
    requested_by: Mapped[str | None] = mapped_column(String(80))
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationOptOut(IdMixin, CreatedMixin, Base):
    """A subscriber's opt-out of one optional notification category (preference centre)."""

    __tablename__ = "notification_opt_outs"
    __table_args__ = (UniqueConstraint("subscriber_id", "category"),)

    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    subscriber_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("subscribers.id", ondelete="CASCADE"), nullable=False
    )
    category: Mapped[str] = mapped_column(String(64), nullable=False)
