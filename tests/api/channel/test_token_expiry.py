"""A citizen's conversation token that was not used for CITIZEN_IDLE_MINUTES no longer opens the
conversation (401 with a clear message), unless a person at the onthaal holds the conversation."""

from datetime import timedelta

from api.channel.models import Conversation
from api.handover.models import HandoverCase
from common.clock import utcnow
from common.config import get_settings


def start(client) -> tuple[str, dict]:
    started = client.post("/api/v1/conversations").json()
    return started["conversation_id"], {"Authorization": f"Bearer {started['token']}"}


def idle_for(db_session, conversation_id: str, minutes: float) -> None:
    conversation = db_session.get(Conversation, conversation_id)
    conversation.last_activity_at = utcnow() - timedelta(minutes=minutes)
    db_session.commit()


def test_an_idle_token_no_longer_opens_the_conversation(client, db_session):
    limit = get_settings().citizen_idle_minutes
    fresh, fresh_headers = start(client)
    idle, idle_headers = start(client)
    idle_for(db_session, fresh, limit - 1)
    idle_for(db_session, idle, limit + 1)

    assert client.get(f"/api/v1/conversations/{fresh}/messages", headers=fresh_headers).status_code == 200
    for response in (
        client.get(f"/api/v1/conversations/{idle}/messages", headers=idle_headers),
        client.post("/webhooks/rest/webhook", json={"sender": idle, "message": "hallo"}, headers=idle_headers),
        client.delete(f"/api/v1/conversations/{idle}", headers=idle_headers),
    ):
        assert response.status_code == 401
        assert f"ended after {limit} minutes without a message" in response.json()["detail"]
        assert "POST /api/v1/conversations" in response.json()["detail"]
    # A wrong token still learns nothing about the conversation.
    wrong = client.get(f"/api/v1/conversations/{idle}/messages", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "minutes" not in wrong.json()["detail"]


def test_a_message_keeps_the_token_alive(client, db_session):
    limit = get_settings().citizen_idle_minutes
    conversation_id, headers = start(client)
    idle_for(db_session, conversation_id, limit - 1)
    body = {"sender": conversation_id, "message": "hallo"}
    assert client.post("/webhooks/rest/webhook", json=body, headers=headers).status_code == 200
    db_session.expire_all()
    last = db_session.get(Conversation, conversation_id).last_activity_at
    assert utcnow() - (last if last.tzinfo else last.replace(tzinfo=utcnow().tzinfo)) < timedelta(minutes=1)
    assert client.get(f"/api/v1/conversations/{conversation_id}/messages", headers=headers).status_code == 200


def test_a_citizen_waiting_for_the_onthaal_is_not_cut_off(client, db_session):
    conversation_id, headers = start(client)
    db_session.add(HandoverCase(conversation_id=conversation_id, language="nl", status="waiting"))
    db_session.commit()
    idle_for(db_session, conversation_id, get_settings().citizen_idle_minutes * 3)
    assert client.get(f"/api/v1/conversations/{conversation_id}/messages", headers=headers).status_code == 200
