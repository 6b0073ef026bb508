"""segments: saved segments and the indexes segment counts rely on

Revision ID: seg_0001
Revises: 0002
Create Date: 2026-11-23 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import herald.kit.types

revision: str = "seg_0001"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = ("segments",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("scope", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_segments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("scope", "name", name=op.f("uq_segments_scope_name")),
    )
    op.create_index(op.f("ix_segments_tenant_id"), "segments", ["tenant_id"], unique=False)
    op.create_index(
        "ix_subscribers_scope_country", "subscribers", ["scope", "country"], unique=False
    )
    op.create_index(
        "ix_subscribers_scope_language", "subscribers", ["scope", "language"], unique=False
    )
    op.create_index(
        "ix_subscribers_scope_created_at", "subscribers", ["scope", "created_at"], unique=False
    )
    op.create_index(
        "ix_subscriptions_subscriber_status",
        "subscriptions",
        ["subscriber_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_subscriptions_subscriber_status", table_name="subscriptions")
    op.drop_index("ix_subscribers_scope_created_at", table_name="subscribers")
    op.drop_index("ix_subscribers_scope_language", table_name="subscribers")
    op.drop_index("ix_subscribers_scope_country", table_name="subscribers")
    op.drop_index(op.f("ix_segments_tenant_id"), table_name="segments")
    op.drop_table("segments")
