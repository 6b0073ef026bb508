"""transactional: notification log and category opt-outs

Revision ID: txn_0001
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import herald.kit.types

revision: str = "txn_0001"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = ("transactional",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("scope", sa.BigInteger(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("sent_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_notifications_recipient_hash", "notifications", ["recipient_hash"], unique=False
    )
    op.create_index("ix_notifications_scope_id", "notifications", ["scope", "id"], unique=False)
    op.create_table(
        "notification_opt_outs",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_notification_opt_outs_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_opt_outs")),
        sa.UniqueConstraint(
            "subscriber_id",
            "category",
            name=op.f("uq_notification_opt_outs_subscriber_id_category"),
        ),
    )


def downgrade() -> None:
    op.drop_table("notification_opt_outs")
    op.drop_index("ix_notifications_scope_id", table_name="notifications")
    op.drop_index("ix_notifications_recipient_hash", table_name="notifications")
    op.drop_table("notifications")
