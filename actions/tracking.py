"""What every action reads from Rasa's tracker, and the small steps they share (slots that change,
emergency numbers, signals, the offer of a person)."""

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from common.db import get_sessionmaker
from dialogue import i18n, intake
from dialogue.language import SUPPORTED
from dialogue.signal_recording import record_signal
from kb.emergency import numbers_for
from kb.geo import communes

logger = logging.getLogger(__name__)

MAX_PROPOSALS = 3
OFFER_PERSON_AFTER = 2  # misunderstandings in a row, or searches without an answer
# Gibberish is trained as out_of_scope, so off-topic twice in a row counts as not understood, too.
MISUNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")


# --- helpers -------------------------------------------------------------------------------------


def tracker_language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or i18n.DEFAULT_LANGUAGE


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_intent_confidence(tracker: Tracker) -> float:
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


def crisis_in_a_sentence(tracker: Tracker) -> bool:
    """One sentence of the latest message reads as a crisis, the message as a whole does not (marked by the NLU,
    bot/components/intent_classifier.py: CRISIS_IN_A_SENTENCE)."""
    return (tracker.latest_message or {}).get("crisis_in_a_sentence") is not None


def requested_language(tracker: Tracker) -> str | None:
    """A language chosen explicitly: by the channel (metadata.lang) or by the citizen (choose_language)."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    channel_lang = metadata.get("lang") or (metadata.get("customData") or {}).get("lang")
    if channel_lang in SUPPORTED:
        return channel_lang
    if latest_intent(tracker) == "choose_language":
        chosen = next(tracker.get_latest_entity_values("language"), None)
        if chosen in SUPPORTED:
            return chosen
    return None


def conversation_language_so_far(tracker: Tracker) -> str | None:
    """The conversation's language: the slot, or (before the assistant has answered) the language the
    channel says the conversation started in (metadata.conversation_lang, from the API)."""
    if tracker.get_slot("language") in SUPPORTED:
        return tracker.get_slot("language")
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    hint = metadata.get("conversation_lang")
    return hint if hint in SUPPORTED else None


def place_label(tracker: Tracker, lang: str) -> str:
    return intake.place_label(tracker.get_slot("postcode") or tracker.get_slot("commune") or "", lang)


def commune_codes() -> set[str]:
    return {commune.code for commune in communes()}


def note_signal(**fields: Any) -> None:
    """Record a signal; a failure is logged and never breaks the conversation."""
    try:
        with get_sessionmaker()() as session:
            record_signal(session, **fields)
    except Exception:  # noqa: BLE001 - the citizen must never see a signal failure
        logger.exception("signal not recorded")


def offer_person(dispatcher: CollectingDispatcher, reason: str) -> list[EventType]:
    dispatcher.utter_message(response=f"utter_reason_{reason}")
    return [FollowupAction("action_offer_handover")]

def send_emergency_numbers(dispatcher: CollectingDispatcher, crisis_kind: str, language: str) -> None:
    numbers = numbers_for(crisis_kind, language)
    listed = ", ".join(f"{n['number']} ({n['name']})" for n in numbers)
    dispatcher.utter_message(
        text=i18n.text("api_emergency_numbers", language, numbers=listed),
        json_message={"type": "emergency_numbers", "kind": crisis_kind, "numbers": numbers},
    )

def changed_slots(tracker: Tracker, values: dict[str, Any]) -> list[EventType]:
    """SlotSet events for the values that differ from the tracker's (the same conversation state,
    fewer events for Rasa to store, load and send on every later call)."""
    return [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]

def drop_unchanged(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    return [e for e in events if e.get("event") != "slot" or tracker.get_slot(e["name"]) != e["value"]]
