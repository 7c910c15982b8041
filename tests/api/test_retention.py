"""Forgetting: "forget this conversation" (the widget's button, or a bot reply of custom type
forget_conversation) and the retention period, in the API's store and in Rasa's tracker store."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.core.config import get_settings, load_settings
from api.models import Conversation, Message, utcnow
from api.services import conversation as conversation_service
from api.services.conversation import NoLiveEvents, start_conversation
from api.services.retention import purge_expired

# Rasa 3.6's SQLTrackerStore table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
RASA_EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT
)"""
MARKER = "geheimwoord-zonder-weerga"


@pytest.fixture(params=["sqlite", "same database"])
def tracker(request, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch):
    """A tracker store with Rasa's events table: its own SQLite file, or the test database (PostgreSQL
    when the test runs on PostgreSQL, as in production)."""
    if request.param == "same database" and database_url.startswith("sqlite"):
        pytest.skip("Rasa shares a database server with the API only on PostgreSQL")
    url = f"sqlite:///{tmp_path / 'tracker.sqlite3'}" if request.param == "sqlite" else database_url
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text(RASA_EVENTS_DDL.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
                                if engine.dialect.name == "postgresql" else RASA_EVENTS_DDL))
    monkeypatch.setenv("RASA_TRACKER_DB_URL", url)
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()
    engine.dispose()


def add_tracker_events(engine, sender_id: str, text_value: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', 0, :d)"),
            {"s": sender_id, "d": f'{{"event": "user", "text": "{text_value}"}}'},
        )


def tracker_events(engine, sender_id: str) -> int:
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM events WHERE sender_id = :s")
        return connection.execute(query, {"s": sender_id}).scalar()


def start(client) -> tuple[str, dict]:
    started = client.post("/api/v1/conversations").json()
    return started["conversation_id"], {"Authorization": f"Bearer {started['token']}"}


def test_forget_this_conversation_deletes_it_everywhere(client, db_session, tracker, tmp_path):
    sender, headers = start(client)
    other, other_headers = start(client)
    for conversation_id, hdrs in ((sender, headers), (other, other_headers)):
        client.post("/webhooks/rest/webhook", json={"sender": conversation_id, "message": f"{MARKER} hallo"},
                    headers=hdrs)
        add_tracker_events(tracker, conversation_id, f"{MARKER} hallo")

    response = client.delete(f"/api/v1/conversations/{sender}", headers=headers)

    assert response.status_code == 204
    db_session.expire_all()
    assert db_session.get(Conversation, sender) is None
    assert db_session.query(Message).filter_by(conversation_id=sender).count() == 0
    assert tracker_events(tracker, sender) == 0
    # The other citizen's conversation is untouched.
    assert db_session.query(Message).filter_by(conversation_id=other).count() == 2
    assert tracker_events(tracker, other) == 1
    # The token no longer opens anything.
    assert client.get(f"/api/v1/conversations/{sender}/messages", headers=headers).status_code == 401
    if tracker.dialect.name == "sqlite" and Path(tracker.url.database).parent == tmp_path:
        # secure_delete: the forgotten text is not left in the file's free pages either.
        client.delete(f"/api/v1/conversations/{other}", headers=other_headers)
        assert MARKER.encode() not in Path(tracker.url.database).read_bytes()


def test_a_bot_reply_of_type_forget_conversation_is_delivered_then_everything_is_forgotten(
    client, db_session, tracker, monkeypatch
):
    sender, headers = start(client)
    add_tracker_events(tracker, sender, MARKER)
    farewell = {"text": "Je gesprek is vergeten.", "custom": {"type": "forget_conversation"}}

    async def rasa_says_forget(settings, conversation_id, text_value, lang):
        return [{"recipient_id": conversation_id, **farewell}]

    monkeypatch.setattr(conversation_service, "ask_assistant", rasa_says_forget)
    body = {"sender": sender, "message": f"{MARKER} vergeet mij"}
    response = client.post("/webhooks/rest/webhook", json=body, headers=headers)

    assert response.status_code == 200
    assert response.json() == [{"recipient_id": sender, **farewell}]
    db_session.expire_all()
    assert db_session.get(Conversation, sender) is None
    assert db_session.query(Message).filter_by(conversation_id=sender).count() == 0
    assert tracker_events(tracker, sender) == 0


def test_custom_types_without_a_handler_change_nothing(client, db_session, monkeypatch):
    sender, headers = start(client)

    async def rasa_says(settings, conversation_id, text_value, lang):
        return [{"recipient_id": conversation_id, "custom": {"type": "service_list", "services": []}}]

    monkeypatch.setattr(conversation_service, "ask_assistant", rasa_says)
    client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hallo"}, headers=headers)
    assert db_session.query(Message).filter_by(conversation_id=sender).count() == 2


def test_retention_deletes_conversations_whose_last_message_is_too_old(db_session, tracker):
    settings = load_settings(rasa_tracker_db_url=str(tracker.url.render_as_string(hide_password=False)),
                             retention_days=30)
    old = start_conversation(db_session, "rest").conversation
    recent = start_conversation(db_session, "rest").conversation
    for conversation in (old, recent):
        conversation_service.record_message(db_session, conversation, "citizen", MARKER)
        add_tracker_events(tracker, conversation.id, MARKER)
    old_id, recent_id = old.id, recent.id
    old.last_activity_at = utcnow() - timedelta(days=31)
    recent.last_activity_at = utcnow() - timedelta(days=29)
    db_session.commit()

    deleted = asyncio.run(purge_expired(db_session, settings, NoLiveEvents()))

    assert deleted == 1
    db_session.expire_all()
    assert db_session.get(Conversation, old_id) is None
    assert db_session.query(Message).filter_by(conversation_id=old_id).count() == 0
    assert tracker_events(tracker, old_id) == 0
    assert db_session.get(Conversation, recent_id) is not None
    assert tracker_events(tracker, recent_id) == 1
    # A later run 2 days on takes the other one.
    assert asyncio.run(purge_expired(db_session, settings, now=utcnow() + timedelta(days=2))) == 1


def test_retention_without_a_tracker_table_still_cleans_the_api_store(db_session, tmp_path):
    settings = load_settings(rasa_tracker_db_url=f"sqlite:///{tmp_path / 'never-used.sqlite3'}")
    old = start_conversation(db_session, "rest").conversation
    old.last_activity_at = utcnow() - timedelta(days=400)
    db_session.commit()
    assert asyncio.run(purge_expired(db_session, settings)) == 1

