"""The citizen channel end to end: socket.io in Rasa's protocol answered by the real bot, and
"forget this conversation" leaving no text in any store (API database, Rasa's tracker store, signals)."""

import random
import string
import time
from pathlib import Path

import httpx
import pytest
import socketio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dialogue import i18n

pytestmark = pytest.mark.stack


def receive(client: socketio.SimpleClient, name: str, timeout: float = 30) -> object:
    deadline = time.monotonic() + timeout
    while True:
        event, *args = client.receive(timeout=max(0.1, deadline - time.monotonic()))
        if event == name:
            return args[0] if args else None


@pytest.fixture
def citizen(stack):
    client = socketio.SimpleClient()
    client.connect(f"http://127.0.0.1:{stack.settings.api_port}", transports=["websocket"])
    yield client
    client.disconnect()


def test_socket_io_in_rasa_protocol_gets_the_bots_answer(citizen):
    citizen.emit("session_request", {"session_id": None})
    credentials = receive(citizen, "session_credentials")
    assert receive(citizen, "session_confirm") == credentials["session_id"]
    citizen.emit("user_uttered", {"message": "Bonjour", "session_id": credentials["session_id"]})
    assert receive(citizen, "bot_uttered")["text"] == i18n.text("utter_greet", "fr")
    citizen.emit("user_uttered", {"message": "hallo", "customData": {"lang": "en"}})
    assert receive(citizen, "bot_uttered")["text"] == i18n.text("utter_greet", "en")


def store_files(stack) -> list[Path]:
    """Every file of both stores (SQLite, as in the embedded stack), with write-ahead logs and journals."""
    files = []
    app_database = Path(make_url(stack.settings.database_url).database)
    for database in (app_database, stack.settings.rasa_tracker_sqlite_path):
        files += [p for p in database.parent.glob(database.name + "*") if p.is_file()]
    return files


def signals_with(stack, marker: str) -> list:
    engine = create_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(
                text("SELECT id, text, dedup_key, forget_key FROM signal WHERE text LIKE :m"),
                {"m": f"%{marker}%"},
            ))
    finally:
        engine.dispose()


def signal_count(stack) -> int:
    engine = create_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM signal")).scalar()
    finally:
        engine.dispose()


def test_a_forgotten_conversation_leaves_no_text_in_any_store(api, stack):
    # Letters only: the signal's scrubbing keeps an ordinary word but would take a long number out.
    marker = "zeldzaam" + "".join(random.choices(string.ascii_lowercase, k=10))
    started = api.post("/api/v1/conversations").json()
    headers = {"Authorization": f"Bearer {started['token']}"}
    # A knelpunt (waiting list) becomes a signal whose scrubbed text keeps the marker.
    for message in (f"er is nergens een huisarts die nog nieuwe patiënten aanneemt, overal een wachtlijst "
                    f"bij {marker}", f"hallo {marker}"):
        response = api.post("/webhooks/rest/webhook", headers=headers,
                            json={"sender": started["conversation_id"], "message": message})
        assert response.status_code == 200
    recorded = signals_with(stack, marker)
    assert len(recorded) == 1 and recorded[0].dedup_key and recorded[0].forget_key
    signals_before = signal_count(stack)
    tracker = httpx.get(f"{stack.settings.rasa_url}/conversations/{started['conversation_id']}/tracker",
                        params={"token": stack.settings.rasa_token}, timeout=30).json()
    assert any(marker in (e.get("text") or "") for e in tracker["events"])  # Rasa did store it
    assert any(marker.encode() in path.read_bytes() for path in store_files(stack))

    conversation_url = f"/api/v1/conversations/{started['conversation_id']}"
    assert api.delete(conversation_url, headers=headers).status_code == 204

    leftovers = [str(path) for path in store_files(stack) if marker.encode() in path.read_bytes()]
    assert leftovers == []
    assert api.get(f"{conversation_url}/messages", headers=headers).status_code == 401
    # The signal still counts, without its text and without any link to the conversation.
    assert signal_count(stack) == signals_before
    engine = create_engine(stack.settings.database_url)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT text, dedup_key, forget_key FROM signal WHERE id = :i"),
                                 {"i": recorded[0].id}).one()
    engine.dispose()
    assert tuple(row) == (None, None, None)


def test_an_idle_conversation_is_not_resumed_and_a_new_one_starts(citizen, stack):
    citizen.emit("session_request", {"session_id": None})
    old = receive(citizen, "session_credentials")
    receive(citizen, "session_confirm")
    engine = create_engine(stack.settings.database_url)
    with engine.begin() as connection:  # nobody wrote for longer than CITIZEN_IDLE_MINUTES
        connection.execute(text("UPDATE conversation SET last_activity_at = '2000-01-01 00:00:00' WHERE id = :i"),
                           {"i": old["session_id"]})
    engine.dispose()

    citizen.emit("session_request", {"session_id": old["session_id"], "token": old["token"]})

    assert receive(citizen, "session_expired") == {"session_id": old["session_id"]}
    new = receive(citizen, "session_credentials")
    assert new["session_id"] != old["session_id"]
    assert receive(citizen, "session_confirm") == new["session_id"]
