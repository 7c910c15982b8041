"""Forgetting: "forget this conversation" (the widget's button, or a bot reply of custom type
forget_conversation) and the retention period, in the API's store and in Rasa's tracker store."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.channel import conversation as conversation_service
from api.channel.conversation import start_conversation
from api.channel.events import NoLiveEvents
from api.channel.models import Conversation, Message
from api.flows.retention import purge_expired
from common.clock import utcnow
from common.config import get_settings, load_settings

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

    async def rasa_says_forget(settings, conversation_id, text_value, lang, **_options):
        return [{"recipient_id": conversation_id, **farewell}]

    monkeypatch.setattr(conversation_service, "ask_assistant", rasa_says_forget)
    body = {"sender": sender, "message": f"{MARKER} vergeet mij"}
    response = client.post("/webhooks/rest/webhook", json=body, headers=headers)

    assert response.status_code == 200
    delivered = [{key: r.get(key) for key in ("recipient_id", "text", "custom")} for r in response.json()]
    assert delivered == [{"recipient_id": sender, **farewell}]
    db_session.expire_all()
    assert db_session.get(Conversation, sender) is None
    assert db_session.query(Message).filter_by(conversation_id=sender).count() == 0
    assert tracker_events(tracker, sender) == 0


def test_custom_types_without_a_handler_change_nothing(client, db_session, monkeypatch):
    sender, headers = start(client)

    async def rasa_says(settings, conversation_id, text_value, lang, **_options):
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



# --- forgetting is complete and durable ----------------------------------------------------------------


def knelpunt_from(db_session, conversation_id: str, words: str):
    from dialogue.signal_recording import record_signal

    signal = record_signal(db_session, signal_type="knelpunt", category_ids=[], commune=None, language="nl",
                           source="citizen", barrier="waiting_list", text=words, conversation_key=conversation_id)
    assert signal is not None and signal.forget_key and signal.dedup_key
    return signal.id


def signal_rows(db_session) -> dict[int, tuple]:
    from dialogue.signal_models import Signal

    db_session.expire_all()
    return {s.id: (s.text, s.dedup_key, s.forget_key) for s in db_session.query(Signal)}


def test_forgetting_clears_the_text_and_link_of_the_conversations_signals(client, db_session, tracker):
    from dialogue.signal_models import SignalCount

    sender, headers = start(client)
    other, _ = start(client)
    forgotten_signal = knelpunt_from(db_session, sender, f"wachtlijst bij {MARKER}")
    kept_signal = knelpunt_from(db_session, other, f"wachtlijst bij {MARKER}")
    counts = sorted((c.month, c.category_id, c.n) for c in db_session.query(SignalCount))

    assert client.delete(f"/api/v1/conversations/{sender}", headers=headers).status_code == 204

    rows = signal_rows(db_session)
    assert rows[forgotten_signal] == (None, None, None)  # still counted, no words, no way back
    assert MARKER in rows[kept_signal][0] and rows[kept_signal][2]
    assert sorted((c.month, c.category_id, c.n) for c in db_session.query(SignalCount)) == counts
    from api.channel.models import PendingForget

    assert db_session.get(PendingForget, sender) is None  # done: nothing left to retry


def test_a_failing_tracker_store_keeps_the_request_until_a_retry_succeeds(db_session, tracker):
    from api.channel.models import PendingForget
    from api.flows.retention import forget_now, retry_pending_forgets

    conversation = start_conversation(db_session, "rest").conversation
    conversation_service.record_message(db_session, conversation, "citizen", MARKER)
    add_tracker_events(tracker, conversation.id, MARKER)
    signal_id = knelpunt_from(db_session, conversation.id, f"te duur {MARKER}")
    conversation_id = conversation.id
    down = load_settings(rasa_tracker_db_url="postgresql://nobody@127.0.0.1:1/rasa_tracker")

    forget_now(db_session, down, conversation_id)

    # The API's rows and the signal's words are gone at once; Rasa's events wait for the retry.
    db_session.expire_all()
    assert db_session.get(Conversation, conversation_id) is None
    assert signal_rows(db_session)[signal_id] == (None, None, None)
    assert tracker_events(tracker, conversation_id) == 1
    pending = db_session.get(PendingForget, conversation_id)
    assert pending is not None and pending.attempts == 1

    assert retry_pending_forgets(db_session, down) == 0  # still down: kept
    assert retry_pending_forgets(db_session, get_settings()) == 1  # the retention task, once it is back
    assert tracker_events(tracker, conversation_id) == 0
    db_session.expire_all()
    assert db_session.get(PendingForget, conversation_id) is None


def test_orphaned_tracker_events_are_swept_after_the_retention_period(db_session, tracker):
    from api.flows.retention import sweep_orphaned_tracker_events

    known = start_conversation(db_session, "rest").conversation
    for sender in (known.id, "orphan-of-a-crash", "recent-orphan"):
        add_tracker_events(tracker, sender, MARKER)
    with tracker.begin() as connection:  # every event 40 days old, except the recent orphan's
        old = (utcnow() - timedelta(days=40)).timestamp()
        connection.execute(text("UPDATE events SET timestamp = :t WHERE sender_id != 'recent-orphan'"), {"t": old})
        connection.execute(text("UPDATE events SET timestamp = :t WHERE sender_id = 'recent-orphan'"),
                           {"t": utcnow().timestamp()})

    # At least this orphan (on a shared PostgreSQL database, other tests' leftovers are orphans too).
    assert sweep_orphaned_tracker_events(db_session, get_settings()) >= 1

    assert tracker_events(tracker, "orphan-of-a-crash") == 0
    assert tracker_events(tracker, "recent-orphan") == 1  # may still be in use
    assert tracker_events(tracker, known.id) == 1  # the API knows it: its own retention decides


def test_retention_keeps_the_scrubbed_signal_text_but_drops_its_link(db_session, tracker):
    old = start_conversation(db_session, "rest").conversation
    signal_id = knelpunt_from(db_session, old.id, "wachtlijst van drie maanden")
    old.last_activity_at = utcnow() - timedelta(days=31)
    db_session.commit()
    assert asyncio.run(purge_expired(db_session, load_settings(retention_days=30))) >= 1
    assert signal_rows(db_session)[signal_id] == ("wachtlijst van drie maanden", None, None)
