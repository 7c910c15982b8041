"""search index: service_search, the denormalised table kb.search ranks on (service x category x location)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:35:05.831730
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Fills the table from a directory that already exists; must stay in step with
# kb.search_index.source_rows (the importer keeps the table up to date from here on).
_FILL = """
INSERT INTO service_search
    (service_id, taxonomy_term_id, location_id, latitude, longitude, speaks_nl, speaks_fr)
SELECT DISTINCT s.id, a.taxonomy_term_id, l.id, l.latitude, l.longitude,
    EXISTS (SELECT 1 FROM language lg WHERE lg.service_id = s.id AND lg.code = 'nl'),
    EXISTS (SELECT 1 FROM language lg WHERE lg.service_id = s.id AND lg.code = 'fr')
FROM service s
LEFT OUTER JOIN attribute a ON a.link_id = s.id AND a.link_entity = 'service'
LEFT OUTER JOIN service_at_location sal ON sal.service_id = s.id
LEFT OUTER JOIN location l ON l.id = sal.location_id
WHERE s.status = 'active'
"""


def upgrade() -> None:
    op.create_table(
        "service_search",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("taxonomy_term_id", sa.String(length=36), nullable=True),
        sa.Column("location_id", sa.String(length=36), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("speaks_nl", sa.Boolean(), nullable=False),
        sa.Column("speaks_fr", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_service_search_location_id_location"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_search_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_search")),
    )
    with op.batch_alter_table("service_search", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_search_location_id"), ["location_id"], unique=False)
        batch_op.create_index(
            "ix_service_search_position",
            ["latitude", "longitude", "speaks_nl", "speaks_fr", "service_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_service_search_service_id"), ["service_id"], unique=False)
        batch_op.create_index(
            "ix_service_search_term_position",
            ["taxonomy_term_id", "latitude", "longitude", "speaks_nl", "speaks_fr", "service_id"],
            unique=False,
        )

    op.execute(_FILL)


def downgrade() -> None:
    with op.batch_alter_table("service_search", schema=None) as batch_op:
        batch_op.drop_index("ix_service_search_term_position")
        batch_op.drop_index(batch_op.f("ix_service_search_service_id"))
        batch_op.drop_index("ix_service_search_position")
        batch_op.drop_index(batch_op.f("ix_service_search_location_id"))

    op.drop_table("service_search")
