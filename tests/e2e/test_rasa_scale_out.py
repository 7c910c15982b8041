"""Scale-out on Rasa's own design: two Rasa processes share the PostgreSQL tracker store and the Redis lock
store (bot/endpoints.production.yml, as in docker-compose.yml). Messages of one conversation sent to both
processes at once are processed one turn at a time: none is lost and no two turns interleave."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from api.core.migrate import upgrade_to_head
from common.config import REPO_ROOT
from common.db import make_engine
from tests.e2e.conftest import free_port

pytestmark = [pytest.mark.stack, pytest.mark.postgres]

RASA_PYTHON = REPO_ROOT / ".venvs" / "rasa" / "bin" / "python"
MODEL = REPO_ROOT / "models" / "gbo.tar.gz"
TOKEN = uuid.uuid4().hex + uuid.uuid4().hex
MESSAGES = ["hallo", "ik zoek hulp", "dank je", "bonjour", "wat kan je doen?", "merci", "hallo", "ok"]


@pytest.fixture(scope="module")
def tracker_database() -> Iterator[str]:
    admin_url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"gbo_tracker_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL unavailable: {exc}") if not os.environ.get("CI") else pytest.fail(str(exc))
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wait(url: str, process: subprocess.Popen, log: Path, seconds: float = 400) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited: {log.read_text(errors='replace')[-2000:]}", pytrace=False)
        try:
            if httpx.get(url, timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"{url} not up after {seconds} s: {log.read_text(errors='replace')[-2000:]}", pytrace=False)


@pytest.fixture(scope="module")
def two_rasas(tracker_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    if not MODEL.exists():
        pytest.fail("no trained Rasa model: run `make train`", pytrace=False)
    tmp = tmp_path_factory.mktemp("scale-out")
    app_db = f"sqlite:///{tmp / 'gbo.sqlite3'}"
    upgrade_to_head(app_db)
    action_port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": app_db, "GBO_ENV": "test",
           "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
           "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB_NAME": tracker_database,
           "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "",
           "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
           "REDIS_PASSWORD": os.environ.get("TEST_REDIS_PASSWORD", "")}
    processes: list[tuple[subprocess.Popen, Path, str]] = []
    logs = []
    try:
        log = tmp / "actions.log"
        logs.append(log.open("wb"))
        actions = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(action_port)],
                                   cwd=REPO_ROOT, env=env, stdout=logs[-1], stderr=subprocess.STDOUT)
        processes.append((actions, log, f"http://127.0.0.1:{action_port}/health"))
        urls = []
        for i in range(2):
            port = free_port()
            log = tmp / f"rasa-{i}.log"
            logs.append(log.open("wb"))
            rasa = subprocess.Popen(
                [str(RASA_PYTHON), "-m", "bot.serve", "run", "--model", str(MODEL), "--enable-api",
                 "--auth-token", TOKEN, "--interface", "127.0.0.1", "--port", str(port),
                 "--endpoints", str(REPO_ROOT / "bot" / "endpoints.production.yml"),
                 "--credentials", str(REPO_ROOT / "bot" / "credentials.yml")],
                cwd=REPO_ROOT, env=env, stdout=logs[-1], stderr=subprocess.STDOUT,
            )
            urls.append(f"http://127.0.0.1:{port}")
            processes.append((rasa, log, f"{urls[-1]}/"))
        for process, log, health in processes:
            _wait(health, process, log)
        yield urls
    finally:
        for process, _log, _url in processes:
            process.terminate()
        for process, _log, _url in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for handle in logs:
            handle.close()


def test_one_conversation_over_two_rasa_processes_never_interleaves_or_loses_a_turn(two_rasas):
    sender = f"scale-{uuid.uuid4().hex}"

    def send(i: int) -> int:
        url = two_rasas[i % 2]  # alternate: both processes serve the same conversation at once
        response = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": MESSAGES[i]},
                              timeout=300)
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(MESSAGES)) as pool:
        assert list(pool.map(send, range(len(MESSAGES)))) == [200] * len(MESSAGES)

    tracker = httpx.get(f"{two_rasas[0]}/conversations/{sender}/tracker", params={"token": TOKEN},
                        timeout=60).json()
    kinds = [(e["event"], e.get("name") or e.get("text")) for e in tracker["events"]
             if e["event"] in ("user", "action")]
    users = [text for event, text in kinds if event == "user"]
    assert sorted(users) == sorted(MESSAGES)  # every message once: none lost
    # One turn at a time: after each user message come the bot's actions of that turn, ending with
    # action_listen, and only then the next user message.
    turns = [i for i, (event, _) in enumerate(kinds) if event == "user"]
    for start, end in zip(turns, [*turns[1:], len(kinds)], strict=False):
        turn = kinds[start + 1:end]
        assert turn and turn[-1] == ("action", "action_listen"), kinds[start:end]
        assert ("action", "action_listen") not in turn[:-1], kinds[start:end]
