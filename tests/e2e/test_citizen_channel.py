"""The citizen channel end to end: socket.io in Rasa's protocol answered by the real bot, and
"forget this conversation" leaving no text in any store (API database, Rasa's tracker store)."""

import time
from pathlib import Path

import httpx
import pytest
import socketio
from sqlalchemy.engine import make_url

from api import i18n

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


def test_a_forgotten_conversation_leaves_no_text_in_any_store(api, stack):
    marker = f"zeldzaamwoord{time.monotonic_ns()}"
    started = api.post("/api/v1/conversations").json()
    headers = {"Authorization": f"Bearer {started['token']}"}
    for text in (f"hallo {marker}", f"ik zoek hulp voor {marker}"):
        response = api.post("/webhooks/rest/webhook", headers=headers,
                            json={"sender": started["conversation_id"], "message": text})
        assert response.status_code == 200
    tracker = httpx.get(f"{stack.settings.rasa_url}/conversations/{started['conversation_id']}/tracker",
                        params={"token": stack.settings.rasa_token}, timeout=30).json()
    assert any(marker in (e.get("text") or "") for e in tracker["events"])  # Rasa did store it
    assert any(marker.encode() in path.read_bytes() for path in store_files(stack))

    conversation_url = f"/api/v1/conversations/{started['conversation_id']}"
    assert api.delete(conversation_url, headers=headers).status_code == 204

    leftovers = [str(path) for path in store_files(stack) if marker.encode() in path.read_bytes()]
    assert leftovers == []
    assert api.get(f"{conversation_url}/messages", headers=headers).status_code == 401
