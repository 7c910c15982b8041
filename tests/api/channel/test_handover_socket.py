"""The handover over the citizen's socket.io channel, on a real API process: the worker's messages reach the
widget live (marked as the worker's), the citizen's messages go to the worker and not to the assistant, and a
citizen who leaves shows on the case."""

import secrets
import time

import httpx
import pytest
import socketio
from sqlalchemy.orm import Session
from test_socketio import connect, new_session, receive

from api.accounts.service import add_user
from api.handover.models import HandoverCase
from common.db import make_engine
from dialogue import i18n


@pytest.fixture
def worker(api, database) -> dict[str, str]:
    email, password = f"onthaal-{secrets.token_hex(4)}@elz.test", secrets.token_urlsafe(16)
    engine = make_engine(database)
    with Session(engine) as session:
        add_user(session, email, "onthaal", password)
    engine.dispose()
    token = httpx.post(f"{api.url}/api/v1/auth/token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def open_case(database: str, conversation_id: str) -> int:
    engine = make_engine(database)
    with Session(engine) as session:
        case = HandoverCase(conversation_id=conversation_id, status="waiting", language="nl", urgency="normal",
                            urgency_rank=2, needs=[], vulnerability=[], complex_reasons=[], proposed_services=[],
                            knelpunten=[])
        session.add(case)
        session.commit()
        case_id = case.id
    engine.dispose()
    return case_id


def test_worker_and_citizen_talk_over_the_socket_and_leaving_shows(api, database, worker):
    url = f"{api.url}/api/v1/handovers"
    with connect(api) as client:
        credentials = new_session(client)
        case_id = open_case(database, credentials["session_id"])

        assert httpx.post(f"{url}/{case_id}/claim", headers=worker).status_code == 200
        claimed = receive(client, "bot_uttered")
        assert claimed["text"] == i18n.text("api_handover_claimed", "nl")
        assert receive(client, "bot_uttered")["custom"]["type"] == "handover_claimed"

        assert httpx.post(f"{url}/{case_id}/messages", headers=worker, json={"text": "Dag, ik ben Els."}).is_success
        message = receive(client, "bot_uttered")
        assert message == {"text": "Dag, ik ben Els.", "metadata": {"author": "worker"}}

        client.emit("user_uttered", {"message": "Dank je, Els", "customData": {"lang": "nl"}})
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            detail = httpx.get(f"{url}/{case_id}", headers=worker).json()
            if detail["transcript"][-1]["author"] == "citizen":
                break
            time.sleep(0.1)
        assert detail["transcript"][-1]["text"] == "Dank je, Els"
        with pytest.raises((AssertionError, socketio.exceptions.TimeoutError)):
            receive(client, "bot_uttered", timeout=1.5)  # the assistant was not asked (nor its fallback sent)
        assert detail["citizen_present"] is True

    deadline = time.monotonic() + 5
    while httpx.get(f"{url}/{case_id}", headers=worker).json()["citizen_present"]:
        assert time.monotonic() < deadline, "the case does not show that the citizen left"
        time.sleep(0.1)
