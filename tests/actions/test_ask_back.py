"""Asking back instead of guessing, signals only from understanding, and the widened search's answer
(issue 11): the actions with tracker fixtures. The search and the signal store are replaced by recorders
where the test is about when they are called, not about what they find."""

import asyncio
import contextlib

import pytest

from actions import need, person_and_signals
from dialogue import intake
from kb.taxonomy import CITIZEN_THEMES, category_themes
from kb.taxonomy import categories as taxonomy

CHOOSE_35 = '/choose_category{"category_id": 35}'


def _slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def _followups(events) -> list[str]:
    return [e["name"] for e in events if e["event"] == "followup"]


@pytest.fixture
def recorded(monkeypatch):
    """Signals the actions would record, instead of a database."""
    calls: list[dict] = []
    for module in (need, person_and_signals):
        monkeypatch.setattr(module, "note_signal", lambda **fields: calls.append(fields))
    return calls


@pytest.fixture
def directory(monkeypatch):
    """The answer search_services_per_need gives, set per test; no database."""
    answer = {"services": [], "categories": [], "place": None, "reach": "none", "nearest_km": None}
    monkeypatch.setattr(need, "get_sessionmaker", lambda: lambda: contextlib.nullcontext())
    monkeypatch.setattr(need, "search_services_per_need", lambda session, category_ids, **kwargs: answer)
    return answer


# --- the form asks back only when unsure ------------------------------------------------------------------

@pytest.mark.parametrize(("slots", "expected"), [
    ({"need_categories": [], "need_candidates": [35, 62]}, ["need_choice", "commune"]),
    ({"need_categories": [35], "need_candidates": []}, ["commune"]),
    ({"need_categories": [], "need_candidates": []}, ["commune"]),  # nothing to offer
    # for whom and an age are kept when said, never asked: the search uses neither
    ({"need_categories": [35], "need_candidates": [], "target_group": "child"}, ["commune"]),
])
def test_the_category_is_asked_only_when_the_match_is_unsure(tracker_for, dispatcher, form_slots, slots, expected):
    tracker = tracker_for("x", slots=slots)
    assert asyncio.run(need.ValidateNeedForm().required_slots(form_slots, dispatcher, tracker, {})) == expected


def test_unsure_analysis_offers_candidates_and_accepts_nothing(monkeypatch, tracker_for, dispatcher):
    unsure = [intake.CategoryMatch(35, "x", 1.0), intake.CategoryMatch(62, "y", 0.9)]
    monkeypatch.setattr(intake, "match_needs", lambda text, lang, limit=5, rerank=True: unsure[:limit])
    monkeypatch.setattr(intake, "is_confident", lambda matches: False)
    tracker = tracker_for("iets met thuis", slots={"need_choice": "35", "need_accepted": True})
    slots = _slots(need.ActionAnalyseNeed().run(dispatcher, tracker, {}))
    assert slots["need_categories"] == [] and slots["need_candidates"] == [35, 62]
    assert slots["need_accepted"] is False and slots["need_choice"] is None


def test_a_guess_is_offered_but_never_searched_on(monkeypatch):
    monkeypatch.setattr(intake, "match_needs",
                        lambda text, lang, limit=5, rerank=True: [intake.CategoryMatch(35, "x", 0.1)])
    monkeypatch.setattr(intake, "is_confident", lambda matches: False)
    analysis = intake.analyse_need("iets met thuis", "nl")
    assert analysis.categories == [] and [c.id for c in analysis.candidates] == [35]


def test_a_theme_offers_its_best_categories_less_those_refused(monkeypatch):
    themes = category_themes()
    family = [cid for cid in sorted(themes) if "family" in themes[cid]][:5]
    other = [cid for cid in sorted(themes) if "family" not in themes[cid]][:5]
    ranked = [intake.CategoryMatch(cid, "x", 9.0 - i) for i, cid in enumerate([other[0], family[0], other[1],
                                                                                family[1], family[2], family[3]])]
    seen: list[str] = []
    monkeypatch.setattr(intake, "match_needs",
                        lambda text, lang, limit=5, rerank=True: seen.append(text) or ranked[:limit])
    offered = intake.theme_candidates("problemen met mijn zoon. Ik woon in Anderlecht.", "nl", "family", [family[1]])
    assert offered == [family[0], family[2], family[3]]
    assert seen == ["problemen met mijn zoon."]  # where the citizen lives is no part of the need
    assert intake.theme_candidates("problemen met mijn zoon", "nl", "professional", []) == []  # never offered
    assert intake.theme_candidates("problemen met mijn zoon", "nl", "<script>", []) == []


def test_the_theme_buttons_are_in_the_citizens_language_and_end_with_a_person():
    for lang, money in (("nl", "Geld, schulden en basisnoden"), ("fr", "Argent, dettes et besoins de base"),
                        ("en", "Money, debts and basic needs")):
        buttons = intake.theme_buttons(lang)
        assert [b["payload"] for b in buttons] == [
            *(f'/choose_theme{{"theme": "{theme}"}}' for theme in CITIZEN_THEMES), "/request_human"]
        assert {"title": money, "payload": '/choose_theme{"theme": "money"}'} in buttons


def test_where_the_citizen_lives_is_not_matched_as_a_need(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(intake, "match_needs", lambda text, lang, limit=5, rerank=True: seen.append(text) or [])
    intake.analyse_need("ik heb schulden. Ik woon in Schaarbeek.", "nl")
    assert seen and all("Schaarbeek" not in text for text in seen)
    assert intake.analyse_need("Schaarbeek", "nl").candidates == []


@pytest.mark.parametrize(("lang", "title", "other"), [
    ("nl", "Hulp bij de dagelijkse taken", "Iets anders"),
    ("fr", "Aide aux tâches quotidiennes", "Autre chose"),
    ("en", "Help with daily tasks", "Something else"),
])
def test_the_question_offers_the_candidates_as_buttons_in_the_citizens_language(
        tracker_for, dispatcher, lang, title, other):
    tracker = tracker_for("x", slots={"language": lang, "need_candidates": [35, 62]})
    need.ActionAskNeedChoice().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_need_choice"
    buttons = message["buttons"]
    assert [b["payload"] for b in buttons] == [CHOOSE_35, '/choose_category{"category_id": 62}',
                                               "/service_something_else"]
    assert buttons[0]["title"] == title and buttons[-1]["title"] == other


def test_every_category_meant_for_citizens_has_an_english_name():
    named = intake.english_names()
    assert all(c.id in named for c in taxonomy().values() if not c.for_professionals)
    assert len({name.casefold() for name in named.values()}) == len(named)  # no two buttons alike
    assert intake.category_name(67, "en") == "Social services of the CPAS/OCMW"


def test_a_category_without_an_english_name_falls_back_to_dutch_and_french():
    # 489: local coordination between professionals, never a citizen's need, so it has no English name
    assert 489 not in intake.english_names()
    assert intake.category_name(489, "en") == intake.category_name(489, "nl") + " / " + intake.category_name(489, "fr")


# --- the choice --------------------------------------------------------------------------------------------


def test_a_button_chooses_the_category_and_accepts_it(tracker_for, dispatcher):
    tracker = tracker_for(CHOOSE_35, intent="choose_category", slots={"need_candidates": [35, 62]},
                          entities=[{"entity": "category_id", "value": 35}])
    result = need.ValidateNeedForm().validate_need_choice(35, dispatcher, tracker, {})
    assert result == {"need_choice": "35", "need_categories": [35], "need_accepted": True, "need_candidates": None}


def test_digits_typed_by_the_citizen_are_not_a_button(monkeypatch, tracker_for, dispatcher):
    monkeypatch.setattr(intake, "match_needs", lambda text, lang, limit=5, rerank=True: [])
    tracker = tracker_for("35", intent="describe_need", slots={"need_candidates": [35, 62]})
    result = need.ValidateNeedForm().validate_need_choice("35", dispatcher, tracker, {})
    assert result["need_choice"] is None and not result.get("need_categories")
    assert dispatcher.messages[0]["response"] == "utter_need_not_understood"
    assert "need_candidates" not in result  # the same buttons are asked again


@pytest.mark.parametrize("answer, kept", [
    ("Schaarbeek", {"commune": "21015"}), ("voor mijn moeder", {"target_group": "parent"}),
])
def test_a_place_or_for_whom_answering_which_help_is_kept_and_the_same_buttons_asked(
    tracker_for, dispatcher, answer, kept
):
    tracker = tracker_for(answer, intent="describe_need", slots={"need_candidates": [35, 62]})
    result = need.ValidateNeedForm().validate_need_choice(answer, dispatcher, tracker, {})
    assert result["need_choice"] is None and "need_candidates" not in result
    assert kept.items() <= result.items()
    assert dispatcher.messages[0]["response"] == "utter_noted"


def test_an_unknown_category_id_is_refused(tracker_for, dispatcher):
    tracker = tracker_for('/choose_category{"category_id": 999999}', intent="choose_category",
                          entities=[{"entity": "category_id", "value": 999999}])
    events = need.ActionChooseCategory().run(dispatcher, tracker, {})
    assert _slots(events) == {"need_choice": None}
    assert dispatcher.messages[0]["response"] == "utter_need_not_understood"


def test_a_button_outside_the_question_sets_the_accepted_need(tracker_for, dispatcher):
    tracker = tracker_for(CHOOSE_35, intent="choose_category", entities=[{"entity": "category_id", "value": "35"}])
    slots = _slots(need.ActionChooseCategory().run(dispatcher, tracker, {}))
    assert slots["need_categories"] == [35] and slots["need_accepted"] is True


def test_something_else_to_the_offered_categories_asks_the_theme(tracker_for, dispatcher):
    tracker = tracker_for("/service_something_else", intent="service_something_else", slots={
        "language": "fr", "need_text": "des soucis avec mon fils", "need_categories": [],
        "need_candidates": [35, 62, 346], "need_refused": [], "need_theme_asked": False})
    events = need.ActionSomethingElse().run(dispatcher, tracker, {})
    slots = _slots(events)
    assert slots["need_refused"] == [35, 62, 346] and slots["need_candidates"] is None
    assert slots["need_theme_asked"] is True
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_theme" and message["buttons"] == intake.theme_buttons("fr")


def test_a_theme_chosen_offers_its_categories_through_the_form(monkeypatch, tracker_for, dispatcher):
    calls: list[tuple] = []
    monkeypatch.setattr(intake, "theme_candidates", lambda *args: calls.append(args) or [22, 34])
    tracker = tracker_for('/choose_theme{"theme": "family"}', intent="choose_theme", slots={
        "language": "nl", "need_text": "problemen met mijn zoon", "need_refused": [35, 62]},
        entities=[{"entity": "theme", "value": "family"}])
    events = need.ActionChooseTheme().run(dispatcher, tracker, {})
    assert calls == [("problemen met mijn zoon", "nl", "family", [35, 62])]
    assert _slots(events) == {"need_theme": "family", "need_candidates": [22, 34], "need_categories": None}
    assert _followups(events) == ["need_form"] and dispatcher.messages == []
    # need_form then asks with them, said as a second try
    need.ActionAskNeedChoice().run(dispatcher, tracker_for('/choose_theme{"theme": "family"}', intent="choose_theme",
                                                           slots={"language": "nl", "need_candidates": [22, 34]}), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_need_choice_more"
    assert [b["payload"] for b in message["buttons"]][:2] == ['/choose_category{"category_id": 22}',
                                                               '/choose_category{"category_id": 34}']


def test_a_theme_with_nothing_left_or_unknown_asks_to_say_it_again(tracker_for, dispatcher):
    tracker = tracker_for('/choose_theme{"theme": "nonsense"}', intent="choose_theme",
                          slots={"need_text": "problemen met mijn zoon"}, entities=[{"entity": "theme", "value": "x"}])
    events = need.ActionChooseTheme().run(dispatcher, tracker, {})
    assert _followups(events) == [] and _slots(events) == {"need_theme": None}  # nothing of the payload kept
    assert dispatcher.messages[0]["response"] == "utter_ask_describe_again"


def test_something_else_after_the_theme_asks_to_say_it_again(tracker_for, dispatcher):
    tracker = tracker_for("/service_something_else", intent="service_something_else", slots={
        "need_text": "des soucis avec mon fils", "need_categories": [], "need_candidates": [22, 34],
        "need_refused": [35, 62, 346], "need_theme": "family", "need_theme_asked": True, "no_result_count": 0})
    slots = _slots(need.ActionSomethingElse().run(dispatcher, tracker, {}))
    assert slots["need_candidates"] is None and slots["need_refused"] == [35, 62, 346, 22, 34]
    assert dispatcher.messages[0]["response"] == "utter_ask_describe_again"


def test_something_else_to_the_proposed_services_asks_the_theme_without_their_category(tracker_for, dispatcher):
    tracker = tracker_for("/service_something_else", intent="service_something_else", slots={
        "need_text": "ik heb schulden", "need_categories": [35], "need_accepted": True, "need_theme_asked": False})
    slots = _slots(need.ActionSomethingElse().run(dispatcher, tracker, {}))
    assert slots["need_categories"] is None and slots["need_accepted"] is False and slots["need_refused"] == [35]
    assert dispatcher.messages[0]["response"] == "utter_ask_theme"


def test_something_else_forgets_the_category(tracker_for, dispatcher):
    tracker = tracker_for("/service_something_else", intent="service_something_else",
                          slots={"need_categories": [35], "need_accepted": True, "no_result_count": 0})
    slots = _slots(need.ActionSomethingElse().run(dispatcher, tracker, {}))
    assert slots["need_categories"] is None and slots["need_accepted"] is False and slots["need_candidates"] is None
    assert dispatcher.messages[0]["response"] == "utter_ask_describe_again"


# --- signals only from understanding -------------------------------------------------------------------------


def test_nothing_found_for_a_match_nobody_confirmed_asks_and_records_nothing(tracker_for, dispatcher, recorded,
                                                                             directory):
    tracker = tracker_for("x", slots={"language": "nl", "need_categories": [924], "need_accepted": False,
                                      "commune": "21010", "postcode": "1090"})
    events = need.ActionProposeServices().run(dispatcher, tracker, {})
    assert recorded == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_confirm_need_missing"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ['/choose_category{"category_id": 924}', "/service_something_else", "/request_human"]
    assert _slots(events)["need_candidates"] == [924]


def test_nothing_found_in_the_region_for_a_chosen_category_is_an_unmet_need(tracker_for, dispatcher, recorded,
                                                                             directory):
    tracker = tracker_for(CHOOSE_35, intent="choose_category", slots={
        "language": "fr", "need_categories": [924], "need_accepted": True, "commune": "21010", "postcode": "1090"})
    need.ActionProposeServices().run(dispatcher, tracker, {})
    [signal] = recorded
    assert signal["signal_type"] == "unmet_need" and signal["category_ids"] == [924]
    assert signal["commune"] == "21010" and signal["language"] == "fr"
    assert dispatcher.messages[0]["response"] == "utter_no_service_found"


def test_services_found_farther_say_how_far(tracker_for, dispatcher, recorded, directory):
    directory.update(services=[{"id": "s1"}], reach="region", nearest_km=3.4)
    tracker = tracker_for("x", slots={"language": "nl", "need_categories": [458], "need_accepted": True,
                                      "commune": "21015", "postcode": "1030"})
    need.ActionProposeServices().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_services_found_farther" and message["km"] == "3,4"
    assert message["place"] == "Schaarbeek" and message["custom"]["reach"] == "region"
    assert recorded == []


def test_a_need_the_model_took_for_a_barrier_is_no_knelpunt(tracker_for, dispatcher, recorded):
    tracker = tracker_for("wij gaan uit elkaar, wat zijn mijn rechten", intent="report_barrier",
                          slots={"language": "nl"})
    events = person_and_signals.ActionRecordBarrier().run(dispatcher, tracker, {})
    assert recorded == []
    assert _followups(events) == ["need_form"] or dispatcher.messages[0]["response"] == "utter_need_not_understood"


def test_a_reported_barrier_is_a_knelpunt(tracker_for, dispatcher, recorded):
    tracker = tracker_for("de kinesist is veel te duur, ik kan dat niet betalen", intent="report_barrier",
                          slots={"language": "nl"})
    person_and_signals.ActionRecordBarrier().run(dispatcher, tracker, {})
    [signal] = recorded
    assert signal["signal_type"] == "knelpunt" and signal["barrier"] == "cost"
    assert dispatcher.messages[0]["response"] == "utter_barrier_noted"


@pytest.mark.parametrize(("km", "lang", "text"), [(3.4, "nl", "3,4"), (3.4, "en", "3.4"), (12.3, "fr", "12"),
                                                  (2.0, "fr", "2")])
def test_distances_are_written_the_citizens_way(km, lang, text):
    assert intake.km_text(km, lang) == text
