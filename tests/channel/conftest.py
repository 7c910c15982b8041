"""Real API processes (uvicorn, as `make run` starts them) on free ports, without Rasa: the socket.io
channel, the fallback answer and Redis fan-out are the API's own behaviour."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from api.core.config import REPO_ROOT
from api.core.migrate import upgrade_to_head

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ApiProcess:
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


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("channel")


@pytest.fixture(scope="module")
def database(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 'app.sqlite3'}"
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="module")
def api(workdir: Path, database: str) -> Iterator[ApiProcess]:
    """One API process with the default settings, shared by a module's tests."""
    launch = _launcher(workdir, database)
    process = launch()
    yield process
    process.stop()


@pytest.fixture
def start_api(workdir: Path, database: str) -> Iterator[Callable[..., ApiProcess]]:
    """Start an API process with settings of its own (keyword arguments become environment variables)."""
    started: list[ApiProcess] = []
    launch = _launcher(workdir, database)

    def start(**settings: str) -> ApiProcess:
        process = launch(**settings)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def _launcher(tmp_path: Path, database: str) -> Callable[..., ApiProcess]:

    def start(**settings: str) -> ApiProcess:
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "GBO_ENV": "test",
            "DATABASE_URL": database,
            "RASA_URL": "http://127.0.0.1:9",  # closed: Rasa is down
            "RASA_TRACKER_SQLITE_PATH": str(tmp_path / "tracker.sqlite3"),
            "API_PORT": str(port),
            **{k.upper(): str(v) for k, v in settings.items()},
        }
        log = tmp_path / f"api-{port}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning"],
                cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        api = ApiProcess(port, process, log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the API stopped: {log.read_text()[-2000:]}", pytrace=False)
            try:
                if httpx.get(f"{api.url}/widget/i18n/nl.json", timeout=2).status_code == 200:
                    return api
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        api.stop()
        pytest.fail("the API did not start within 60 s", pytrace=False)

    return start


@pytest.fixture
def redis_settings() -> dict[str, str]:
    """A Redis database and a pub/sub channel of this test's own (pub/sub is not per database)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis at {REDIS_URL} is not reachable ({exc})"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {"redis_url": REDIS_URL, "redis_channel": f"gbo-test-{uuid.uuid4().hex[:8]}"}
