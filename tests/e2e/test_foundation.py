"""End to end through the three real processes: API -> Rasa (trained model) -> action server -> back."""

from dataclasses import dataclass

import httpx
import pytest

from dialogue import i18n

pytestmark = pytest.mark.stack


@dataclass(frozen=True)
class Conversation:
    """A conversation started through the API: its id (Rasa's sender id) and the token that opens it."""

    id: str
    token: str


def say(api: httpx.Client, conversation: Conversation, text: str, **metadata) -> list[dict]:
    response = api.post(
        "/webhooks/rest/webhook",
        json={"sender": conversation.id, "message": text, "metadata": metadata},
        headers={"Authorization": f"Bearer {conversation.token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def new_conversation(api: httpx.Client) -> Conversation:
    response = api.post("/api/v1/conversations")
    assert response.status_code == 201, response.text
    return Conversation(response.json()["conversation_id"], response.json()["token"])


def test_health_reports_every_component_ready(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    components = response.json()["components"]
    assert set(components) == {"database", "rasa", "action_server"}
    assert all(c["ok"] for c in components.values())
    assert "gbo.tar.gz" in components["rasa"]["detail"]


@pytest.mark.parametrize(
    ("greeting", "language"),
    [("Goeiemorgen", "nl"), ("hallo, goedendag", "nl"), ("Bonjour", "fr"), ("salut", "fr"), ("Hello", "en")],
)
def test_greeting_comes_back_in_the_same_language(api, greeting, language):
    replies = say(api, new_conversation(api), greeting)
    assert [r["text"] for r in replies] == [i18n.text("utter_greet", language)]


def test_conversation_keeps_its_language(api):
    sender = new_conversation(api)
    say(api, sender, "bonjour")
    replies = say(api, sender, "merci")
    assert [r["text"] for r in replies] == [i18n.text("utter_you_are_welcome", "fr")]


def test_channel_language_wins(api):
    replies = say(api, new_conversation(api), "hallo", lang="fr")
    assert replies[0]["text"] == i18n.text("utter_greet", "fr")


def test_conversation_survives_a_rasa_restart(api, stack):
    sender = new_conversation(api)
    say(api, sender, "Bonjour")
    stack.stop_process("rasa")
    stack.start_process("rasa")
    stack.wait_until_healthy(timeout_seconds=300)
    tracker = httpx.get(
        f"{stack.settings.rasa_url}/conversations/{sender.id}/tracker",
        params={"token": stack.settings.rasa_token}, timeout=30,
    ).json()
    assert tracker["slots"]["language"] == "fr"
    assert any(e.get("text") == "Bonjour" for e in tracker["events"] if e["event"] == "user")


def test_health_is_503_while_the_action_server_is_down(api, stack):
    stack.stop_process("actions")
    try:
        response = api.get("/healthz")
        assert response.status_code == 503
        components = response.json()["components"]
        assert components["action_server"]["ok"] is False
        assert components["rasa"]["ok"] and components["database"]["ok"]
    finally:
        stack.start_process("actions")
        stack.wait_until_healthy(timeout_seconds=120)


def test_citizen_gets_a_clear_answer_in_their_language_when_rasa_is_down(api, stack):
    stack.stop_process("rasa")
    try:
        replies = say(api, new_conversation(api), "je n'arrive plus à payer mon loyer, aidez-moi")
        assert len(replies) == 1
        assert replies[0]["custom"]["type"] == "assistant_unavailable"
        assert stack.settings.onthaal_phone in replies[0]["text"]
        assert replies[0]["text"].startswith(i18n.text("api_assistant_unavailable", "fr", phone="", hours="")[:30])
        assert api.get("/healthz").status_code == 503
    finally:
        stack.start_process("rasa")
        stack.wait_until_healthy(timeout_seconds=300)
