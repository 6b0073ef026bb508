"""Templates, campaigns, their tracked links and the delivery ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from herald.kit.types import PortableJSON, UTCDateTime
from herald.models.base import Base, CreatedMixin, IdMixin


class NewsletterTemplate(IdMixin, CreatedMixin, Base):
    """MJML source plus its rendered HTML and plain-text caches.

    ``html_cache``/``text_cache`` hold mrml's output (Jinja merge tags intact) and are cleared
    whenever ``mjml`` or ``text_source`` changes; ``text_source`` is an optional hand-written
    plain-text part (otherwise the text part is derived from the HTML).
    """

    __tablename__ = "newsletter_templates"

    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    gallery_key: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(998))
    preheader: Mapped[str | None] = mapped_column(String(255))
    mjml: Mapped[str] = mapped_column(Text, nullable=False)
    text_source: Mapped[str | None] = mapped_column(Text)
    html_cache: Mapped[str | None] = mapped_column(Text)
    text_cache: Mapped[str | None] = mapped_column(Text)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Campaign(IdMixin, CreatedMixin, Base):
    """One marketing send. ``html``/``text`` freeze the template when sending starts, so editing
    the template later never changes mail already on its way. ``pace_cursor`` is the throttle's
    shared token bucket (the instant up to which allowance has been handed out)."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_status_send_at", "status", "send_at"),)

    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    template_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("newsletter_templates.id"), nullable=False
    )
    subject: Mapped[str] = mapped_column(String(998), nullable=False)
    preheader: Mapped[str | None] = mapped_column(String(255))
    from_email: Mapped[str] = mapped_column(String(320), nullable=False)
    from_name: Mapped[str | None] = mapped_column(String(200))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    list_ids: Mapped[list[int]] = mapped_column(PortableJSON, default=list, nullable=False)
    segment_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("segments.id", ondelete="SET NULL")
    )
    variants: Mapped[list[dict[str, Any]]] = mapped_column(
        PortableJSON, default=list, nullable=False
    )
    merge_data: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict, nullable=False)
    throttle_per_hour: Mapped[int] = mapped_column(Integer, nullable=False, default=5000)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    send_time_optimization: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    quiet_hours_override: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    html: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    pace_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CampaignLink(IdMixin, Base):
    """One link slot of a campaign's HTML: the only place a click may redirect to."""

    __tablename__ = "campaign_links"
    __table_args__ = (UniqueConstraint("campaign_id", "position"),)

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    label: Mapped[str | None] = mapped_column(String(200))


class Delivery(IdMixin, Base):
    """The delivery ledger: one row per (campaign, subscriber).

    ``queued → claimed → sent | failed | skipped``; ``due_at`` moves forward for quiet hours and
    send-time optimisation; a ``claimed`` row whose ``lease_until`` passed is claimable again
    (its worker died). No foreign keys: the ledger is written set-based in bulk and erasure
    deletes a subscriber's rows explicitly.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "subscriber_id"),
        Index("ix_deliveries_campaign_status_due", "campaign_id", "status", "due_at"),
        Index("ix_deliveries_subscriber_id", "subscriber_id"),
    )

    campaign_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    subscriber_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    reason: Mapped[str | None] = mapped_column(String(32))
    variant: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
