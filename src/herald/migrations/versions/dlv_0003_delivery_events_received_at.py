"""delivery events: index on received_at for the retention purge (delivery branch)

Revision ID: dlv_0003
Revises: dlv_0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "dlv_0003"
down_revision: str | Sequence[str] | None = "dlv_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_events", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_events_received_at", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delivery_events", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_events_received_at")
