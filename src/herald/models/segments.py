"""Saved segments (rule trees over subscribers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from herald.kit.types import PortableJSON, UTCDateTime
from herald.models.audience import Subscriber, Subscription
from herald.models.base import Base, CreatedMixin, IdMixin


class Segment(IdMixin, CreatedMixin, Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("scope", "name"),)

    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    rules: Mapped[dict[str, Any]] = mapped_column(PortableJSON, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Indexes on core tables that make the common segment fields fast. They belong to the segments
# migration branch (seg_0001), so they are declared here, next to the table they serve.
# Index objects built from columns attach themselves to those columns' tables.
SEGMENT_INDEXES = (
    Index("ix_subscribers_scope_country", Subscriber.scope, Subscriber.country),
    Index("ix_subscribers_scope_language", Subscriber.scope, Subscriber.language),
    Index("ix_subscribers_scope_created_at", Subscriber.scope, Subscriber.created_at),
    Index("ix_subscriptions_subscriber_status", Subscription.subscriber_id, Subscription.status),
)
