"""Fixtures for the signals and staff sign-in tests: users per role, tokens, signals on given days."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from signals_support import PASSWORD, insert_signals
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.core.auth import create_access_token
from api.core.config import REPO_ROOT
from api.core.migrate import upgrade_to_head
from api.models_signals import Signal, User
from api.services.users import add_user


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
def make_user(db_session: Session) -> Callable[..., User]:
    counter = iter(range(1, 1000))

    def make(role: str, email: str | None = None, password: str = PASSWORD) -> User:
        return add_user(db_session, email or f"{role}{next(counter)}@elz.test", role, password)

    return make


@pytest.fixture
def headers_for(make_user) -> Callable[[str], dict[str, str]]:
    """Authorization headers of a fresh user with this role."""

    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_access_token(make_user(role))}"}

    return headers


@pytest.fixture
def add_signals(db_session: Session) -> Callable[..., list[Signal]]:
    """insert_signals on the test's database session."""

    def add(n: int, **kwargs) -> list[Signal]:
        return insert_signals(db_session, n, **kwargs)

    return add


# ------------------------------------------------------------------ browser (the ELZ dashboard)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The API alone (uvicorn on a free port) on a throwaway migrated SQLite database: (base URL, db URL)."""
    tmp = tmp_path_factory.mktemp("dashboard")
    database_url = f"sqlite:///{tmp / 'gbo.sqlite3'}"
    upgrade_to_head(database_url)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "GBO_ENV": "test", "API_PORT": str(port),
           "RETENTION_INTERVAL_SECONDS": "0"}
    log = (tmp / "api.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the API did not start: see {tmp / 'api.log'}", pytrace=False)
            time.sleep(0.2)
        yield base_url, database_url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: apt-get install chromium (make install)", pytrace=False)
    if not (REPO_ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.js").exists():
        pytest.fail("node_modules/chart.js is missing: run `npm ci` (make install)", pytrace=False)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
