"""Helpers shared by the tests (import as `from tests.support import ...`): free ports, an API process of
its own, a throwaway PostgreSQL database, a running stack, Debian's chromium for Playwright, staff
accounts with their tokens."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.accounts.service import add_user
from api.core.security import create_access_token
from api.stack import Stack
from common.config import REPO_ROOT, Settings
from common.db import make_engine
from common.staff_accounts import User

PASSWORD = "correct horse battery staple"
TEST_DATA = Path(__file__).parent / "data"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"  # the workplace's reference data, beside the clone
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def staff_user(session: Session, role: str, domain: str = "staff.test") -> tuple[User, dict[str, str]]:
    """A fresh staff account with this role, and the Authorization headers of a token for it."""
    user = add_user(session, f"{role}-{uuid.uuid4().hex[:8]}@{domain}", role, PASSWORD)
    return user, {"Authorization": f"Bearer {create_access_token(user)}"}


class ApiProcess:
    """The API alone in a uvicorn process of its own (as `make run` starts it), on a free port."""

    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port, self.process, self.log = port, process, log
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_api(database_url: str, log: Path, ready_path: str = "/login", timeout: float = 180,
              **settings: object) -> ApiProcess:
    """Start the API on database_url with these settings (names as in common.config) and wait until
    ready_path answers 200; fails the test with the log's end if it does not start."""
    port = free_port()
    env = {
        **os.environ, "PYTHONPATH": str(REPO_ROOT), "GBO_ENV": "test", "DATABASE_URL": database_url,
        "API_PORT": str(port), "RETENTION_INTERVAL_SECONDS": "0", "HANDOVER_CHECK_INTERVAL_SECONDS": "0",
        **{name.upper(): str(value) for name, value in settings.items()},
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    api = ApiProcess(port, process, log)
    deadline = time.monotonic() + timeout  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the API stopped: {log.read_text(errors='replace')[-2000:]}", pytrace=False)
        try:
            if httpx.get(f"{api.url}{ready_path}", timeout=2).status_code == 200:
                return api
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    api.stop()
    pytest.fail(f"the API did not start within {timeout:.0f} s: see {log}", pytrace=False)


@contextmanager
def chromium() -> Iterator:
    """Debian's chromium driven by Playwright (never a browser download). Close it at the end of a module:
    while Playwright's sync API runs, the thread has a running event loop (asyncio.run() would fail)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run `make install` (apt-get install chromium)", pytrace=False)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def unavailable(message: str) -> None:
    """A service the test needs is missing: skipped on a developer's machine, a failure with CI=true."""
    if IN_CI:
        pytest.fail(f"{message} (required with CI=true)", pytrace=False)
    pytest.skip(message)


@contextmanager
def scratch_postgres_database(prefix: str = "gbo_test") -> Iterator[str]:
    """An empty PostgreSQL database of its own on the test server, dropped afterwards; its URL."""
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means "unavailable"
        admin.dispose()
        unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({str(exc).splitlines()[0]})")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def running_stack(settings: Settings, log_dir: Path) -> Iterator[Stack]:
    """The three processes started as `make run` starts them, healthy, stopped afterwards."""
    stack = Stack(settings, log_dir=log_dir)
    try:
        stack.start()
        stack.wait_until_healthy(timeout_seconds=300)
        yield stack
    finally:
        stack.stop()
