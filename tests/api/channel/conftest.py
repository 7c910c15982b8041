"""Real API processes (uvicorn, as `make run` starts them) on free ports, without Rasa: the socket.io
channel, the fallback answer and Redis fan-out are the API's own behaviour."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from api.core.migrate import upgrade_to_head
from tests.support import ApiProcess
from tests.support import start_api as start_api_process

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


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
        defaults = {"rasa_url": "http://127.0.0.1:9",  # closed: Rasa is down
                    "rasa_tracker_sqlite_path": tmp_path / "tracker.sqlite3"}
        return start_api_process(database, tmp_path / f"api-{uuid.uuid4().hex[:8]}.log",
                                 ready_path="/widget/i18n/nl.json", timeout=60, **{**defaults, **settings})

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
