"""handover: cases for the onthaal (handover_case) and the audit trail of worker actions (handover_audit)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:03:58.134202
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_handover_audit_user_id_app_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_audit")),
    )
    op.create_index(op.f("ix_handover_audit_case_id"), "handover_audit", ["case_id"], unique=False)

    op.create_table(
        "handover_case",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("postcode", sa.String(length=4), nullable=True),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("target_group", sa.String(length=32), nullable=True),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("urgency_rank", sa.Integer(), nullable=False),
        sa.Column("crisis_kind", sa.String(length=32), nullable=True),
        sa.Column("vulnerability", sa.JSON(), nullable=False),
        sa.Column("complex_reasons", sa.JSON(), nullable=False),
        sa.Column("proposed_services", sa.JSON(), nullable=False),
        sa.Column("preferred_contact", sa.String(length=8), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("contact_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("citizen_left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_service_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("knelpunten", sa.JSON(), nullable=False),
        sa.Column("ended_with", sa.String(length=8), nullable=True),
        sa.Column("bot_paused", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["claimed_by"], ["app_user.id"], name=op.f("fk_handover_case_claimed_by_app_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"],
                                name=op.f("fk_handover_case_conversation_id_conversation"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resolved_by"], ["app_user.id"],
                                name=op.f("fk_handover_case_resolved_by_app_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_case")),
    )
    op.create_index(op.f("ix_handover_case_conversation_id"), "handover_case", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_handover_case_resolved_at"), "handover_case", ["resolved_at"], unique=False)
    op.create_index("ix_handover_case_status_urgency", "handover_case", ["status", "urgency_rank", "created_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_handover_case_status_urgency", table_name="handover_case")
    op.drop_index(op.f("ix_handover_case_resolved_at"), table_name="handover_case")
    op.drop_index(op.f("ix_handover_case_conversation_id"), table_name="handover_case")
    op.drop_table("handover_case")
    op.drop_index(op.f("ix_handover_audit_case_id"), table_name="handover_audit")
    op.drop_table("handover_audit")
