"""Engagement events (opens, clicks) — written by tracking, read by segments and analytics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from herald.kit.types import UTCDateTime
from herald.models.base import Base, IdMixin


class TrackingEvent(IdMixin, Base):
    """One open or click. ``machine`` flags privacy proxies and scanners (not a human open).

    ``campaign_id``/``link_id`` are plain ids (no foreign key) so events can be recorded and
    purged independently of campaign rows; rows older than 90 days are purged.
    """

    __tablename__ = "tracking_events"
    __table_args__ = (
        Index("ix_tracking_events_subscriber_kind_at", "subscriber_id", "kind", "occurred_at"),
        Index("ix_tracking_events_campaign_kind", "campaign_id", "kind"),
        Index("ix_tracking_events_occurred_at", "occurred_at"),
    )

    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    campaign_id: Mapped[int | None] = mapped_column(BigInteger)
    variant: Mapped[str | None] = mapped_column(String(16))
    subscriber_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # open | click
    link_id: Mapped[int | None] = mapped_column(BigInteger)
    machine: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    user_agent_hash: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
