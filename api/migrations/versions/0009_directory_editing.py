"""directory editing: versions of services, organisations and locations

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 01:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_type", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("editor_email", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["editor_id"], ["app_user.id"], name=op.f("fk_directory_version_editor_id_app_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_version")),
        sa.UniqueConstraint("entity_type", "entity_id", "version", name="uq_directory_version_entity_version"),
    )
    op.create_index("ix_directory_version_at", "directory_version", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_directory_version_at", table_name="directory_version")
    op.drop_table("directory_version")
