"""dkim keys (delivery branch)

Revision ID: dlv_0001
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import herald.kit.types

revision: str = "dlv_0001"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = ("delivery",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dkim_keys",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("scope", sa.BigInteger(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("selector", sa.String(length=63), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("private_key_enc", sa.Text(), nullable=False),
        sa.Column("public_txt", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dkim_keys")),
        sa.UniqueConstraint(
            "scope", "domain", "selector", name="uq_dkim_keys_scope_domain_selector"
        ),
    )
    with op.batch_alter_table("dkim_keys", schema=None) as batch_op:
        batch_op.create_index("ix_dkim_keys_domain_active", ["domain", "active"], unique=False)
        batch_op.create_index("ix_dkim_keys_tenant_id", ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dkim_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_dkim_keys_tenant_id")
        batch_op.drop_index("ix_dkim_keys_domain_active")
    op.drop_table("dkim_keys")
