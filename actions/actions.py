"""Custom actions run by the rasa-sdk action server (python -m rasa_sdk --actions actions).

Thin adapters: they read the tracker, call kb/ and api/services/, and turn the answers into slots and
messages. Texts come from the language catalogs (bot/catalog), through Rasa responses (`response=`) or,
where the language is decided in the same turn, through api.i18n.
"""

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from api import i18n
from api.core.db import get_sessionmaker
from api.services import intake
from api.services.directory import SearchInputError, search_services
from api.services.language import SUPPORTED, conversation_language
from api.services.signals import record_signal
from api.services.understanding import understand
from kb.emergency import numbers_for
from kb.geo import communes
from kb.taxonomy import categories as taxonomy

logger = logging.getLogger(__name__)

MAX_PROPOSALS = 3
OFFER_PERSON_AFTER = 2  # misunderstandings in a row, or searches without an answer
# Gibberish is trained as out_of_scope, so off-topic twice in a row counts as not understood, too.
MISUNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")


# --- helpers -------------------------------------------------------------------------------------


def _language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or i18n.DEFAULT_LANGUAGE


def _latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _requested_language(tracker: Tracker) -> str | None:
    """A language chosen explicitly: by the channel (metadata.lang) or by the citizen (choose_language)."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    channel_lang = metadata.get("lang") or (metadata.get("customData") or {}).get("lang")
    if channel_lang in SUPPORTED:
        return channel_lang
    if _latest_intent(tracker) == "choose_language":
        chosen = next(tracker.get_latest_entity_values("language"), None)
        if chosen in SUPPORTED:
            return chosen
    return None


def _category_names(category_ids: list[int], lang: str) -> list[dict[str, Any]]:
    known = taxonomy()
    return [{"id": cid, "name": known[cid].title(lang if lang in ("nl", "fr") else "nl")}
            for cid in category_ids if cid in known]


def _need_label(category_ids: list[int], lang: str) -> str:
    names = [c["name"].lower() for c in _category_names(category_ids, lang)]
    return ", ".join(names[:2]) if names else "?"


def _place_label(tracker: Tracker, lang: str) -> str:
    place = intake.place_answer(tracker.get_slot("postcode") or tracker.get_slot("commune") or "")
    return place.label(lang if lang in ("nl", "fr") else "nl") if place.status == "found" else ""


def _commune_codes() -> set[str]:
    return {commune.code for commune in communes()}


def _signal(**fields: Any) -> None:
    """Record a signal; a failure is logged and never breaks the conversation."""
    try:
        with get_sessionmaker()() as session:
            record_signal(session, **fields)
    except Exception:  # noqa: BLE001 - the citizen must never see a signal failure
        logger.exception("signal not recorded")


def _offer_person(dispatcher: CollectingDispatcher, reason: str) -> list[EventType]:
    dispatcher.utter_message(response=f"utter_reason_{reason}")
    return [FollowupAction("action_offer_handover")]


# --- every message ---------------------------------------------------------------------------------


class ActionReadMessage(Action):
    """Slot mapping action, run by Rasa on every citizen message before anything is predicted:
    keeps the conversation's language, counts misunderstandings and notices a crisis (rules or model)."""

    def name(self) -> str:
        return "action_read_message"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = _latest_text(tracker)
        intent = _latest_intent(tracker)
        # A button's payload ("/service_helpful") is not the citizen's language.
        language = conversation_language(
            "" if text.startswith("/") else text,
            current=tracker.get_slot("language"), requested=_requested_language(tracker),
        )
        crisis_kind = understand(text, language).crisis_kind
        if crisis_kind is None and intent == "crisis":
            crisis_kind = "general"
        misunderstood = intent in MISUNDERSTOOD_INTENTS
        count = (tracker.get_slot("misunderstandings") or 0) + 1 if misunderstood else 0
        return [
            SlotSet("language", language),
            SlotSet("crisis_detected", crisis_kind is not None),
            SlotSet("crisis_kind", crisis_kind or tracker.get_slot("crisis_kind")),
            SlotSet("misunderstandings", count),
        ]


class ActionSendEmergencyNumbers(Action):
    """Rasa runs `action_validate_slot_mappings` right after the slot mapping actions and, unlike them,
    lets it speak before anything is predicted: so a crisis gets its numbers in the very first reply."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        crisis_kind = tracker.get_slot("crisis_kind")
        if tracker.get_slot("crisis_detected") and crisis_kind:
            language = _language(tracker)
            numbers = numbers_for(crisis_kind, language)
            listed = ", ".join(f"{n['number']} ({n['name']})" for n in numbers)
            dispatcher.utter_message(
                text=i18n.text("api_emergency_numbers", language, numbers=listed),
                json_message={"type": "emergency_numbers", "kind": crisis_kind, "numbers": numbers},
            )
        return []


class ActionHandleMisunderstanding(Action):
    def name(self) -> str:
        return "action_handle_misunderstanding"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if (tracker.get_slot("misunderstandings") or 0) >= OFFER_PERSON_AFTER:
            return [SlotSet("misunderstandings", 0), *_offer_person(dispatcher, "misunderstood")]
        off_topic = _latest_intent(tracker) == "out_of_scope"
        dispatcher.utter_message(response="utter_out_of_scope" if off_topic else "utter_default")
        return []


# --- the need ----------------------------------------------------------------------------------------


class ActionAnalyseNeed(Action):
    """Turns the citizen's description into sociale kaart categories, and picks up where and for whom."""

    def name(self) -> str:
        return "action_analyse_need"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return _need_slots(intake.analyse_need(_latest_text(tracker), _language(tracker)), _latest_text(tracker))


def _need_slots(analysis: intake.NeedAnalysis, text: str) -> list[EventType]:
    events: list[EventType] = [
        SlotSet("need_text", text),
        SlotSet("need_categories", [c.id for c in analysis.categories]),
        SlotSet("vulnerability", analysis.understanding.vulnerability),
        SlotSet("complex_reasons", analysis.complex_reasons),
    ]
    if analysis.place.status == "found":
        events += [SlotSet("commune", analysis.place.commune.code),
                   SlotSet("postcode", analysis.place.postcode or analysis.place.commune.postcodes[0])]
    if analysis.understanding.target_group:
        events.append(SlotSet("target_group", analysis.understanding.target_group))
    if analysis.understanding.age is not None:
        events.append(SlotSet("age", float(analysis.understanding.age)))
    return events


class ValidateNeedForm(FormValidationAction):
    """Asks only what is not known yet: where, for whom, and a child's age."""

    def name(self) -> str:
        return "validate_need_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("target_group") == "child":
            return domain_slots
        return [slot for slot in domain_slots if slot != "age"]

    def validate_commune(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = _language(tracker)
        if value in _commune_codes():  # already resolved, e.g. when the form starts again for a new need
            return {"commune": value}
        answer = str(value) if value is not None else _latest_text(tracker)
        place = intake.place_answer(answer)
        if place.status == "found":
            return {"commune": place.commune.code, "postcode": place.postcode or place.commune.postcodes[0]}
        if place.status == "ambiguous":
            names = " / ".join(c.name(lang if lang in ("nl", "fr") else "nl") for c in place.candidates)
            dispatcher.utter_message(response="utter_commune_ambiguous", candidates=names)
        else:
            dispatcher.utter_message(response="utter_commune_unknown")
        return {"commune": None}

    def validate_target_group(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        allowed = domain["slots"]["target_group"]["values"]
        if value in allowed:
            return {"target_group": value}
        understood = understand(_latest_text(tracker), _language(tracker)).target_group
        if understood:
            return {"target_group": understood}
        dispatcher.utter_message(response="utter_target_group_unknown")
        return {"target_group": None}

    def validate_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        digits = "".join(ch if ch.isdigit() else " " for ch in str(value)).split()
        if digits and 0 <= int(digits[0]) <= 120:
            return {"age": float(digits[0])}
        dispatcher.utter_message(response="utter_age_invalid")
        return {"age": None}


class ActionProposeServices(Action):
    """At most three services for the need, nearest first; when none, a signal and a person offered."""

    def name(self) -> str:
        return "action_propose_services"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = _language(tracker)
        category_ids = tracker.get_slot("need_categories") or []
        if not category_ids:
            dispatcher.utter_message(response="utter_need_not_understood")
            return self._no_result(dispatcher, tracker)
        try:
            with get_sessionmaker()() as session:
                found = search_services(session, category_ids=category_ids,
                                        postcode=tracker.get_slot("postcode"), lang=lang, limit=MAX_PROPOSALS)
        except SearchInputError:
            logger.warning("service search refused the slots of a conversation", exc_info=True)
            found = {"services": []}
        services = found["services"]
        place = _place_label(tracker, lang)
        need = _need_label(category_ids, lang)
        if not services:
            _signal(signal_type="unmet_need", category_ids=category_ids, commune=tracker.get_slot("commune"),
                    language=lang, age_band=intake.age_band(tracker.get_slot("age")), source="assistant",
                    text=None, conversation_key=tracker.sender_id)
            dispatcher.utter_message(response="utter_no_service_found", need=need, place=place)
            return self._no_result(dispatcher, tracker)
        dispatcher.utter_message(
            response="utter_services_found", need=need, place=place,
            json_message={"type": "service_list", "services": services,
                          "need": _category_names(category_ids, lang)},
        )
        events: list[EventType] = [SlotSet("proposed_services", [s["id"] for s in services])]
        if tracker.get_slot("complex_reasons"):
            events += _offer_person(dispatcher, "complex")
        return events

    @staticmethod
    def _no_result(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        count = (tracker.get_slot("no_result_count") or 0) + 1
        if count >= OFFER_PERSON_AFTER:
            return [SlotSet("no_result_count", 0), *_offer_person(dispatcher, "no_result")]
        return [SlotSet("no_result_count", count)]


class ActionUpdateSearch(Action):
    """A place or person given outside the form: remember it and search again if a need is known.
    A message that names a need as well ("schulden, ik woon in Laken") is taken as the need."""

    def name(self) -> str:
        return "action_update_search"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = _latest_text(tracker)
        events: list[EventType] = []
        place = intake.place_answer(next(tracker.get_latest_entity_values("postcode"), None)
                                    or next(tracker.get_latest_entity_values("commune"), None) or text)
        if place.status == "found":
            events += [SlotSet("commune", place.commune.code),
                       SlotSet("postcode", place.postcode or place.commune.postcodes[0])]
        target = next(tracker.get_latest_entity_values("target_group"), None) or understand(
            text, _language(tracker)).target_group
        if target:
            events.append(SlotSet("target_group", target))
        if tracker.get_slot("need_categories"):
            return [*events, FollowupAction("need_form")]
        analysis = intake.analyse_need(text, _language(tracker))
        if analysis.categories:
            return [*events, *_need_slots(analysis, text), FollowupAction("need_form")]
        dispatcher.utter_message(response="utter_ask_describe_again")
        return events


class ActionSomethingElse(Action):
    def name(self) -> str:
        return "action_something_else"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        count = (tracker.get_slot("no_result_count") or 0) + 1
        if count >= OFFER_PERSON_AFTER:
            return [SlotSet("no_result_count", 0), *_offer_person(dispatcher, "no_result")]
        dispatcher.utter_message(response="utter_ask_describe_again")
        return [SlotSet("no_result_count", count), SlotSet("need_categories", None)]


# --- a person ------------------------------------------------------------------------------------------


class ActionOfferHandover(Action):
    def name(self) -> str:
        return "action_offer_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("crisis_detected") and _latest_intent(tracker) in ("crisis", "describe_need"):
            dispatcher.utter_message(response="utter_reason_crisis")
        dispatcher.utter_message(response="utter_offer_handover")
        return []


class ActionRequestHandover(Action):
    """Hands the conversation to the onthaal with a summary, so the citizen never tells it twice.
    The API turns the `handover_requested` payload into a case."""

    def name(self) -> str:
        return "action_request_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = _language(tracker)
        reasons = tracker.get_slot("complex_reasons") or []
        crisis_kind = tracker.get_slot("crisis_kind")
        summary = {
            "language": lang,
            "commune": tracker.get_slot("commune"),
            "postcode": tracker.get_slot("postcode"),
            "needs": _category_names(tracker.get_slot("need_categories") or [], lang),
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


# --- signals and privacy ---------------------------------------------------------------------------------


class ActionRecordBarrier(Action):
    """A knelpunt in the citizen's words: recorded anonymised (the text is scrubbed), no promises."""

    def name(self) -> str:
        return "action_record_barrier"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = _language(tracker)
        text = _latest_text(tracker)
        category_ids = tracker.get_slot("need_categories") or [
            c.id for c in intake.analyse_need(text, lang).categories]
        barriers = understand(text, lang).barriers
        _signal(signal_type="knelpunt", category_ids=category_ids, commune=tracker.get_slot("commune"),
                language=lang, age_band=intake.age_band(tracker.get_slot("age")), source="citizen", text=text,
                conversation_key=tracker.sender_id, barrier=barriers[0] if barriers else "other")
        dispatcher.utter_message(response="utter_barrier_noted")
        return []


class ActionRecordWrongData(Action):
    """The citizen says a proposed entry is wrong: a data-quality signal on the first proposed service."""

    def name(self) -> str:
        return "action_record_wrong_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        proposed = tracker.get_slot("proposed_services") or []
        if proposed:
            _signal(signal_type="data_quality", category_ids=tracker.get_slot("need_categories") or [],
                    commune=tracker.get_slot("commune"), language=_language(tracker), source="citizen",
                    text=_latest_text(tracker), conversation_key=tracker.sender_id, service_id=proposed[0])
        dispatcher.utter_message(response="utter_wrong_data_noted")
        return []


class ActionForgetConversation(Action):
    """Says it forgets; the API deletes the conversation everywhere when it sees this payload."""

    def name(self) -> str:
        return "action_forget_conversation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_forgotten", json_message={"type": "forget_conversation"})
        return []


def _warm_up() -> None:
    """Build the rule pipelines and the need matcher when the server starts, not during a citizen's
    first message (that would cost it seconds)."""
    for lang in SUPPORTED:
        understand("warm-up", lang)
    intake.analyse_need("warm-up", "nl")


_warm_up()
