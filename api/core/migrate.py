"""Apply Alembic migrations from code (used by the launcher and the tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from common.config import REPO_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(Path(REPO_ROOT) / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def is_at_head(database_url: str) -> bool:
    """The database is at the newest revision. Read without running env.py, which imports every model
    (seconds at each start of `make run`)."""
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()


def upgrade_to_head(database_url: str) -> None:
    if not is_at_head(database_url):
        command.upgrade(alembic_config(database_url), "head")
