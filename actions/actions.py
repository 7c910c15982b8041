"""Custom actions run by the action server (python -m actions.server, rasa-sdk).

Thin adapters: they read the tracker, call kb/ and dialogue/, and turn the answers into slots and
messages. They keep the conversation's state in slots: Rasa (bot/serve.py) sends them the current turn's
events only (from the citizen's latest message on), not the whole conversation; and they set only the
slots whose value changes. Texts come from the language catalogs (bot/catalog), through Rasa responses
(`response=`) or, where the language is decided in the same turn, through dialogue.i18n.
"""

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from common.db import get_sessionmaker
from dialogue import i18n, intake
from dialogue.language import SUPPORTED, conversation_language
from dialogue.service_cards import SearchInputError, search_services
from dialogue.signal_recording import record_signal
from dialogue.understanding import understand
from kb.emergency import numbers_for
from kb.geo import communes

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


def _place_label(tracker: Tracker, lang: str) -> str:
    return intake.place_label(tracker.get_slot("postcode") or tracker.get_slot("commune") or "", lang)


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
    """Run by Rasa on every citizen message, right after the slot mappings and before anything is
    predicted (Rasa's `action_validate_slot_mappings`, the one action there that may set any slot and
    speak): keeps the conversation's language, counts misunderstandings, notices a crisis (rules or model)
    and then sends the emergency numbers in the very first reply. One action-server call per message;
    only slots whose value changes are set (every event makes each later turn cost more in Rasa)."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

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
        if crisis_kind is not None:
            _send_emergency_numbers(dispatcher, crisis_kind, language)
        return _changed_slots(tracker, {
            "language": language,
            "crisis_detected": crisis_kind is not None,
            "crisis_kind": crisis_kind or tracker.get_slot("crisis_kind"),
            "misunderstandings": count,
        })


def _send_emergency_numbers(dispatcher: CollectingDispatcher, crisis_kind: str, language: str) -> None:
    numbers = numbers_for(crisis_kind, language)
    listed = ", ".join(f"{n['number']} ({n['name']})" for n in numbers)
    dispatcher.utter_message(
        text=i18n.text("api_emergency_numbers", language, numbers=listed),
        json_message={"type": "emergency_numbers", "kind": crisis_kind, "numbers": numbers},
    )


def _changed_slots(tracker: Tracker, values: dict[str, Any]) -> list[EventType]:
    """SlotSet events for the values that differ from the tracker's (the same conversation state,
    fewer events for Rasa to store, load and send on every later call)."""
    return [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]


def _drop_unchanged(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    return [e for e in events if e.get("event") != "slot" or tracker.get_slot(e["name"]) != e["value"]]


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
        analysis = intake.analyse_need(_latest_text(tracker), _language(tracker))
        return _drop_unchanged(tracker, _need_slots(analysis, _latest_text(tracker)))


def _need_slots(analysis: intake.NeedAnalysis, text: str) -> list[EventType]:
    """A new need: what it is, or (unsure) what to offer; a category is accepted only once chosen."""
    events: list[EventType] = [
        SlotSet("need_text", text),
        SlotSet("need_categories", [c.id for c in analysis.categories]),
        SlotSet("need_candidates", [c.id for c in analysis.candidates]),
        SlotSet("need_accepted", False),
        SlotSet("need_choice", None),
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

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """rasa-sdk's validation, less the slots it sets to the value they already have (Rasa applied the
        extracted ones before calling): fewer events for Rasa to keep. `requested_slot` always stays: it is
        how the form knows what to ask next (required_slots below)."""
        before = dict(tracker.slots)  # rasa-sdk updates tracker.slots as it validates
        events = await super().run(dispatcher, tracker, domain)
        return [e for e in events if e.get("event") != "slot" or e["name"] == "requested_slot"
                or e["name"] not in before or before[e["name"]] != e["value"]]

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        slots = list(domain_slots)
        unsure = not tracker.get_slot("need_categories") and tracker.get_slot("need_candidates")
        if not unsure and _latest_intent(tracker) != "choose_category":  # a button pressed is always taken
            slots = [slot for slot in slots if slot != "need_choice"]  # ask back only when unsure
        if tracker.get_slot("target_group") != "child":
            slots = [slot for slot in slots if slot != "age"]
        return slots

    def validate_need_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A category button chosen, or the need said again in other words (then analysed again)."""
        chosen = intake.category_id(value) if _latest_intent(tracker) == "choose_category" else None
        if chosen is not None:
            return {"need_choice": str(chosen), "need_categories": [chosen], "need_accepted": True,
                    "need_candidates": None}
        text = _latest_text(tracker)
        analysis = intake.analyse_need(text, _language(tracker))
        slots = {e["name"]: e["value"] for e in _need_slots(analysis, text) if e.get("event") == "slot"}
        if analysis.categories:
            return {**slots, "need_choice": "described"}
        if not analysis.candidates:  # no need in it ("Schaarbeek"): keep what it says, ask the same again
            dispatcher.utter_message(response="utter_need_not_understood")
            slots = {k: v for k, v in slots.items() if k in ("commune", "postcode", "target_group", "age")}
        return {**slots, "need_choice": None}

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


class ActionAskNeedChoice(Action):
    """Asked by need_form when the match is unsure: the candidate categories as buttons."""

    def name(self) -> str:
        return "action_ask_need_choice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = _language(tracker)
        candidates = tracker.get_slot("need_candidates") or []
        dispatcher.utter_message(response="utter_ask_need_choice", buttons=intake.choice_buttons(candidates, lang))
        return []


class ActionChooseCategory(Action):
    """A category button pressed outside the question (e.g. confirming a need nothing was found for):
    that category is the need, accepted by the citizen; need_form asks what is still missing."""

    def name(self) -> str:
        return "action_choose_category"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        chosen = intake.category_id(next(tracker.get_latest_entity_values("category_id"), None))
        if chosen is None:
            dispatcher.utter_message(response="utter_need_not_understood")
            return [SlotSet("need_choice", None)]
        return [SlotSet("need_choice", str(chosen)), SlotSet("need_categories", [chosen]),
                SlotSet("need_accepted", True), SlotSet("need_candidates", None)]


class ActionProposeServices(Action):
    """At most three services for the need, nearest first, from the whole region when nothing is near.
    Nothing anywhere: for a category the citizen chose or confirmed, an unmet-need signal and, the
    second time, a person; for a category only matched, the citizen is asked to confirm it first."""

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
        need = intake.need_label(category_ids, lang)
        if not services:
            if not tracker.get_slot("need_accepted"):
                # Only matched, never confirmed: a wrong match must not become a signal.
                dispatcher.utter_message(response="utter_confirm_need_missing", need=need,
                                         buttons=intake.choice_buttons(category_ids, lang, person=True))
                return [SlotSet("need_candidates", category_ids)]
            # the search covered the whole region (kb.search falls back to every service of the category)
            _signal(signal_type="unmet_need", category_ids=category_ids, commune=tracker.get_slot("commune"),
                    language=lang, age_band=intake.age_band(tracker.get_slot("age")), source="assistant",
                    text=None, conversation_key=tracker.sender_id)
            dispatcher.utter_message(response="utter_no_service_found", need=need, place=place)
            return self._no_result(dispatcher, tracker)
        if found["reach"] == "near":
            response, km = "utter_services_found", ""
        elif found["nearest_km"] is not None:
            response, km = "utter_services_found_farther", intake.km_text(found["nearest_km"], lang)
        else:
            response, km = "utter_services_found_region_wide", ""
        dispatcher.utter_message(
            response=response, need=need, place=place, km=km,
            json_message={"type": "service_list", "services": services, "reach": found["reach"],
                          "need": intake.category_names(category_ids, lang)},
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
            return [*_drop_unchanged(tracker, events), FollowupAction("need_form")]
        analysis = intake.analyse_need(text, _language(tracker))
        if analysis.categories or analysis.candidates:  # unsure: need_form asks which help is meant
            return [*_drop_unchanged(tracker, [*events, *_need_slots(analysis, text)]), FollowupAction("need_form")]
        dispatcher.utter_message(response="utter_ask_describe_again")
        return events


class ActionSomethingElse(Action):
    def name(self) -> str:
        return "action_something_else"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # the category is not what the citizen needs: it is no longer accepted, nor offered
        forget_need = [SlotSet("need_categories", None), SlotSet("need_candidates", None),
                       SlotSet("need_accepted", False), SlotSet("need_choice", None)]
        count = (tracker.get_slot("no_result_count") or 0) + 1
        if count >= OFFER_PERSON_AFTER:
            return [SlotSet("no_result_count", 0), *forget_need, *_offer_person(dispatcher, "no_result")]
        dispatcher.utter_message(response="utter_ask_describe_again")
        return [SlotSet("no_result_count", count), *forget_need]


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


# --- signals and privacy ---------------------------------------------------------------------------------


class ActionRecordBarrier(Action):
    """A knelpunt in the citizen's words: recorded anonymised (the text is scrubbed), no promises.
    Only a barrier the rules recognise (waiting list, cost, ...) or a /report_barrier button is one; a
    need the model took for a barrier ("we are separating, what are my rights") is no knelpunt. Either
    way, a need in the same words (and none being handled yet) goes on to the need intake."""

    def name(self) -> str:
        return "action_record_barrier"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang, text = _language(tracker), _latest_text(tracker)
        barriers = understand(text, lang).barriers
        analysis = intake.analyse_need(text, lang)
        need = [*_need_slots(analysis, text), FollowupAction("need_form")] if (
            analysis.categories or analysis.candidates) and not tracker.get_slot("need_categories") else []
        if not barriers and not text.startswith("/report_barrier"):
            if not need:
                dispatcher.utter_message(response="utter_need_not_understood")
            return need
        # a confident match only: a guess must not put a category on the signal
        category_ids = tracker.get_slot("need_categories") or [c.id for c in analysis.categories]
        _signal(signal_type="knelpunt", category_ids=category_ids, commune=tracker.get_slot("commune"),
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
