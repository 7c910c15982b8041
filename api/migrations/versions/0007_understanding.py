"""understanding: signals from demo data are marked

signal.demo and signal_category.demo (a signal found against the DEMO directory), and
signal_count.demo_n (how many of a cell's signals are demo). Existing signals are not demo.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 01:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signal") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("signal_category") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("signal_count") as batch:
        batch.add_column(sa.Column("demo_n", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("signal_count") as batch:
        batch.drop_column("demo_n")
    with op.batch_alter_table("signal_category") as batch:
        batch.drop_column("demo")
    with op.batch_alter_table("signal") as batch:
        batch.drop_column("demo")
