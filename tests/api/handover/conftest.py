"""Fixtures for the handover tests: a clean database, staff per role, a conversation with an open case,
and a recorder standing in for the citizens' live channel."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api import flows
from api.channel.conversation import start_conversation
from api.channel.events import NoLiveEvents
from api.channel.hooks import hooks
from api.handover.models import HandoverCase
from common.config import load_settings
from tests.support import staff_user

# Always open, so the citizen is told their place in the queue (opening hours have their own tests).
ALWAYS_OPEN = ";".join(f"{day}=00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))

MARIE_ROSE_SUMMARY = {
    "language": "nl", "commune": "21001", "postcode": "1070",
    "needs": [{"id": 489, "name": "Thuiszorg"}, {"id": 602, "name": "Geweld"}],
    "target_group": "elderly", "age_band": "65-79", "urgency": "high", "crisis_kind": None,
    "vulnerability": ["alone", "elderly"], "complex_reasons": ["several_needs", "violence"],
    "proposed_services": [],
}


class Recorder(NoLiveEvents):
    """The citizens' live channel (api.channel.realtime), recorded: what each widget would receive."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    async def bot_uttered(self, conversation_id: str, reply: dict[str, Any], author: str = "bot") -> None:
        self.sent.append((conversation_id, reply, author))

    async def forgotten(self, conversation_id: str) -> None:
        self.sent.append((conversation_id, {"forgotten": True}, "api"))

    def customs(self, conversation_id: str) -> list[str]:
        return [r["custom"]["type"] for c, r, _ in self.sent if c == conversation_id and r.get("custom")]


@pytest.fixture
def db_session(db_session: Session) -> Session:
    """The shared db_session, starting empty (on SQLite committed work would leak between tests)."""
    for table in ("handover_audit", "handover_case", "message", "conversation", "signal_event",
                  "signal_category", "signal_count", "signal", "app_user"):
        db_session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
    db_session.commit()
    return db_session


@pytest.fixture
def settings():
    return load_settings(gbo_env="test", onthaal_opening_hours=ALWAYS_OPEN, rasa_url="http://127.0.0.1:9",
                         rasa_timeout_seconds=0.5)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def open_case(db_session: Session, settings, recorder) -> Callable[..., HandoverCase]:
    """A conversation handed over as the assistant does it (its `handover_requested` reply)."""

    def make(**summary: Any) -> HandoverCase:
        conversation = start_conversation(db_session, "rest", "nl").conversation
        reply = {"text": "...", "custom": {"type": "handover_requested",
                                           "summary": {**MARIE_ROSE_SUMMARY, **summary}}}
        flows.register()
        handler = hooks.after_reply["handover_requested"]
        asyncio.run(handler(db_session, settings, recorder, conversation.id, reply))
        return db_session.query(HandoverCase).filter_by(conversation_id=conversation.id).one()

    return make


@pytest.fixture
def staff(db_session: Session) -> Callable[[str], dict[str, str]]:
    """Authorization headers of a fresh user with this role."""
    def headers(role: str) -> dict[str, str]:
        return staff_user(db_session, role, "elz.test")[1]

    return headers


@pytest.fixture
def api(client, recorder, settings, monkeypatch):
    """The test client, with the live channel recorded and the test's settings."""
    import api.handover.routes as routes

    client.app.state.citizen_socket = recorder
    monkeypatch.setattr(routes, "get_settings", lambda: settings)
    return client
