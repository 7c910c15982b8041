"""The citizen REST channel at the API boundary: starting a conversation, its token, validation, and a
clear answer when Rasa is unreachable. (The conftest points RASA_URL at a closed port, so these tests
meet Rasa "down".)"""

import asyncio

import pytest

from api.channel.conversation import post_worker_message, start_conversation, transcript
from api.channel.events import NoLiveEvents
from api.channel.models import Conversation, Message
from common.config import get_settings
from dialogue import i18n


def start(client, **body) -> tuple[str, dict]:
    response = client.post("/api/v1/conversations", json=body or None)
    assert response.status_code == 201, response.text
    started = response.json()
    return started["conversation_id"], {"Authorization": f"Bearer {started['token']}"}


def say(client, sender, headers, text, **metadata):
    body = {"sender": sender, "message": text, "metadata": metadata}
    return client.post("/webhooks/rest/webhook", json=body, headers=headers)


def test_rasa_unreachable_gives_the_onthaal_phone_in_the_citizens_language(client, db_session):
    sender, headers = start(client)
    response = say(client, sender, headers, "bonjour, j'ai besoin d'aide")
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["recipient_id"] == sender
    assert reply["custom"]["type"] == "assistant_unavailable"
    settings = get_settings()
    assert reply["text"] == i18n.text(
        "api_assistant_unavailable", "fr", phone=settings.onthaal_phone, hours=settings.onthaal_hours_fr
    )
    assert db_session.get(Conversation, sender) is not None


def test_nothing_the_citizen_wrote_is_lost_when_rasa_is_down(client, db_session):
    sender, headers = start(client)
    say(client, sender, headers, "ik kan mijn huur niet meer betalen")
    messages = db_session.query(Message).filter_by(conversation_id=sender).order_by(Message.id).all()
    assert [(m.author, m.text) for m in messages][0] == ("citizen", "ik kan mijn huur niet meer betalen")
    assert messages[1].author == "bot" and messages[1].payload["custom"]["type"] == "assistant_unavailable"


def test_requested_language_is_used_for_the_fallback(client):
    sender, headers = start(client)
    response = say(client, sender, headers, "hallo", lang="en")
    assert response.json()[0]["text"].startswith("Sorry, the assistant cannot answer right now.")


def test_language_chosen_when_starting_is_kept(client, db_session):
    sender, headers = start(client, lang="fr")
    assert db_session.get(Conversation, sender).language == "fr"
    reply = say(client, sender, headers, "hallo").json()[0]
    assert reply["text"].startswith(i18n.text("api_assistant_unavailable", "fr", phone="", hours="")[:20])


def test_conversation_ids_and_tokens_are_unguessable_and_the_token_is_not_stored(client, db_session):
    ids, tokens = set(), set()
    for _ in range(5):
        response = client.post("/api/v1/conversations").json()
        ids.add(response["conversation_id"])
        tokens.add(response["token"])
        stored = db_session.get(Conversation, response["conversation_id"])
        assert stored.token_hash and response["token"] not in stored.token_hash
    assert len(ids) == len(tokens) == 5
    assert all(len(i) >= 32 and len(t) >= 40 for i, t in zip(ids, tokens, strict=True))


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic abc"}]
)
def test_a_conversation_needs_its_own_token(client, headers):
    sender, _ = start(client)
    response = say(client, sender, headers, "hallo")
    assert response.status_code == 401
    assert "POST /api/v1/conversations" in response.json()["detail"]


def test_one_citizens_token_does_not_open_another_conversation(client):
    first, first_headers = start(client)
    second, _ = start(client)
    assert say(client, second, first_headers, "hallo").status_code == 401
    assert client.get(f"/api/v1/conversations/{second}/messages", headers=first_headers).status_code == 401
    assert client.delete(f"/api/v1/conversations/{second}", headers=first_headers).status_code == 401
    assert say(client, first, first_headers, "hallo").status_code == 200


def test_unknown_conversation_is_401_not_created(client, db_session):
    response = say(client, "c0ffee00c0ffee00", {"Authorization": "Bearer " + "x" * 43}, "hallo")
    assert response.status_code == 401
    assert db_session.get(Conversation, "c0ffee00c0ffee00") is None


def test_transcript_comes_back_in_order_with_authors(client):
    sender, headers = start(client)
    say(client, sender, headers, "eerste bericht")
    say(client, sender, headers, "tweede bericht")
    messages = client.get(f"/api/v1/conversations/{sender}/messages", headers=headers).json()
    assert [(m["author"], m.get("text")) for m in messages][::2] == [
        ("citizen", "eerste bericht"), ("citizen", "tweede bericht")
    ]
    assert [m["author"] for m in messages[1::2]] == ["bot", "bot"]
    assert all(m["at"] for m in messages)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sender": "short", "message": "hallo"}, "sender"),
        ({"sender": "a b c d e f g h", "message": "hallo"}, "sender"),
        ({"sender": "c0ffee00c0ffee00", "message": "x" * 5001}, "message"),
        ({"sender": "c0ffee00c0ffee00"}, "message"),
        ({"sender": "c0ffee00c0ffee00", "message": "hallo", "metadata": "nl"}, "metadata"),
    ],
)
def test_bad_input_is_a_clear_422(client, body, field):
    response = client.post("/webhooks/rest/webhook", json=body)
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["detail"]] == [field]


def test_bad_language_when_starting_is_a_clear_422(client):
    response = client.post("/api/v1/conversations", json={"lang": "de"})
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["detail"]] == ["lang"]


def test_health_is_503_with_reasons_when_rasa_and_actions_are_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["rasa"]["ok"] is False and "unreachable" in components["rasa"]["detail"]
    assert components["action_server"]["ok"] is False


def test_a_workers_message_is_stored_once_and_delivered_as_the_workers(db_session):
    delivered = []

    class Recorder(NoLiveEvents):
        async def bot_uttered(self, conversation_id, reply, author="bot"):
            delivered.append((conversation_id, reply["text"], author))

    conversation = start_conversation(db_session, "socketio").conversation
    asyncio.run(post_worker_message(db_session, Recorder(), conversation, "Ik neem over."))
    assert delivered == [(conversation.id, "Ik neem over.", "worker")]
    assert [(m["author"], m["text"]) for m in transcript(db_session, conversation.id)] == [
        ("worker", "Ik neem over.")
    ]


def test_an_empty_answer_from_the_assistant_gets_the_fallback(client, monkeypatch):
    """Rasa answers nothing when a custom action fails (action server down): the citizen still gets an answer."""
    import httpx

    from api.channel import conversation as conversation_service
    from api.channel.rasa_client import RasaClient

    silent = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    monkeypatch.setattr(conversation_service, "rasa_client", lambda settings: RasaClient(settings, silent))
    sender, headers = start(client, lang="nl")
    [reply] = say(client, sender, headers, "hallo").json()
    assert reply["custom"]["type"] == "assistant_unavailable"
