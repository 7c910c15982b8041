"""Fixtures for the signals and staff sign-in tests: users per role, tokens, signals on given days."""

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.core.migrate import upgrade_to_head
from common.config import REPO_ROOT
from dialogue.signal_models import Signal
from tests.api.signals.signals_support import insert_signals
from tests.support import chromium, start_api


@pytest.fixture
def db_session(db_session: Session) -> Session:
    """The shared db_session, starting without signals or users.

    Why: on SQLite the shared fixture's rollback does not undo work the code under test committed
    (pysqlite's SAVEPOINT/RELEASE commits), so rows would leak from one test into the next.
    """
    for table in ("signal_event", "signal_category", "signal_count", "signal"):
        db_session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
    # Only the accounts these tests make (other tests' rows may point at theirs).
    db_session.execute(text("DELETE FROM app_user WHERE email LIKE '%@elz.test'"))
    db_session.commit()
    return db_session


@pytest.fixture
def add_signals(db_session: Session) -> Callable[..., list[Signal]]:
    """insert_signals on the test's database session."""

    def add(n: int, **kwargs) -> list[Signal]:
        return insert_signals(db_session, n, **kwargs)

    return add


# ------------------------------------------------------------------ browser (the ELZ dashboard)
@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The API alone (uvicorn on a free port) on a throwaway migrated SQLite database: (base URL, db URL)."""
    tmp = tmp_path_factory.mktemp("dashboard")
    database_url = f"sqlite:///{tmp / 'gbo.sqlite3'}"
    upgrade_to_head(database_url)
    api = start_api(database_url, tmp / "api.log")
    yield api.url, database_url
    api.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not (REPO_ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.js").exists():
        pytest.fail("node_modules/chart.js is missing: run `npm ci` (make install)", pytrace=False)
    with chromium() as browser:
        yield browser
