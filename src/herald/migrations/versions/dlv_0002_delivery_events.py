"""delivery events: provider feedback recorded once per (provider, event key) (delivery branch)

Revision ID: dlv_0002
Revises: dlv_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import herald.kit.types

revision: str = "dlv_0002"
down_revision: str | Sequence[str] | None = "dlv_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_events",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=True),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("message_key", sa.String(length=64), nullable=True),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("recipient_hash", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_events")),
        sa.UniqueConstraint("provider", "event_key", name="uq_delivery_events_provider_event_key"),
    )
    with op.batch_alter_table("delivery_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delivery_events_campaign_kind", ["campaign_id", "kind"], unique=False
        )
        batch_op.create_index("ix_delivery_events_recipient_hash", ["recipient_hash"], unique=False)
        batch_op.create_index("ix_delivery_events_subscriber_id", ["subscriber_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery_events", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_events_subscriber_id")
        batch_op.drop_index("ix_delivery_events_recipient_hash")
        batch_op.drop_index("ix_delivery_events_campaign_kind")
    op.drop_table("delivery_events")
