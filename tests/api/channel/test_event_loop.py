"""No blocking work on the event loop: while another process holds SQLite's write lock, a citizen's message
waits for it in a worker thread, and the same API process keeps answering everything else."""

import asyncio
import sqlite3
import threading

import httpx
import pytest
from sqlalchemy.engine import make_url

from common import db as core_db
from common.config import get_settings

LOCK_SECONDS = 2.0  # below SQLite's busy timeout (5 s): the waiting message then goes through


@pytest.fixture
def app_on_sqlite_file(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for cached in (get_settings, core_db.get_engine, core_db.get_sessionmaker):
        cached.cache_clear()
    from api.main import create_app

    yield create_app(), make_url(sqlite_url).database
    core_db.get_engine().dispose()
    for cached in (get_settings, core_db.get_engine, core_db.get_sessionmaker):
        cached.cache_clear()


def hold_write_lock(path: str, taken: threading.Event, seconds: float) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")  # the write lock, as a busy writer (e.g. Rasa, a bulk import)
    taken.set()
    threading.Event().wait(seconds)
    connection.execute("ROLLBACK")
    connection.close()


def test_a_held_write_lock_does_not_freeze_the_event_loop(app_on_sqlite_file):
    app, path = app_on_sqlite_file

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as client:
            started = (await client.post("/api/v1/conversations")).json()
            taken = threading.Event()
            holder = threading.Thread(target=hold_write_lock, args=(path, taken, LOCK_SECONDS))
            holder.start()
            await asyncio.to_thread(taken.wait, 5)
            message = asyncio.create_task(client.post(
                "/webhooks/rest/webhook", json={"sender": started["conversation_id"], "message": "hallo"},
                headers={"Authorization": f"Bearer {started['token']}"},
            ))
            await asyncio.sleep(0.2)  # the message is now waiting for the lock
            health = await client.get("/healthz")
            widget = await client.get("/widget/i18n/nl.json")
            # Both answered while the message still waits: the loop was free the whole time.
            assert not message.done()
            assert health.json()["components"]["database"]["ok"] is True
            assert widget.status_code == 200
            response = await message
            assert response.status_code == 200  # answered once the lock was released (Rasa is down here)
            await asyncio.to_thread(holder.join)

    asyncio.run(scenario())
