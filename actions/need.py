"""From the need the citizen describes to service cards: analysis, the need form, asking back with
categories, proposals and a widening search."""

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracking import (
    MAX_PROPOSALS,
    OFFER_PERSON_AFTER,
    commune_codes,
    drop_unchanged,
    latest_intent,
    latest_text,
    note_signal,
    offer_person,
    place_label,
    tracker_language,
)
from common.db import get_sessionmaker
from dialogue import intake
from dialogue.service_cards import SearchInputError, search_services_per_need
from dialogue.understanding import understand

logger = logging.getLogger(__name__)


class ActionAnalyseNeed(Action):
    """Turns the citizen's description into sociale kaart categories, and picks up where and for whom."""

    def name(self) -> str:
        return "action_analyse_need"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        analysis = intake.analyse_need(latest_text(tracker), tracker_language(tracker))
        return drop_unchanged(tracker, need_slots(analysis, latest_text(tracker)))


def need_slots(analysis: intake.NeedAnalysis, text: str) -> list[EventType]:
    """A new need: what it is, or (unsure) what to offer; a category is accepted only once chosen."""
    events: list[EventType] = [
        SlotSet("need_text", text),
        SlotSet("need_categories", [c.id for c in analysis.categories]),
        SlotSet("need_candidates", [c.id for c in analysis.candidates]),
        SlotSet("need_accepted", False),
        SlotSet("need_refused", []),
        SlotSet("need_theme", None),
        SlotSet("need_theme_asked", False),
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
        if not unsure and latest_intent(tracker) != "choose_category":  # a button pressed is always taken
            slots = [slot for slot in slots if slot != "need_choice"]  # ask back only when unsure
        return slots

    def validate_need_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A category button chosen, or the need said again in other words (then analysed again)."""
        chosen = intake.category_id(value) if latest_intent(tracker) == "choose_category" else None
        if chosen is not None:
            return {"need_choice": str(chosen), "need_categories": [chosen], "need_accepted": True,
                    "need_candidates": None}
        text = latest_text(tracker)
        analysis = intake.analyse_need(text, tracker_language(tracker))
        slots = {e["name"]: e["value"] for e in need_slots(analysis, text) if e.get("event") == "slot"}
        if analysis.categories:
            return {**slots, "need_choice": "described"}
        if not analysis.candidates:  # no need in it ("Schaarbeek"): keep what it says, ask the same again
            slots = {k: v for k, v in slots.items() if k in ("commune", "postcode", "target_group", "age")}
            dispatcher.utter_message(response="utter_noted" if slots else "utter_need_not_understood")
        return {**slots, "need_choice": None}

    def validate_commune(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = tracker_language(tracker)
        if value in commune_codes():  # already resolved, e.g. when the form starts again for a new need
            return {"commune": value}
        answer = str(value) if value is not None else latest_text(tracker)
        place = intake.place_answer(answer)
        if place.status == "found":
            return {"commune": place.commune.code, "postcode": place.postcode or place.commune.postcodes[0]}
        if place.status == "ambiguous":
            names = " / ".join(c.name(lang if lang in ("nl", "fr") else "nl") for c in place.candidates)
            dispatcher.utter_message(response="utter_commune_ambiguous", candidates=names)
        else:
            dispatcher.utter_message(response="utter_commune_unknown")
        return {"commune": None}


class ActionAskNeedChoice(Action):
    """Asked by need_form when the match is unsure: the candidate categories as buttons."""

    def name(self) -> str:
        return "action_ask_need_choice"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        lang = tracker_language(tracker)
        candidates = tracker.get_slot("need_candidates") or []
        # a theme's candidates, after "something else" (ActionChooseTheme): said as a second try
        again = latest_intent(tracker) == "choose_theme"
        dispatcher.utter_message(response="utter_ask_need_choice_more" if again else "utter_ask_need_choice",
                                 buttons=intake.choice_buttons(candidates, lang))
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
        lang = tracker_language(tracker)
        category_ids = tracker.get_slot("need_categories") or []
        if not category_ids:
            dispatcher.utter_message(response="utter_need_not_understood")
            return self._no_result(dispatcher, tracker)
        try:
            with get_sessionmaker()() as session:
                found = search_services_per_need(session, category_ids, postcode=tracker.get_slot("postcode"),
                                                 lang=lang, limit=MAX_PROPOSALS)
        except SearchInputError:
            logger.warning("service search refused the slots of a conversation", exc_info=True)
            found = {"services": []}
        services = found["services"]
        place = place_label(tracker, lang)
        need = intake.need_label(category_ids, lang)
        if not services:
            if not tracker.get_slot("need_accepted"):
                # Only matched, never confirmed: a wrong match must not become a signal.
                dispatcher.utter_message(response="utter_confirm_need_missing", need=need,
                                         buttons=intake.choice_buttons(category_ids, lang, person=True))
                return [SlotSet("need_candidates", category_ids)]
            # the search covered the whole region (kb.search falls back to every service of the category)
            note_signal(signal_type="unmet_need", category_ids=category_ids, commune=tracker.get_slot("commune"),
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
            events += offer_person(dispatcher, "complex")
        return events

    @staticmethod
    def _no_result(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        count = (tracker.get_slot("no_result_count") or 0) + 1
        if count >= OFFER_PERSON_AFTER:
            return [SlotSet("no_result_count", 0), *offer_person(dispatcher, "no_result")]
        return [SlotSet("no_result_count", count)]


class ActionUpdateSearch(Action):
    """A place, or for whom and an age, given outside the form: remember it and search again if a need is known.
    A message that names a need as well ("schulden, ik woon in Laken") is taken as the need."""

    def name(self) -> str:
        return "action_update_search"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = latest_text(tracker)
        events: list[EventType] = []
        place = intake.place_answer(next(tracker.get_latest_entity_values("postcode"), None)
                                    or next(tracker.get_latest_entity_values("commune"), None) or text)
        if place.status == "found":
            events += [SlotSet("commune", place.commune.code),
                       SlotSet("postcode", place.postcode or place.commune.postcodes[0])]
        understood = understand(text, tracker_language(tracker))
        target = next(tracker.get_latest_entity_values("target_group"), None) or understood.target_group
        if target:
            events.append(SlotSet("target_group", target))
        if understood.age is not None:
            events.append(SlotSet("age", float(understood.age)))
        if tracker.get_slot("need_categories"):
            return [*drop_unchanged(tracker, events), FollowupAction("need_form")]
        analysis = intake.analyse_need(text, tracker_language(tracker))
        if analysis.categories or analysis.candidates:  # unsure: need_form asks which help is meant
            return [*drop_unchanged(tracker, [*events, *need_slots(analysis, text)]), FollowupAction("need_form")]
        dispatcher.utter_message(response="utter_ask_describe_again")
        return events


class ActionSomethingElse(Action):
    """None of the offered categories (or not the category of the proposed services): it is no longer
    accepted, nor offered again. The first time, the citizen is asked what the need is mostly about (theme
    buttons, ActionChooseTheme); after that, to say it in other words; the second time, a person is offered."""

    def name(self) -> str:
        return "action_something_else"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        refused = [*(tracker.get_slot("need_refused") or []), *(tracker.get_slot("need_candidates") or []),
                   *(tracker.get_slot("need_categories") or [])]
        forget_need = [SlotSet("need_categories", None), SlotSet("need_candidates", None),
                       SlotSet("need_accepted", False), SlotSet("need_choice", None),
                       SlotSet("need_refused", list(dict.fromkeys(refused)))]
        if tracker.get_slot("need_text") and not tracker.get_slot("need_theme_asked"):
            dispatcher.utter_message(response="utter_ask_theme",
                                     buttons=intake.theme_buttons(tracker_language(tracker)))
            return [*forget_need, SlotSet("need_theme_asked", True)]
        count = (tracker.get_slot("no_result_count") or 0) + 1
        if count >= OFFER_PERSON_AFTER:
            return [SlotSet("no_result_count", 0), *forget_need, *offer_person(dispatcher, "no_result")]
        dispatcher.utter_message(response="utter_ask_describe_again")
        return [SlotSet("no_result_count", count), *forget_need]


class ActionChooseTheme(Action):
    """A theme button: the theme's best categories for the need told earlier, less those refused, are
    offered (need_form asks with them). None left, or no need told: the citizen is asked to say it again."""

    def name(self) -> str:
        return "action_choose_theme"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        theme = str(next(tracker.get_latest_entity_values("theme"), "") or "")
        candidates = intake.theme_candidates(tracker.get_slot("need_text") or "", tracker_language(tracker),
                                             theme, tracker.get_slot("need_refused") or [])
        if not candidates:
            dispatcher.utter_message(response="utter_ask_describe_again")
            return [SlotSet("need_theme", theme if theme in intake.CITIZEN_THEMES else None)]
        # need_choice is not set here (it is empty since "something else"): a slot set in this turn is
        # validated by the form, and the theme's payload read as a need said again was "not understood".
        return [SlotSet("need_theme", theme), SlotSet("need_candidates", candidates),
                SlotSet("need_categories", None), FollowupAction("need_form")]
