"""The handover through the real stack: the Marie-Rose conversation, in Dutch and in French, ends in the
onthaal's queue with her needs listed; Rasa is paused while a person holds the conversation and resumed when
the worker hands it back."""

import secrets
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session
from test_conversation import MARIE_ROSE, Citizen

from api.accounts.service import add_user
from common.db import make_engine

pytestmark = pytest.mark.stack


@pytest.fixture
def worker(stack, api) -> Iterator[dict[str, str]]:
    """Bearer headers of a fresh onthaal worker, signed in through POST /api/v1/auth/token."""
    email, password = f"onthaal-{secrets.token_hex(4)}@elz.test", secrets.token_urlsafe(16)
    engine = make_engine(stack.settings.database_url)
    with Session(engine) as session:
        add_user(session, email, "onthaal", password)
    engine.dispose()
    token = api.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    api.cookies.clear()  # the citizen's side of this client carries no staff cookie
    yield {"Authorization": f"Bearer {token.json()['access_token']}"}


def rasa_tracker(stack, conversation_id: str) -> dict:
    response = httpx.get(f"{stack.settings.rasa_url}/conversations/{conversation_id}/tracker",
                         params={"token": stack.settings.rasa_token}, timeout=30)
    response.raise_for_status()
    return response.json()


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_marie_rose_ends_in_the_queue_with_her_needs(stack, api, worker, lang):
    person = Citizen(api, lang)
    person.say(MARIE_ROSE[lang])
    person.say("/request_human")
    summary = person.custom("handover")["summary"]

    waiting = api.get("/api/v1/handovers", params={"status": "waiting"}, headers=worker)
    assert waiting.status_code == 200
    case = next(c for c in waiting.json()["cases"] if c["conversation_id"] == person.conversation_id)
    assert case["language"] == lang and case["commune"] == "21001"
    assert case["commune_name"]["nl"] == "Anderlecht"
    assert len(case["needs"]) >= 2 and all(need["name"] for need in case["needs"])
    assert [n["id"] for n in case["needs"]] == [n["id"] for n in summary["needs"]]
    assert case["urgency"] in ("crisis", "high")
    assert {"alone", "elderly"} <= set(case["vulnerability"])

    # The bot is paused; the citizen heard who will answer and when (queue place, or a call-back offer).
    assert rasa_tracker(stack, person.conversation_id)["paused"] is True
    detail = api.get(f"/api/v1/handovers/{case['id']}", headers=worker).json()
    told = [m["custom"]["type"] for m in detail["transcript"] if m.get("custom")]
    assert told[-1] in ("handover_queued", "handover_callback_offer")

    # While the case is open, the citizen writes to the onthaal, not to the assistant.
    assert person.say("Is daar iemand?" if lang == "nl" else "Il y a quelqu'un ?") == []
    detail = api.get(f"/api/v1/handovers/{case['id']}", headers=worker).json()
    assert detail["transcript"][-1]["author"] == "citizen"


def test_a_worker_takes_over_and_hands_back_to_the_assistant(stack, api, worker):
    person = Citizen(api, "nl")
    person.say("/request_human")
    assert person.custom("handover"), person.replies
    cases = api.get("/api/v1/handovers", headers=worker).json()["cases"]
    case_id = next(c["id"] for c in cases if c["conversation_id"] == person.conversation_id)

    assert api.post(f"/api/v1/handovers/{case_id}/claim", headers=worker).status_code == 200
    assert api.post(f"/api/v1/handovers/{case_id}/claim", headers=worker).status_code == 409
    sent = api.post(f"/api/v1/handovers/{case_id}/messages", headers=worker, json={"text": "Dag, ik ben Els."})
    assert sent.status_code == 201
    transcript = api.get(f"/api/v1/conversations/{person.conversation_id}/messages",
                         headers={"Authorization": f"Bearer {person.token}"}).json()
    assert transcript[-1] == {**transcript[-1], "author": "worker", "text": "Dag, ik ben Els."}

    resolved = api.post(f"/api/v1/handovers/{case_id}/resolve", headers=worker,
                        json={"outcome": "information", "knelpunten": ["waiting_list"], "then": "bot"})
    assert resolved.status_code == 200, resolved.text
    assert rasa_tracker(stack, person.conversation_id)["paused"] is False
    # Back with the assistant: Rasa answers again.
    replies = person.say("ik zoek een huisarts in Schaarbeek")
    assert any(r.get("text") for r in replies), replies
    assert api.post(f"/api/v1/handovers/{case_id}/messages", headers=worker, json={"text": "x"}).status_code == 409
