"""Lists, subscribers, subscriptions and their state history, import jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from herald.kit.types import PortableJSON, UTCDateTime
from herald.models.base import Base, CreatedMixin, IdMixin


class NewsletterList(IdMixin, CreatedMixin, Base):
    __tablename__ = "newsletter_lists"
    __table_args__ = (UniqueConstraint("scope", "slug"),)

    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    # tenant_id or 0 for platform-wide: lets a plain UNIQUE constraint hold on both databases
    # (NULLs never collide in a unique index).
    scope: Mapped[int] = mapped_column(BigInteger, nullable=False)
    slug: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    languages: Mapped[list[str]] = mapped_column(PortableJSON, default=list, nullable=False)
    double_opt_in: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    archived: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class Subscriber(IdMixin, CreatedMixin, Base):
    __tablename__ = "subscribers"
    __table_args__ = (
        UniqueConstraint("scope", "email_normalized"),
        Index("ix_subscribers_tenant_id_id", "tenant_id", "id"),
    )

    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE")
    )
    scope: Mapped[int] = mapped_column(BigInteger, nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    email_normalized: Mapped[str] = mapped_column(String(254), nullable=False)
    # Not indexed: segments compare lower(email_domain), which a plain index cannot serve.
    email_domain: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en", nullable=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(32), default="form", nullable=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    soft_bounce_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_click_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Subscription(IdMixin, CreatedMixin, Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("list_id", "subscriber_id"),
        Index("ix_subscriptions_list_status", "list_id", "status"),
        # Lookups by subscriber (and the cascade from subscribers) use the segments branch's
        # (subscriber_id, status) index, models/segments.py: a second one on subscriber_id
        # alone would only cost every insert.
    )

    # Not indexed: subscriptions are reached through their list or subscriber, never by tenant.
    # No foreign key either: always the list's tenant_id (migration 0004).
    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    # No foreign keys (migration 0005): their per-row checks were the largest cost of a bulk
    # import. Deletion triggers keep the cascades; herald.audience.references takes the locks
    # the checks took.
    list_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    subscriber_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SubscriptionTransition(IdMixin, Base):
    """Every state change of a subscription, timestamped (the subscriber timeline)."""

    __tablename__ = "subscription_transitions"

    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    # No foreign key: an append-only history, written in bulk by imports (a per-row FK check
    # costs as much as the insert); rows are deleted explicitly with their subscription.
    subscription_id: Mapped[int] = mapped_column(BigInteger, index=True, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class ImportJob(IdMixin, CreatedMixin, Base):
    __tablename__ = "import_jobs"

    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    list_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("newsletter_lists.id", ondelete="CASCADE"), nullable=False
    )
    operator_id: Mapped[int | None] = mapped_column(BigInteger)
    filename: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running", nullable=False)
    attested_by: Mapped[str] = mapped_column(String(200), nullable=False)
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    consent_method: Mapped[str] = mapped_column(Text, nullable=False)
    consent_source: Mapped[str] = mapped_column(Text, nullable=False)
    bytes_total: Mapped[int | None] = mapped_column(BigInteger)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    rows_total: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    rows_imported: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    rows_updated: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    rows_skipped: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
