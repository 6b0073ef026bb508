"""tracking events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 06:02:07.438190
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import herald.kit.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracking_events",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("variant", sa.String(length=16), nullable=True),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("link_id", sa.BigInteger(), nullable=True),
        sa.Column("machine", sa.Boolean(), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("user_agent_hash", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_events")),
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tracking_events_campaign_kind", ["campaign_id", "kind"], unique=False
        )
        batch_op.create_index("ix_tracking_events_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_tracking_events_subscriber_kind_at",
            ["subscriber_id", "kind", "occurred_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_events_subscriber_kind_at")
        batch_op.drop_index("ix_tracking_events_occurred_at")
        batch_op.drop_index("ix_tracking_events_campaign_kind")

    op.drop_table("tracking_events")
