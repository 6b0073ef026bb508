"""audience: subscriptions.tenant_id loses its foreign key (the list's already covers it)

Every subscription copies ``tenant_id`` from its list, whose own ``tenant_id`` is checked against
``tenants``, and a deleted tenant's subscriptions go with its lists and subscribers (both
``ON DELETE CASCADE``). The third check only cost every subscription insert: 2-3 µs a row
of an import into a tenant's list.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_subscriptions_tenant_id_tenants", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_subscriptions_tenant_id_tenants",
            "tenants",
            ["tenant_id"],
            ["id"],
            ondelete="CASCADE",
        )
