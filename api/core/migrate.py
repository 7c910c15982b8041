"""Apply Alembic migrations from code (used by the launcher and the tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from common.config import REPO_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(Path(REPO_ROOT) / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")
