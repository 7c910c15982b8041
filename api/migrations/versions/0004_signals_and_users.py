"""signals and users: staff accounts (app_user), the ELZ's anonymised signals, their running counts
and their audit trail

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:26:44.432696
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("email", name=op.f("uq_app_user_email")),
    )
    op.create_table(
        "signal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("signal_type", sa.String(length=16), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("barrier", sa.String(length=16), nullable=True),
        sa.Column("service_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("dedup_key", sa.String(length=64), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["status_changed_by"], ["app_user.id"],
            name=op.f("fk_signal_status_changed_by_app_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_signal_dedup_key")),
    )
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_created_on"), ["created_on"], unique=False)
        batch_op.create_index("ix_signal_report", ["month", "signal_type", "commune_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_signal_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signal_status"), ["status"], unique=False)

    op.create_table(
        "signal_category",
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(length=16), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signal.id"], name=op.f("fk_signal_category_signal_id_signal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("signal_id", "category_id", name=op.f("pk_signal_category")),
    )
    with op.batch_alter_table("signal_category", schema=None) as batch_op:
        batch_op.create_index(
            "ix_signal_category_report", ["month", "signal_type", "category_id", "commune_code"], unique=False
        )

    op.create_table(
        "signal_count",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("signal_type", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "signal_type", "category_id", "commune_code", name=op.f("pk_signal_count")
        ),
    )
    op.create_table(
        "signal_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signal.id"], name=op.f("fk_signal_event_signal_id_signal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_signal_event_user_id_app_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_event")),
    )
    with op.batch_alter_table("signal_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signal_event_signal_id"), ["signal_id"], unique=False)


def downgrade() -> None:
    op.drop_table("signal_event")
    op.drop_table("signal_count")
    op.drop_table("signal_category")
    op.drop_table("signal")
    op.drop_table("app_user")
