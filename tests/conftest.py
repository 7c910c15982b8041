"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and an API client on it.

PostgreSQL is the server on 127.0.0.1 (trust auth). Each test session creates a throwaway database
and drops it afterwards. Without a reachable server those tests are skipped with a clear reason;
with CI=true they fail instead, because CI must prove both databases work.
"""

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.core.migrate import upgrade_to_head
from common.db import make_engine

# Unit and API tests must never talk to a Rasa that happens to run on this machine: port 9 is closed.
os.environ.setdefault("GBO_ENV", "test")
os.environ["RASA_URL"] = "http://127.0.0.1:9"
os.environ["ACTION_SERVER_URL"] = "http://127.0.0.1:9"
# Code that opens its own engine (e.g. /healthz) gets a throwaway database, never the developer's.
_SCRATCH = tempfile.mkdtemp(prefix="gbo-test-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
os.environ["DATABASE_URL"] = f"sqlite:///{_SCRATCH}/app.sqlite3"

@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    url = f"sqlite:///{path}"
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    from tests.support import scratch_postgres_database  # after the environment above is set

    with scratch_postgres_database() as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL; every test using it runs once per supported database."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, so tests stay independent."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def client(db_session: Session, monkeypatch: pytest.MonkeyPatch):
    """A FastAPI TestClient whose requests use the test's database session."""
    from fastapi.testclient import TestClient

    from api.deps import get_session
    from api.main import create_app

    app = create_app()
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app) as test_client:
        yield test_client
