"""Custom actions with tracker fixtures, as the action server receives them from Rasa."""

import asyncio

import pytest

from actions.every_message import ActionHandleMisunderstanding, ActionReadMessage
from actions.need import ActionAnalyseNeed, ValidateNeedForm
from actions.person_and_signals import ActionRequestHandover


def _slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def _read(tracker, dispatcher) -> dict:
    """What Rasa does on a message: action_validate_slot_mappings (which may speak); the slots after it."""
    assert ActionReadMessage().name() == "action_validate_slot_mappings"
    events = ActionReadMessage().run(dispatcher, tracker, domain={})
    return {**tracker.slots, **_slots(events)}


# --- every message: language, crisis, misunderstandings -------------------------------------------------


def test_detects_french_greeting_and_says_nothing(tracker_for, dispatcher):
    assert _read(tracker_for("bonjour", intent="greet"), dispatcher)["language"] == "fr"
    assert dispatcher.messages == []


def test_channel_language_wins(tracker_for, dispatcher):
    tracker = tracker_for("mijn moeder kan zich niet meer wassen", metadata={"lang": "fr"})
    assert _read(tracker, dispatcher)["language"] == "fr"


def test_socketio_custom_data_language_wins(tracker_for, dispatcher):
    tracker = tracker_for("hallo", intent="greet", metadata={"customData": {"lang": "en"}})
    assert _read(tracker, dispatcher)["language"] == "en"


@pytest.mark.parametrize(("text", "started_in"), [("ok", "fr"), ("hi", "en"), ("merci", "nl")])
def test_the_language_a_conversation_started_in_is_kept_for_a_short_first_message(tracker_for, dispatcher, text,
                                                                                   started_in):
    tracker = tracker_for(text, intent="greet", metadata={"conversation_lang": started_in})
    assert _read(tracker, dispatcher)["language"] == started_in


def test_a_first_message_clearly_in_another_language_still_switches(tracker_for, dispatcher):
    tracker = tracker_for("mijn moeder kan zich niet meer alleen wassen", metadata={"conversation_lang": "fr"})
    assert _read(tracker, dispatcher)["language"] == "nl"


def test_explicit_choice_of_language(tracker_for, dispatcher):
    tracker = tracker_for("in het Frans aub", intent="choose_language", slots={"language": "nl"},
                          entities=[{"entity": "language", "value": "fr"}])
    assert _read(tracker, dispatcher)["language"] == "fr"


def test_keeps_language_for_a_short_word_of_the_other_language(tracker_for, dispatcher):
    assert _read(tracker_for("merci", intent="thanks", slots={"language": "nl"}), dispatcher)["language"] == "nl"


def test_crisis_words_send_numbers_even_when_the_model_saw_a_need(tracker_for, dispatcher):
    slots = _read(tracker_for("ik ga mezelf iets aandoen, ik zie het niet meer zitten"), dispatcher)
    assert slots["crisis_detected"] is True and slots["crisis_kind"] == "suicide"
    [message] = dispatcher.messages
    assert message["custom"]["type"] == "emergency_numbers"
    assert "1813" in [n["number"] for n in message["custom"]["numbers"]] and "1813" in message["text"]


def test_crisis_intent_without_known_words_gives_general_numbers(tracker_for, dispatcher):
    slots = _read(tracker_for("help het gaat echt niet meer", intent="crisis"), dispatcher)
    assert slots["crisis_kind"] == "general"
    assert "112" in dispatcher.messages[0]["text"]


def test_a_crisis_in_one_sentence_of_a_story_sends_the_numbers_and_the_conversation_goes_on(tracker_for, dispatcher):
    tracker = tracker_for("Ik zoek hulp voor mijn papieren. Hij heeft de deur op slot gedaan en ik mag niet buiten.",
                          slots={"language": "nl", "crisis_detected": False})
    tracker.latest_message["crisis_in_a_sentence"] = 0.98  # as the NLU marks it (bot/components/intent_classifier.py)
    slots = _read(tracker, dispatcher)
    [message] = dispatcher.messages
    assert message["custom"]["type"] == "emergency_numbers" and message["custom"]["kind"] == "general"
    assert slots["crisis_detected"] is False  # not the crisis flow: the need is asked about next


def test_an_unmarked_story_sends_no_numbers(tracker_for, dispatcher):
    tracker = tracker_for("Ik zoek hulp voor mijn papieren. Mijn man is vaak boos.", slots={"language": "nl"})
    _read(tracker, dispatcher)
    assert dispatcher.messages == []


def test_french_violence_numbers_are_french(tracker_for, dispatcher):
    _read(tracker_for("mon mari me frappe", intent="crisis", slots={"language": "fr"}), dispatcher)
    numbers = [n["number"] for n in dispatcher.messages[0]["custom"]["numbers"]]
    assert "0800 30 030" in numbers and "1712" not in numbers


def test_only_slots_that_change_are_set(tracker_for, dispatcher):
    """Every event costs Rasa on each later turn: an ordinary message in the same language sets nothing."""
    tracker = tracker_for("ik zoek een huisarts in Jette", slots={
        "language": "nl", "crisis_detected": False, "crisis_kind": None, "misunderstandings": 0})
    assert ActionReadMessage().run(dispatcher, tracker, domain={}) == []
    after_crisis = tracker_for("ik zoek een huisarts in Jette", slots={
        "language": "nl", "crisis_detected": True, "crisis_kind": "suicide", "misunderstandings": 1})
    assert _slots(ActionReadMessage().run(dispatcher, after_crisis, domain={})) == {
        "crisis_detected": False, "misunderstandings": 0}
    assert dispatcher.messages == []


def test_misunderstandings_are_counted_in_a_row(tracker_for, dispatcher):
    assert _read(tracker_for("xqzt", intent="nlu_fallback", slots={"misunderstandings": 1}),
                 dispatcher)["misunderstandings"] == 2
    assert _read(tracker_for("hallo", intent="greet", slots={"misunderstandings": 1}),
                 dispatcher)["misunderstandings"] == 0


def test_second_misunderstanding_offers_a_person(tracker_for, dispatcher):
    events = ActionHandleMisunderstanding().run(
        dispatcher, tracker_for("xqzt", intent="nlu_fallback", slots={"misunderstandings": 2}), domain={})
    assert [e["name"] for e in events if e["event"] == "followup"] == ["action_offer_handover"]
    assert dispatcher.messages[0]["response"] == "utter_reason_misunderstood"


@pytest.mark.parametrize(("text", "intent", "confidence", "lang"), [
    ("ik heb honger", "out_of_scope", 0.5, "nl"),  # the model's doubtful guess for it
    ("je n ai plus d argent", "nlu_fallback", 0.45, "fr"),
])
def test_a_need_the_model_did_not_understand_is_taken_as_a_need(tracker_for, dispatcher, text, intent, confidence,
                                                                 lang):
    tracker = tracker_for(text, intent=intent, confidence=confidence,
                          slots={"language": lang, "misunderstandings": 1})
    events = ActionHandleMisunderstanding().run(dispatcher, tracker, domain={})
    slots = _slots(events)
    assert [e["name"] for e in events if e["event"] == "followup"] == ["need_form"]
    assert slots["need_categories"] or slots["need_candidates"]
    assert slots["misunderstandings"] == 0 and dispatcher.messages == []


@pytest.mark.parametrize(("text", "intent", "confidence"), [
    ("wat eten we vanavond", "out_of_scope", 0.96),  # small talk the model is sure of stays small talk
    ("hoe gaat het met jou", "nlu_fallback", 0.4),  # nothing the matcher takes for a need
    ("15", "nlu_fallback", 0.45),
])
def test_small_talk_stays_a_misunderstanding(tracker_for, dispatcher, text, intent, confidence):
    tracker = tracker_for(text, intent=intent, confidence=confidence, slots={"language": "nl"})
    events = ActionHandleMisunderstanding().run(dispatcher, tracker, domain={})
    assert not [e for e in events if e["event"] == "followup"]
    assert dispatcher.messages[0]["response"] in ("utter_out_of_scope", "utter_default")


# --- the need -------------------------------------------------------------------------------------------


def test_analyse_need_finds_categories_place_and_person(tracker_for, dispatcher):
    tracker = tracker_for("mijn moeder kan zich niet meer alleen wassen, ze woont in Laken", slots={"language": "nl"})
    slots = _slots(ActionAnalyseNeed().run(dispatcher, tracker, domain={}))
    # searched on at once when the match is sure, otherwise offered as buttons first
    assert set(slots["need_categories"] + slots["need_candidates"]) & {35, 62}
    assert slots["commune"] == "21004" and slots["postcode"] == "1020"
    assert slots["target_group"] == "parent"


def test_analyse_need_marks_several_needs_and_vulnerability(monkeypatch, tracker_for, dispatcher):
    from dialogue import intake
    # each clause clearly names its own need (the matcher replaced: this is about clauses, not matching)
    sure = {"dettes": 458, "manger": 453}

    def match(text, lang, limit=5, rerank=True):
        found = [intake.CategoryMatch(cid, "x", 10.0) for word, cid in sure.items() if word in text]
        return found[:limit] if len(found) == 1 else [intake.CategoryMatch(c.id, "x", 5.0) for c in found][:limit]

    monkeypatch.setattr(intake, "match_needs", match)
    monkeypatch.setattr(intake, "is_confident", lambda matches: len(matches) == 1)
    tracker = tracker_for("je vis seule, j'ai des dettes et je n'ai plus rien à manger", slots={"language": "fr"})
    slots = _slots(ActionAnalyseNeed().run(dispatcher, tracker, domain={}))
    assert "several_needs" in slots["complex_reasons"] and "vulnerable:alone" in slots["complex_reasons"]
    assert slots["need_categories"] == [458, 453]


DOMAIN = {"slots": {"target_group": {"values": ["self", "child", "parent", "partner", "other"]}}}


def test_commune_answer_is_resolved_to_its_code(tracker_for, dispatcher):
    result = ValidateNeedForm().validate_commune("St-Gilles", dispatcher, tracker_for("St-Gilles"), DOMAIN)
    assert result == {"commune": "21013", "postcode": "1060"}


def test_a_commune_already_resolved_is_kept(tracker_for, dispatcher):
    tracker = tracker_for("ik zoek een tandarts", slots={"commune": "21010", "postcode": "1090"})
    assert ValidateNeedForm().validate_commune("21010", dispatcher, tracker, DOMAIN) == {"commune": "21010"}
    assert dispatcher.messages == []


def test_ambiguous_commune_is_asked_back(tracker_for, dispatcher):
    result = ValidateNeedForm().validate_commune("Woluwe", dispatcher, tracker_for("Woluwe"), DOMAIN)
    assert result == {"commune": None}
    assert dispatcher.messages[0]["response"] == "utter_commune_ambiguous"
    assert "Sint-Pieters-Woluwe" in dispatcher.messages[0]["candidates"]


def test_unknown_place_is_refused_with_an_example(tracker_for, dispatcher):
    result = ValidateNeedForm().validate_commune("Antwerpen", dispatcher, tracker_for("Antwerpen"), DOMAIN)
    assert result == {"commune": None}
    assert dispatcher.messages[0]["response"] == "utter_commune_unknown"


# --- handover ---------------------------------------------------------------------------------------------


def test_handover_summary_lists_what_the_citizen_already_said(tracker_for, dispatcher):
    tracker = tracker_for("ik wil met iemand praten", intent="request_human", slots={
        "language": "nl", "commune": "21001", "need_categories": [35, 458], "vulnerability": ["alone"],
        "complex_reasons": ["several_needs"], "age": 72.0, "proposed_services": ["svc-1"]})
    ActionRequestHandover().run(dispatcher, tracker, domain={})
    [message] = dispatcher.messages
    assert message["response"] == "utter_handover_requested"
    summary = message["custom"]["summary"]
    assert [n["id"] for n in summary["needs"]] == [35, 458] and all(n["name"] for n in summary["needs"])
    assert summary["urgency"] == "high" and summary["age_band"] == "65-79"
    assert summary["commune"] == "21001" and summary["proposed_services"] == ["svc-1"]


def test_the_form_sets_only_what_changes_and_always_what_to_ask_next(tracker_for, dispatcher, form_slots):
    """Rasa applied the extracted `commune` before calling: validated to the same value, it is not set again."""
    domain = {**DOMAIN, "forms": {"need_form": {"required_slots": form_slots}}}
    domain["slots"] = {**DOMAIN["slots"], "commune": {}, "need_choice": {}, "requested_slot": {}}
    tracker = tracker_for("Schaarbeek", intent="inform_location", slots={
        "need_categories": [35], "commune": "21015", "postcode": "1030", "requested_slot": "commune"})
    tracker.events = [{"event": "user", "text": "Schaarbeek"}, {"event": "slot", "name": "commune", "value": "21015"}]
    tracker.active_loop = {"name": "need_form"}
    events = asyncio.run(ValidateNeedForm().run(dispatcher, tracker, domain))
    assert [e for e in events if e["event"] == "slot" and e["name"] == "commune"] == []
    assert [(e["name"], e["value"]) for e in events if e["event"] == "slot"] == [("requested_slot", None)]
