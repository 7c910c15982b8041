"""Supervision end to end: Rasa, then the action server, killed with SIGKILL in the middle of a conversation.
The API answers at once (the onthaal's number), the stack heals by itself, and the conversation goes on."""

import os
import signal
import time

import httpx
import pytest

from dialogue import i18n

pytestmark = pytest.mark.stack

ANSWER_WITHIN_SECONDS = 3
HEALED_WITHIN_SECONDS = 150


@pytest.fixture
def supervised(stack):
    """The shared stack, watched as `make run` watches it, for the length of one test."""
    stack.start_supervision(interval_seconds=0.5)
    try:
        yield stack
        # Whatever happened, the next tests get a healthy stack (still supervised while it heals).
        with httpx.Client(base_url=f"http://127.0.0.1:{stack.settings.api_port}", timeout=10) as api:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and api.get("/healthz").status_code != 200:
                time.sleep(1)
    finally:
        stack.stop_supervision()


def say(api: httpx.Client, conversation: dict, text: str) -> list[dict]:
    response = api.post(
        "/webhooks/rest/webhook", json={"sender": conversation["conversation_id"], "message": text},
        headers={"Authorization": f"Bearer {conversation['token']}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_health(api: httpx.Client, deadline: float) -> dict:
    last = None
    while time.monotonic() < deadline:
        response = api.get("/healthz")
        last = response.json()
        if response.status_code == 200:
            return last
        time.sleep(1)
    pytest.fail(f"the stack did not heal within {HEALED_WITHIN_SECONDS} s; last /healthz: {last}")


@pytest.mark.parametrize("component", ["rasa", "actions"])
def test_a_killed_component_comes_back_and_the_conversation_goes_on(api, supervised, component):
    conversation = api.post("/api/v1/conversations").json()
    assert [r["text"] for r in say(api, conversation, "Bonjour")] == [i18n.text("utter_greet", "fr")]
    restarts = supervised.restarts

    os.kill(supervised.processes[component].pid, signal.SIGKILL)
    killed = time.monotonic()
    replies = say(api, conversation, "bonjour, vous êtes là ?")
    answered = time.monotonic() - killed
    assert answered < ANSWER_WITHIN_SECONDS
    assert replies and all(r.get("text") for r in replies), replies
    if component == "rasa":  # the API answers itself, with the onthaal's number
        assert [(r.get("custom") or {}).get("type") for r in replies] == ["assistant_unavailable"]
        assert supervised.settings.onthaal_phone in replies[0]["text"]
    # Without the action server Rasa still answers from its own responses (its custom actions fail).
    unhealthy = api.get("/healthz")
    if unhealthy.status_code == 503:  # unless it came back already (the action server restarts in ~2 s)
        assert unhealthy.json()["status"] == "unavailable"

    wait_for_health(api, killed + HEALED_WITHIN_SECONDS)
    healed = time.monotonic() - killed
    assert supervised.restarts == restarts + 1
    # The same conversation goes on, in its language (Rasa's tracker survived), with its whole transcript.
    assert [r["text"] for r in say(api, conversation, "merci")] == [i18n.text("utter_you_are_welcome", "fr")]
    transcript = api.get(f"/api/v1/conversations/{conversation['conversation_id']}/messages",
                         headers={"Authorization": f"Bearer {conversation['token']}"}).json()
    authors = [m["author"] for m in transcript]
    assert authors[:3] == ["citizen", "bot", "citizen"] and authors[-2:] == ["citizen", "bot"]
    assert authors.count("citizen") == 3
    assert [m["text"] for m in transcript if m["author"] == "citizen"] == [
        "Bonjour", "bonjour, vous êtes là ?", "merci"]
    print(f"\n{component} killed: fallback answer after {answered:.2f} s, healthy again after {healed:.0f} s")
