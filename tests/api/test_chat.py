"""The citizen REST channel at the API boundary: validation, and a clear answer when Rasa is unreachable.
(The conftest points RASA_URL at a closed port, so these tests meet Rasa "down".)"""

import pytest

from api import i18n
from api.core.config import get_settings
from api.models import Conversation

SENDER = "c0ffee00c0ffee00"


def test_rasa_unreachable_gives_the_onthaal_phone_in_the_citizens_language(client, db_session):
    response = client.post("/webhooks/rest/webhook", json={"sender": SENDER, "message": "bonjour, j'ai besoin d'aide"})
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["recipient_id"] == SENDER
    assert reply["custom"]["type"] == "assistant_unavailable"
    settings = get_settings()
    assert reply["text"] == i18n.text(
        "api_assistant_unavailable", "fr", phone=settings.onthaal_phone, hours=settings.onthaal_hours_fr
    )
    assert db_session.get(Conversation, SENDER) is not None


def test_requested_language_is_used_for_the_fallback(client):
    response = client.post(
        "/webhooks/rest/webhook", json={"sender": SENDER, "message": "hallo", "metadata": {"lang": "en"}}
    )
    assert response.json()[0]["text"].startswith("Sorry, the assistant cannot answer right now.")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sender": "short", "message": "hallo"}, "sender"),
        ({"sender": "a b c d e f g h", "message": "hallo"}, "sender"),
        ({"sender": SENDER, "message": "x" * 5001}, "message"),
        ({"sender": SENDER}, "message"),
        ({"sender": SENDER, "message": "hallo", "metadata": "nl"}, "metadata"),
    ],
)
def test_bad_input_is_a_clear_422(client, body, field):
    response = client.post("/webhooks/rest/webhook", json=body)
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["detail"]] == [field]


def test_health_is_503_with_reasons_when_rasa_and_actions_are_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["rasa"]["ok"] is False and "unreachable" in components["rasa"]["detail"]
    assert components["action_server"]["ok"] is False
