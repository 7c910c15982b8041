"""Tracker fixtures for action tests, built the way the action server receives them from Rasa."""

from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(text: str, intent: str = "describe_need", slots: dict | None = None,
                 entities: list | None = None, metadata: dict | None = None, confidence: float = 0.9) -> Tracker:
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    return Tracker(
        sender_id="conversation-test",
        slots=slots or {},
        latest_message=latest_message,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def tracker_for():
    return make_tracker


@pytest.fixture(scope="session")
def form_slots() -> list[str]:
    """The need form's questions, as declared in the domain Rasa trains on."""
    domain = yaml.safe_load((Path(__file__).parents[2] / "bot/domain/core.yml").read_text(encoding="utf-8"))
    return domain["forms"]["need_form"]["required_slots"]
