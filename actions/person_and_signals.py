"""A person at the onthaal (offer, handover with a summary), signals (barriers, wrong data) and
"forget this conversation"."""

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.need import need_slots
from actions.tracking import latest_intent, latest_text, note_signal, tracker_language
from dialogue import intake
from dialogue.understanding import understand

logger = logging.getLogger(__name__)


class ActionOfferHandover(Action):
    def name(self) -> str:
        return "action_offer_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("crisis_detected") and latest_intent(tracker) in ("crisis", "describe_need"):
            dispatcher.utter_message(response="utter_reason_crisis")
        dispatcher.utter_message(response="utter_offer_handover")
        return []


class ActionRequestHandover(Action):
    """Hands the conversation to the onthaal with a summary, so the citizen never tells it twice.
    The API turns the `handover_requested` payload into a case."""

    def name(self) -> str:
        return "action_request_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = tracker_language(tracker)
        reasons = tracker.get_slot("complex_reasons") or []
        crisis_kind = tracker.get_slot("crisis_kind")
        summary = {
            "language": lang,
            "commune": tracker.get_slot("commune"),
            "postcode": tracker.get_slot("postcode"),
            # unsure: the categories offered to the citizen, for the worker to confirm
            "needs": intake.category_names(
                tracker.get_slot("need_categories") or tracker.get_slot("need_candidates") or [], lang),
            "target_group": tracker.get_slot("target_group"),
            "age_band": intake.age_band(tracker.get_slot("age")),
            "urgency": intake.urgency(crisis_kind, reasons),
            "crisis_kind": crisis_kind,
            "vulnerability": tracker.get_slot("vulnerability") or [],
            "complex_reasons": reasons,
            "proposed_services": tracker.get_slot("proposed_services") or [],
        }
        dispatcher.utter_message(response="utter_handover_requested",
                                 json_message={"type": "handover_requested", "summary": summary})
        return []




class ActionRecordBarrier(Action):
    """A knelpunt in the citizen's words: recorded anonymised (the text is scrubbed), no promises.
    Only a barrier the rules recognise (waiting list, cost, ...) or a /report_barrier button is one; a
    need the model took for a barrier ("we are separating, what are my rights") is no knelpunt. Either
    way, a need in the same words (and none being handled yet) goes on to the need intake."""

    def name(self) -> str:
        return "action_record_barrier"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang, text = tracker_language(tracker), latest_text(tracker)
        barriers = understand(text, lang).barriers
        analysis = intake.analyse_need(text, lang)
        need = [*need_slots(analysis, text), FollowupAction("need_form")] if (
            analysis.categories or analysis.candidates) and not tracker.get_slot("need_categories") else []
        if not barriers and not text.startswith("/report_barrier"):
            if not need:
                dispatcher.utter_message(response="utter_need_not_understood")
            return need
        # a confident match only: a guess must not put a category on the signal
        category_ids = tracker.get_slot("need_categories") or [c.id for c in analysis.categories]
        note_signal(signal_type="knelpunt", category_ids=category_ids, commune=tracker.get_slot("commune"),
                language=lang, age_band=intake.age_band(tracker.get_slot("age")), source="citizen", text=text,
                conversation_key=tracker.sender_id, barrier=barriers[0] if barriers else "other")
        dispatcher.utter_message(response="utter_barrier_noted")
        return need


class ActionRecordWrongData(Action):
    """The citizen says a proposed entry is wrong: a data-quality signal on the first proposed service."""

    def name(self) -> str:
        return "action_record_wrong_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        proposed = tracker.get_slot("proposed_services") or []
        if proposed:
            note_signal(signal_type="data_quality", category_ids=tracker.get_slot("need_categories") or [],
                    commune=tracker.get_slot("commune"), language=tracker_language(tracker), source="citizen",
                    text=latest_text(tracker), conversation_key=tracker.sender_id, service_id=proposed[0])
        dispatcher.utter_message(response="utter_wrong_data_noted")
        return []


class ActionForgetConversation(Action):
    """Says it forgets; the API deletes the conversation everywhere when it sees this payload."""

    def name(self) -> str:
        return "action_forget_conversation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_forgotten", json_message={"type": "forget_conversation"})
        return []


