"""Custom actions run by the rasa-sdk action server (python -m rasa_sdk --actions actions)."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from api.services.language import SUPPORTED, conversation_language


def _requested_language(tracker: Tracker) -> str | None:
    """A language chosen explicitly: by the channel (metadata.lang) or by the citizen (choose_language)."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    channel_lang = metadata.get("lang") or (metadata.get("customData") or {}).get("lang")
    if channel_lang in SUPPORTED:
        return channel_lang
    if (message.get("intent") or {}).get("name") == "choose_language":
        chosen = next(tracker.get_latest_entity_values("language"), None)
        if chosen in SUPPORTED:
            return chosen
    return None


class ActionDetectLanguage(Action):
    """Slot mapping action: runs on every citizen message and keeps the conversation's language."""

    def name(self) -> str:
        return "action_detect_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        language = conversation_language(
            text, current=tracker.get_slot("language"), requested=_requested_language(tracker)
        )
        return [SlotSet("language", language)]
