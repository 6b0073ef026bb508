"""audience: subscriptions keep their cascades as triggers, without per-row foreign key checks

The foreign keys of ``subscriptions.list_id`` and ``subscriptions.subscriber_id`` checked every
inserted row: a lookup query through the executor and a lock on the subscriber row, which also
writes a WAL record. That was the largest single cost of an import into PostgreSQL (about 9 of
the database's 35 µs a row in A/B runs of 10,000-row batches).

What the keys did is kept:

- *Deleting* a list or a subscriber (a tenant's too, through their own cascades) still deletes
  its subscriptions at the database level: ``AFTER DELETE`` triggers take ``ON DELETE
  CASCADE``'s place. They cost nothing when rows are inserted.
- *Inserting* a subscription locks its list and subscriber ``FOR KEY SHARE`` first, as the key
  check did (``herald.audience.references``; an import locks the list once per batch and only
  the subscribers it did not create itself), so a deletion waits for the insert to commit and
  its trigger then sees the new subscription, or the insert finds the row gone and stops.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = (  # constraint, referenced table, column
    ("fk_subscriptions_list_id_newsletter_lists", "newsletter_lists", "list_id"),
    ("fk_subscriptions_subscriber_id_subscribers", "subscribers", "subscriber_id"),
)


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        for name, _, _ in _KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")
    postgres = op.get_bind().dialect.name == "postgresql"
    for _, table, column in _KEYS:
        trigger = f"{table}_delete_subscriptions"
        if postgres:
            # Once per statement, over every deleted row (a tenant's whole audience at once).
            op.execute(
                f"CREATE FUNCTION herald_{trigger}() RETURNS trigger AS $$\n"
                f"BEGIN\n  DELETE FROM subscriptions WHERE {column} IN (SELECT id FROM gone);\n"
                "  RETURN NULL;\nEND;\n$$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {trigger} AFTER DELETE ON {table} "
                f"REFERENCING OLD TABLE AS gone FOR EACH STATEMENT "
                f"EXECUTE FUNCTION herald_{trigger}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {trigger} AFTER DELETE ON {table} FOR EACH ROW "
                f"BEGIN DELETE FROM subscriptions WHERE {column} = OLD.id; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for _, table, _ in _KEYS:
        trigger = f"{table}_delete_subscriptions"
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS herald_{trigger}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    # Subscriptions whose list or subscriber is gone could not take the keys back.
    op.execute(
        "DELETE FROM subscriptions WHERE NOT EXISTS "
        "(SELECT 1 FROM newsletter_lists l WHERE l.id = subscriptions.list_id) "
        "OR NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = subscriptions.subscriber_id)"
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        for name, table, column in _KEYS:
            batch_op.create_foreign_key(name, table, [column], ["id"], ondelete="CASCADE")
