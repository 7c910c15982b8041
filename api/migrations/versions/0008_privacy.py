"""privacy: forgetting, token expiry and login throttling

Forgetting a conversation: `pending_forget` keeps the ids whose Rasa tracker events still have to be deleted
(retried by the retention task), and `signal.forget_key` (HMAC of the conversation id) finds the signals whose
text and keys are cleared. Token expiry needs no column (the conversation's last_activity_at).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 01:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_forget",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_pending_forget")),
    )
    op.add_column("signal", sa.Column("forget_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_signal_forget_key"), "signal", ["forget_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_signal_forget_key"), table_name="signal")
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.drop_column("forget_key")
    op.drop_table("pending_forget")
