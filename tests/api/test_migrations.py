"""The Alembic migrations create exactly what the SQLAlchemy models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import api.models  # noqa: F401 - registers every table
import kb.models  # noqa: F401 - registers tables
from common.db import Base

RASA_TRACKER_TABLE = "events"  # Rasa's own tracker store table, when Rasa shares the application's database


def _is_model_object(obj, name, type_, reflected, compare_to):
    # Full-text search tables and indexes are made by hand in migrations and are not in the models.
    if type_ == "table" and reflected and compare_to is None and name == RASA_TRACKER_TABLE:
        return False
    return not (name and "_fts" in name) and name != "alembic_version"


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _is_model_object, "compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_model_table_exists_after_migration(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
