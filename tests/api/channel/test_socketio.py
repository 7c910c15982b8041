"""The socket.io channel on real API processes, spoken as Rasa's socketio protocol with a plain
socket.io client; Rasa is down or slow here, so the API's own answers are what comes back."""

import json
import socket
import time

import httpx
import pytest
import socketio

from common.config import load_settings
from dialogue import i18n

SETTINGS = load_settings()


def connect(api) -> socketio.SimpleClient:
    client = socketio.SimpleClient()
    client.connect(api.url, transports=["websocket"], socketio_path="socket.io")
    return client


# why this long: a liveness bound, not a latency target (tests that promise a delay assert it themselves);
# a CI machine busy with Rasa and a browser once took over 5 s to confirm a session.
PATIENCE_SECONDS = 20


def receive(client: socketio.SimpleClient, name: str, timeout: float = PATIENCE_SECONDS) -> object:
    """The payload of the next `name` event (other events before it are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {name} event within {timeout} s")
        event, *args = client.receive(timeout=left)
        if event == name:
            return args[0] if args else None


def receive_text(client: socketio.SimpleClient, timeout: float = PATIENCE_SECONDS) -> str:
    """The text of the next bot message (custom payloads, emitted on their own, are skipped)."""
    while True:
        message = receive(client, "bot_uttered", timeout)
        if "text" in message:
            return message["text"]


def new_session(client: socketio.SimpleClient) -> dict:
    client.emit("session_request", {"session_id": None})
    credentials = receive(client, "session_credentials")
    assert receive(client, "session_confirm") == credentials["session_id"]
    return credentials


def conversation_with_one_message(api, text: str) -> dict:
    """The credentials of a new conversation in which the citizen said `text` (in Dutch) and got an answer."""
    with connect(api) as client:
        credentials = new_session(client)
        client.emit("user_uttered", {"message": text, "customData": {"lang": "nl"}})
        receive(client, "bot_uttered")
    return credentials


def transcript(api, credentials: dict) -> list[dict]:
    response = httpx.get(f"{api.url}/api/v1/conversations/{credentials['session_id']}/messages",
                         headers={"Authorization": f"Bearer {credentials['token']}"})
    assert response.status_code == 200
    return response.json()


def test_session_request_starts_an_unguessable_conversation(api):
    with connect(api) as client:
        first = new_session(client)
    with connect(api) as client:
        second = new_session(client)
    assert first["session_id"] != second["session_id"] and len(first["session_id"]) >= 32
    assert first["token"] != second["token"] and len(first["token"]) >= 40


def test_message_gets_the_fallback_within_three_seconds_and_is_stored(api):
    with connect(api) as client:
        credentials = new_session(client)
        started = time.monotonic()
        client.emit("user_uttered", {"message": "Bonjour, j'ai besoin d'aide",
                                     "session_id": credentials["session_id"], "customData": {"lang": "fr"}})
        reply = receive(client, "bot_uttered")
        assert time.monotonic() - started < 3
        custom = receive(client, "bot_uttered")
    # Exactly the shapes of Rasa's socketio channel: the text, then the custom payload on its own.
    # (plus metadata.lang, the reply's language, which Rasa widgets ignore)
    assert reply == {"text": i18n.text("api_assistant_unavailable", "fr", phone=SETTINGS.onthaal_phone,
                                       hours=SETTINGS.onthaal_hours_fr), "metadata": {"lang": "fr"}}
    assert custom == {"custom": {"type": "assistant_unavailable", "phone": SETTINGS.onthaal_phone,
                                 "hours": SETTINGS.onthaal_hours_fr}, "metadata": {"lang": "fr"}}
    assert [(m["author"], m.get("text")) for m in transcript(api, credentials)] == [
        ("citizen", "Bonjour, j'ai besoin d'aide"), ("bot", reply["text"])
    ]


def test_a_silent_assistant_gets_a_notice_within_three_seconds_then_the_fallback(start_api):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        api = start_api(rasa_url=f"http://127.0.0.1:{silent.getsockname()[1]}", rasa_timeout_seconds=5)
        with connect(api) as client:
            new_session(client)
            started = time.monotonic()
            client.emit("user_uttered", {"message": "hello, I need help", "customData": {"lang": "en"}})
            notice = receive(client, "bot_uttered", timeout=5)
            assert time.monotonic() - started < 3
            reply = receive(client, "bot_uttered", timeout=10)
    assert notice["text"] == i18n.text("api_assistant_slow", "en")
    assert SETTINGS.onthaal_phone in reply["text"] and reply["text"].startswith("Sorry")


def test_metadata_as_a_json_string_and_under_metadata_is_accepted(api):
    with connect(api) as client:
        new_session(client)
        client.emit("user_uttered", {"message": "hallo", "customData": json.dumps({"lang": "en"})})
        assert receive_text(client).startswith("Sorry, the assistant")
        client.emit("user_uttered", {"message": "hallo", "metadata": {"lang": "fr"}})
        assert receive_text(client).startswith("Désolé")


def test_reconnecting_with_id_and_token_resumes_and_gets_the_history(api):
    credentials = conversation_with_one_message(api, "mijn eerste vraag")
    with connect(api) as client:
        client.emit("session_request", credentials)
        assert receive(client, "session_confirm") == credentials["session_id"]
        history = receive(client, "session_history")
    assert history["session_id"] == credentials["session_id"]
    assert [m["author"] for m in history["messages"]] == ["citizen", "bot"]
    assert history["messages"][0]["text"] == "mijn eerste vraag"


def test_someone_elses_session_id_without_the_token_gets_a_new_conversation(api):
    victim = conversation_with_one_message(api, "privé")
    with connect(api) as attacker:
        attacker.emit("session_request", {"session_id": victim["session_id"], "token": "guess"})
        mine = receive(attacker, "session_credentials")
        assert receive(attacker, "session_confirm") == mine["session_id"] != victim["session_id"]
        # A session_id inside a message is never trusted: this lands in the attacker's own conversation.
        attacker.emit("user_uttered", {"message": "injected", "session_id": victim["session_id"]})
        receive(attacker, "bot_uttered")
    assert [m.get("text") for m in transcript(api, victim) if m["author"] == "citizen"] == ["privé"]
    assert [m.get("text") for m in transcript(api, mine) if m["author"] == "citizen"] == ["injected"]


def test_a_rasa_widget_without_session_request_still_gets_answers(api):
    with connect(api) as client:
        client.emit("user_uttered", {"message": "hallo"})
        assert receive(client, "session_confirm")
        assert receive(client, "bot_uttered")["text"].startswith("Sorry, de assistent")


def test_too_long_message_is_refused_in_the_citizens_language(api):
    with connect(api) as client:
        credentials = new_session(client)
        client.emit("user_uttered", {"message": "x" * 5001, "customData": {"lang": "fr"}})
        reply = receive(client, "bot_uttered")
    assert reply == {"text": i18n.text("api_message_too_long", "fr", limit="5000")}
    assert transcript(api, credentials) == []


def test_rate_limit_per_conversation(start_api):
    api = start_api(rate_limit_per_conversation="2")
    with connect(api) as client:
        new_session(client)
        texts = []
        for _ in range(3):
            client.emit("user_uttered", {"message": "hallo", "customData": {"lang": "nl"}})
            texts.append(receive_text(client))
    assert texts[0] == texts[1] != texts[2] == i18n.text("api_rate_limited", "nl")


def test_forgetting_tells_every_connected_client(api):
    with connect(api) as client, connect(api) as second_tab:
        credentials = new_session(client)
        second_tab.emit("session_request", credentials)
        receive(second_tab, "session_confirm")
        response = httpx.delete(f"{api.url}/api/v1/conversations/{credentials['session_id']}",
                                headers={"Authorization": f"Bearer {credentials['token']}"})
        assert response.status_code == 204
        for tab in (client, second_tab):
            assert receive(tab, "conversation_forgotten") == {"session_id": credentials["session_id"]}


def test_socket_io_refuses_browsers_from_other_sites(start_api):
    api = start_api(cors_allowed_origins="https://www.elz-brussel.example")
    polling = f"{api.url}/socket.io/?EIO=4&transport=polling"
    assert httpx.get(polling, headers={"Origin": "https://evil.example"}).status_code == 400
    assert httpx.get(polling, headers={"Origin": "https://www.elz-brussel.example"}).status_code == 200
    assert httpx.get(polling, headers={"Origin": api.url}).status_code == 200


@pytest.mark.parametrize("via", ["rest", "socket"])
def test_with_redis_a_message_from_one_api_process_reaches_a_citizen_on_another(
    start_api, redis_settings, via
):
    first = start_api(**redis_settings)
    second = start_api(**redis_settings)
    with connect(second) as citizen:
        credentials = new_session(citizen)
        if via == "rest":
            # The same conversation, served by the first process: its reply is emitted by that process.
            response = httpx.post(
                f"{first.url}/webhooks/rest/webhook",
                json={"sender": credentials["session_id"], "message": "hallo", "metadata": {"lang": "nl"}},
                headers={"Authorization": f"Bearer {credentials['token']}"},
            )
            assert response.status_code == 200
            expected = response.json()[0]["text"]
        else:
            with connect(first) as other_tab:
                other_tab.emit("session_request", credentials)
                receive(other_tab, "session_confirm")
                other_tab.emit("user_uttered", {"message": "hallo", "customData": {"lang": "nl"}})
                expected = receive_text(other_tab)
        assert receive_text(citizen) == expected


def test_without_redis_processes_do_not_share_live_events(start_api):
    """The counter-proof of the test above: the Redis manager is what carries the event across."""
    first, second = start_api(), start_api()
    with connect(second) as citizen:
        credentials = new_session(citizen)
        httpx.post(f"{first.url}/webhooks/rest/webhook",
                   json={"sender": credentials["session_id"], "message": "hallo"},
                   headers={"Authorization": f"Bearer {credentials['token']}"})
        with pytest.raises(socketio.exceptions.TimeoutError):
            citizen.receive(timeout=1.5)


def test_reply_shapes_are_rasas():
    from api.channel.realtime import socket_messages

    reply = {"recipient_id": "x", "text": "Eerst dit.\n\nDan dat.",
             "buttons": [{"title": "Ja", "payload": "/affirm"}],
             "image": "https://example.org/a.png", "custom": {"type": "service_list", "services": []}}
    yes = {"content_type": "text", "title": "Ja", "payload": "/affirm"}
    assert socket_messages(reply) == [
        {"text": "Eerst dit."},
        {"text": "Dan dat.", "quick_replies": [yes]},
        {"attachment": {"type": "image", "payload": {"src": "https://example.org/a.png"}}},
        {"custom": {"type": "service_list", "services": []}},
    ]
    assert socket_messages({"text": "Ik neem het over."}, author="worker") == [
        {"text": "Ik neem het over.", "metadata": {"author": "worker"}}
    ]
