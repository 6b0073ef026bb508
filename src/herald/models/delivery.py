"""Delivery records: the capture outbox of the ``null`` distributor, DKIM signing keys and the
provider feedback events (webhooks) applied to the audience."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from herald.kit.types import PortableJSON, UTCDateTime
from herald.models.base import Base, IdMixin


class OutboxMessage(IdMixin, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_recipient", "recipient"),)

    tenant_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    sender: Mapped[str] = mapped_column(String(320), nullable=False)
    recipient: Mapped[str] = mapped_column(String(320), nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    headers: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict, nullable=False)
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DkimKey(IdMixin, Base):
    """A DKIM private key for one sending domain (encrypted at rest with SecretBox)."""

    __tablename__ = "dkim_keys"
    __table_args__ = (
        UniqueConstraint("scope", "domain", "selector", name="uq_dkim_keys_scope_domain_selector"),
        Index("ix_dkim_keys_domain_active", "domain", "active"),
    )

    tenant_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    scope: Mapped[int] = mapped_column(BigInteger, nullable=False)  # tenant_id or 0
    domain: Mapped[str] = mapped_column(String(253), nullable=False)
    selector: Mapped[str] = mapped_column(String(63), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(16), nullable=False)
    private_key_enc: Mapped[str] = mapped_column(Text, nullable=False)
    public_txt: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeliveryEvent(IdMixin, Base):
    """One provider feedback event (delivered, bounce, complaint…), recorded once.

    ``(provider, event_key)`` is unique: the provider's own event id, or a stable synthetic key
    when the provider gives none, so an event delivered twice is applied once. Evidence rows
    without foreign keys (they outlive campaigns); the recipient is kept only as a keyed hash
    and erasure deletes a subscriber's rows. Rows are purged
    ``HERALD_DELIVERY_EVENT_RETENTION_DAYS`` after they were received.
    """

    __tablename__ = "delivery_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_key", name="uq_delivery_events_provider_event_key"),
        Index("ix_delivery_events_subscriber_id", "subscriber_id"),
        Index("ix_delivery_events_campaign_kind", "campaign_id", "kind"),
        Index("ix_delivery_events_recipient_hash", "recipient_hash"),
        Index("ix_delivery_events_received_at", "received_at"),  # the retention purge
    )

    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    event_key: Mapped[str] = mapped_column(String(128), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    subscriber_id: Mapped[int | None] = mapped_column(BigInteger)
    campaign_id: Mapped[int | None] = mapped_column(BigInteger)
    message_key: Mapped[str | None] = mapped_column(String(64))
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    recipient_hash: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    outcome: Mapped[str] = mapped_column(String(32), nullable=False, default="recorded")
    detail: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict, nullable=False)
