"""core schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 05:47:53.850024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import herald.kit.types

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"], unique=False)
        batch_op.create_index("ix_audit_entries_tenant_at", ["tenant_id", "at"], unique=False)

    op.create_table(
        "instance_keys",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_keys")),
    )
    op.create_table(
        "jobs",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("finished_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_due", ["status", "run_at"], unique=False)
        batch_op.create_index("uq_jobs_dedupe_key", ["dedupe_key"], unique=True)

    op.create_table(
        "outbox_messages",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column(
            "headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("captured_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_messages_message_id")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_recipient", ["recipient"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "schedules",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("next_run_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("last_run_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_schedules")),
    )
    op.create_table(
        "suppressions",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("scope", sa.BigInteger(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suppressions_email_hash"), ["email_hash"], unique=False
        )
        batch_op.create_index(
            "uq_suppressions_active", ["scope", "email_hash", "stream"], unique=True
        )

    op.create_table(
        "tenants",
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("postal_address", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("default_language", sa.String(length=8), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "newsletter_lists",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("scope", sa.BigInteger(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("double_opt_in", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
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
            name=op.f("fk_newsletter_lists_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_lists")),
        sa.UniqueConstraint("scope", "slug", name=op.f("uq_newsletter_lists_scope_slug")),
    )
    with op.batch_alter_table("newsletter_lists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_newsletter_lists_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "operators",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("totp_secret_enc", sa.Text(), nullable=True),
        sa.Column(
            "password_changed_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("disabled", sa.Boolean(), nullable=False),
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
            name=op.f("fk_operators_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operators_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "subscribers",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("scope", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_normalized", sa.String(length=254), nullable=False),
        sa.Column("email_domain", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("confirmed_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("soft_bounce_count", sa.Integer(), nullable=False),
        sa.Column("last_open_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_click_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
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
            name=op.f("fk_subscribers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
        sa.UniqueConstraint(
            "scope", "email_normalized", name=op.f("uq_subscribers_scope_email_normalized")
        ),
    )
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscribers_email_domain"), ["email_domain"], unique=False
        )
        batch_op.create_index("ix_subscribers_tenant_id_id", ["tenant_id", "id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("operator_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("last_used_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_api_tokens_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_tokens_operator_id"), ["operator_id"], unique=False
        )

    op.create_table(
        "consent_records",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=False),
        sa.Column("list_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("user_agent_hash", sa.String(length=64), nullable=True),
        sa.Column("form_id", sa.String(length=100), nullable=True),
        sa.Column("consent_text_version", sa.String(length=100), nullable=True),
        sa.Column("import_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurred_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_records_subscriber_id"), ["subscriber_id"], unique=False
        )

    op.create_table(
        "import_jobs",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("list_id", sa.BigInteger(), nullable=False),
        sa.Column("operator_id", sa.BigInteger(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attested_by", sa.String(length=200), nullable=False),
        sa.Column("attested_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consent_method", sa.Text(), nullable=False),
        sa.Column("consent_source", sa.Text(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=True),
        sa.Column("bytes_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_total", sa.BigInteger(), nullable=False),
        sa.Column("rows_imported", sa.BigInteger(), nullable=False),
        sa.Column("rows_updated", sa.BigInteger(), nullable=False),
        sa.Column("rows_skipped", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("finished_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["newsletter_lists.id"],
            name=op.f("fk_import_jobs_list_id_newsletter_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_import_jobs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_jobs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("list_id", sa.BigInteger(), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_changed_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "confirmation_sent_at", herald.kit.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["newsletter_lists.id"],
            name=op.f("fk_subscriptions_list_id_newsletter_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_subscriptions_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_subscriptions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "list_id", "subscriber_id", name=op.f("uq_subscriptions_list_id_subscriber_id")
        ),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_subscriptions_list_status", ["list_id", "status"], unique=False)
        batch_op.create_index("ix_subscriptions_subscriber", ["subscriber_id"], unique=False)

    op.create_table(
        "subscription_transitions",
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("at", herald.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_transitions")),
    )
    with op.batch_alter_table("subscription_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_transitions_subscription_id"),
            ["subscription_id"],
            unique=False,
        )

    _audit_append_only_up()


_PG_FN = """
CREATE OR REPLACE FUNCTION herald_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_entries is append-only';
END;
$$ LANGUAGE plpgsql
"""


def _audit_append_only_up() -> None:
    """The audit trail refuses UPDATE and DELETE at the database level, on both engines."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FN)
        op.execute(
            "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION herald_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
            )


def _audit_append_only_down() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS herald_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")


def downgrade() -> None:
    _audit_append_only_down()
    with op.batch_alter_table("subscription_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_transitions_subscription_id"))

    op.drop_table("subscription_transitions")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_subscriber")
        batch_op.drop_index("ix_subscriptions_list_status")

    op.drop_table("subscriptions")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_tenant_id"))

    op.drop_table("import_jobs")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_subscriber_id"))

    op.drop_table("consent_records")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_operator_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_index("ix_subscribers_tenant_id_id")
        batch_op.drop_index(batch_op.f("ix_subscribers_email_domain"))

    op.drop_table("subscribers")
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operators_tenant_id"))

    op.drop_table("operators")
    with op.batch_alter_table("newsletter_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_newsletter_lists_tenant_id"))

    op.drop_table("newsletter_lists")
    op.drop_table("tenants")
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.drop_index("uq_suppressions_active")
        batch_op.drop_index(batch_op.f("ix_suppressions_email_hash"))

    op.drop_table("suppressions")
    op.drop_table("schedules")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_tenant_id"))
        batch_op.drop_index("ix_outbox_messages_recipient")

    op.drop_table("outbox_messages")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("uq_jobs_dedupe_key")
        batch_op.drop_index("ix_jobs_due")

    op.drop_table("jobs")
    op.drop_table("instance_keys")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_tenant_at")
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))

    op.drop_table("audit_entries")
