"""The action Rasa runs on every message (action_validate_slot_mappings): language, crisis first, what
the citizen said; and what follows a misunderstanding."""

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.need import need_slots
from actions.tracking import (
    MISUNDERSTOOD_INTENTS,
    OFFER_PERSON_AFTER,
    changed_slots,
    conversation_language_so_far,
    crisis_in_a_sentence,
    drop_unchanged,
    latest_intent,
    latest_intent_confidence,
    latest_text,
    offer_person,
    requested_language,
    send_emergency_numbers,
    tracker_language,
)
from dialogue import intake
from dialogue.language import conversation_language
from dialogue.understanding import understand

logger = logging.getLogger(__name__)


class ActionReadMessage(Action):
    """Run by Rasa on every citizen message, right after the slot mappings and before anything is
    predicted (Rasa's `action_validate_slot_mappings`, the one action there that may set any slot and
    speak): keeps the conversation's language, counts misunderstandings, notices a crisis (rules or model)
    and then sends the emergency numbers in the very first reply. One action-server call per message;
    only slots whose value changes are set (every event makes each later turn cost more in Rasa)."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        intent = latest_intent(tracker)
        # A button's payload ("/service_helpful") is not the citizen's language.
        language = conversation_language(
            "" if text.startswith("/") else text,
            current=conversation_language_so_far(tracker), requested=requested_language(tracker),
        )
        crisis_kind = understand(text, language).crisis_kind
        if crisis_kind is None and intent == "crisis":
            crisis_kind = "general"
        misunderstood = intent in MISUNDERSTOOD_INTENTS
        count = (tracker.get_slot("misunderstandings") or 0) + 1 if misunderstood else 0
        if crisis_kind is not None:
            send_emergency_numbers(dispatcher, crisis_kind, language)
        elif crisis_in_a_sentence(tracker):
            # why not a crisis: one alarming sentence in a long story is weaker evidence; the numbers come first
            # all the same, and the conversation goes on with what the citizen asked
            send_emergency_numbers(dispatcher, "general", language)
        return changed_slots(tracker, {
            "language": language,
            "crisis_detected": crisis_kind is not None,
            "crisis_kind": crisis_kind or tracker.get_slot("crisis_kind"),
            "misunderstandings": count,
        })


class ActionHandleMisunderstanding(Action):
    def name(self) -> str:
        return "action_handle_misunderstanding"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        if not text.startswith("/") and intake.may_be_a_need(latest_intent(tracker),
                                                             latest_intent_confidence(tracker)):
            analysis = intake.analyse_need(text, tracker_language(tracker))
            if intake.names_a_need(analysis):  # "ik heb honger": a need in words the model never saw
                return [*drop_unchanged(tracker, [SlotSet("misunderstandings", 0), *need_slots(analysis, text)]),
                        FollowupAction("need_form")]
        if (tracker.get_slot("misunderstandings") or 0) >= OFFER_PERSON_AFTER:
            return [SlotSet("misunderstandings", 0), *offer_person(dispatcher, "misunderstood")]
        off_topic = latest_intent(tracker) == "out_of_scope"
        dispatcher.utter_message(response="utter_out_of_scope" if off_topic else "utter_default")
        return []


