"""audience: drop two indexes no query uses (every import paid for them on every row)

- ``ix_subscriptions_subscriber (subscriber_id)``: a prefix of the segments branch's
  ``ix_subscriptions_subscriber_status (subscriber_id, status)``, which serves every lookup by
  subscriber (and the cascade from ``subscribers``) as well.
- ``ix_subscribers_email_domain (email_domain)``: segments compare ``lower(email_domain)``,
  which a plain index cannot serve, and nothing else filters on the column.

Revision ID: 0003
Revises: 0002
Depends on: seg_0001 (the index that takes over lookups by subscriber)
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "seg_0001"


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_subscriber")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_index("ix_subscribers_email_domain")


def downgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.create_index("ix_subscribers_email_domain", ["email_domain"], unique=False)
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_subscriptions_subscriber", ["subscriber_id"], unique=False)
