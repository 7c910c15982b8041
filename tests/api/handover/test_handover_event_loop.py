"""No blocking work on the event loop in the handover: while another connection holds SQLite's write lock, a
worker's claim and resolve wait for it in a worker thread, and the same API process keeps answering
everything else (citizens' sockets, other workers, /healthz).

The actions are called as the routes call them, on the loop that serves the API: through HTTP the request's
sign-in check (run in the thread pool) would be the one waiting for the lock, not the action."""

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest
from sqlalchemy.engine import make_url

from api.accounts.service import add_user
from api.channel.conversation import start_conversation, transcript
from api.core.migrate import upgrade_to_head
from api.handover import service as handover
from api.handover.models import HandoverCase
from common import db as core_db
from common.config import get_settings
from common.staff_accounts import User

LOCK_SECONDS = 2.0  # below SQLite's busy timeout (5 s): the waiting action then goes through
CACHED = (get_settings, core_db.get_engine, core_db.get_sessionmaker)
T = TypeVar("T")


@pytest.fixture
def app_with_a_waiting_case(tmp_path, monkeypatch):
    """An API on its own SQLite file (nothing left behind for other tests), a worker and a waiting case."""
    url = f"sqlite:///{tmp_path / 'handover.sqlite3'}"
    upgrade_to_head(url)
    monkeypatch.setenv("DATABASE_URL", url)
    for cached in CACHED:
        cached.cache_clear()
    from api.main import create_app

    with core_db.get_sessionmaker()() as session:
        worker = add_user(session, "onthaal-loop@elz.test", "onthaal", "correct horse battery staple")
        conversation = start_conversation(session, "rest", "nl").conversation
        case = HandoverCase(conversation_id=conversation.id, status="waiting", language="nl", urgency="normal",
                            urgency_rank=2, needs=[], vulnerability=[], complex_reasons=[], proposed_services=[],
                            knelpunten=[])
        session.add(case)
        session.commit()
        worker_id, case_id = worker.id, case.id
    yield create_app(), make_url(url).database, worker_id, case_id
    core_db.get_engine().dispose()
    for cached in CACHED:
        cached.cache_clear()


def hold_write_lock(path: str, taken: threading.Event, seconds: float) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")  # the write lock, as a busy writer (e.g. Rasa's actions, an import)
    taken.set()
    threading.Event().wait(seconds)
    connection.execute("ROLLBACK")
    connection.close()


def test_claim_and_resolve_waiting_for_the_write_lock_leave_the_event_loop_free(app_with_a_waiting_case):
    app, path, worker_id, case_id = app_with_a_waiting_case
    settings, events = get_settings(), app.state.citizen_socket

    async def while_locked(client: httpx.AsyncClient, action: Callable[[], Awaitable[T]]) -> T:
        taken = threading.Event()
        holder = threading.Thread(target=hold_write_lock, args=(path, taken, LOCK_SECONDS))
        holder.start()
        await asyncio.to_thread(taken.wait, 5)
        task = asyncio.create_task(action())
        await asyncio.sleep(0.2)  # the action's UPDATE is now waiting for the lock
        health = await client.get("/healthz")
        widget = await client.get("/widget/i18n/nl.json")
        # Both answered while the action still waits: the loop was free the whole time.
        assert not task.done()
        assert health.json()["components"]["database"]["ok"] is True
        assert widget.status_code == 200
        result = await task  # goes through once the lock is released
        await asyncio.to_thread(holder.join)
        return result

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as client:
            with core_db.get_sessionmaker()() as session:  # as a request's session
                worker = session.get(User, worker_id)
                session.commit()  # every SQLite transaction here takes the write lock: end it before locking
                case = await while_locked(client, lambda: handover.claim(session, settings, events, case_id, worker))
                assert (case.status, case.claimed_by) == ("claimed", worker_id)
                case = await while_locked(client, lambda: handover.resolve(
                    session, settings, events, case_id, worker, outcome="information", then="close"))
                assert (case.status, case.outcome) == ("resolved", "information")
                said = [m["custom"]["type"] for m in transcript(session, case.conversation_id)]
                assert said == ["handover_claimed", "handover_ended"]

    asyncio.run(scenario())
