"""Two Rasa processes sharing conversations as in production (bot/endpoints.production.yml): the tracker
store on PostgreSQL, the lock store on Redis. Messages of one conversation sent to both processes at once
are handled one turn after the other, and none is lost."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import redis

from api.channel.rasa_client import worker_urls
from api.stack import Stack, scratch_settings
from common.config import REPO_ROOT
from tests.support import running_stack, scratch_postgres_database, unavailable

pytestmark = pytest.mark.stack

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
# 32 messages at once: without the shared lock store (each process its own lock), 13 of them were lost.
MESSAGES = ["goeiedag", "wie ben jij?", "bonjour", "merci", "hallo", "dank je", "wat kan je doen?", "salut"] * 4


@pytest.fixture(scope="module")
def two_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} is not reachable ({exc})")
    with scratch_postgres_database("gbo_tracker") as tracker_database:
        database, cache = urlsplit(tracker_database), urlsplit(REDIS_URL)
        # What bot/endpoints.production.yml reads; the children inherit the environment (Stack.child_env).
        production = {
            "TRACKER_DB_HOST": database.hostname, "TRACKER_DB_PORT": str(database.port or 5432),
            "TRACKER_DB_NAME": database.path.lstrip("/"), "TRACKER_DB_USER": database.username or "postgres",
            "TRACKER_DB_PASSWORD": database.password or "",
            "REDIS_HOST": cache.hostname, "REDIS_PORT": str(cache.port or 6379), "REDIS_PASSWORD": "",
        }
        tmp = tmp_path_factory.mktemp("scale-out")
        settings = scratch_settings(
            tmp, rasa_tracker_db_url=tracker_database, rasa_workers=2,
            rasa_endpoints_path=REPO_ROOT / "bot" / "endpoints.production.yml",
            rasa_timeout_seconds=60, retention_interval_seconds=0,
        )
        with pytest.MonkeyPatch.context() as patch:
            for name, value in production.items():
                patch.setenv(name, value)
            with running_stack(settings, tmp / "log") as stack:
                yield stack


async def _send_all_at_once(urls: list[str], sender: str) -> list[list[dict]]:
    async with httpx.AsyncClient(timeout=120) as client:
        async def send(i: int, text: str) -> list[dict]:
            response = await client.post(f"{urls[i % len(urls)]}/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text})
            assert response.status_code == 200, response.text
            return response.json()

        return await asyncio.gather(*(send(i, text) for i, text in enumerate(MESSAGES)))


def test_one_conversations_messages_to_two_rasa_processes_never_interleave(two_rasa):
    urls = worker_urls(two_rasa.settings)
    assert len(urls) == 2
    sender = f"scale-out-{uuid.uuid4().hex[:8]}"
    replies = asyncio.run(_send_all_at_once(urls, sender))
    assert all(replies), "every message gets an answer"

    tracker = httpx.get(f"{urls[0]}/conversations/{sender}/tracker",
                        params={"token": two_rasa.settings.rasa_token}, timeout=30).json()
    events = tracker["events"]
    user_texts = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(user_texts) == sorted(MESSAGES), "each message is in the conversation exactly once"
    # A turn: the citizen's message, what the assistant did and said, then listening. Interleaved turns
    # would show a second message before the first turn's action_listen.
    turns, current = [], None
    for event in events:
        if event["event"] == "user":
            assert current is None, f"a message arrived inside another turn: {event['text']!r}"
            current = []
        elif current is not None:
            current.append(event)
            if event["event"] == "action" and event.get("name") == "action_listen":
                turns.append(current)
                current = None
    assert current is None and len(turns) == len(MESSAGES)
    assert all(any(e["event"] == "bot" for e in turn) for turn in turns), "every turn answered"
