"""Every conversation flow, in Dutch and in French, through the real stack: API -> Rasa (trained model)
-> action server -> sociale kaart / signals -> back to the citizen."""

from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.db import make_engine
from dialogue import i18n
from dialogue.signal_models import Signal
from kb.emergency import numbers_for
from kb.taxonomy import CITIZEN_THEMES, category_themes

pytestmark = pytest.mark.stack


@dataclass
class Citizen:
    """A citizen in the widget's place: starts a conversation, then talks with its token."""

    api: httpx.Client
    lang: str | None = None
    conversation_id: str = ""
    token: str = ""
    replies: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        started = self.api.post("/api/v1/conversations", json={"lang": self.lang} if self.lang else {})
        assert started.status_code == 201, started.text
        self.conversation_id, self.token = started.json()["conversation_id"], started.json()["token"]

    def say(self, text: str) -> list[dict]:
        response = self.api.post(
            "/webhooks/rest/webhook",
            json={"sender": self.conversation_id, "message": text},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        assert response.status_code == 200, response.text
        self.replies = response.json()
        return self.replies

    def texts(self) -> list[str]:
        return [r["text"] for r in self.replies if r.get("text")]

    def custom(self, kind: str) -> dict | None:
        return next((r["custom"] for r in self.replies if kind in (r.get("custom") or {}).get("type", "")), None)

    def payloads(self) -> list[str]:
        return [b["payload"] for r in self.replies for b in r.get("buttons") or []]


def catalog_text(key: str, lang: str) -> str:
    entry = i18n.catalogs()[lang][key]
    return entry["text"] if isinstance(entry, dict) else entry


def starts_like(text: str, key: str, lang: str) -> bool:
    """The reply is the catalog text (compared up to its first placeholder)."""
    return text.startswith(catalog_text(key, lang).split("{")[0].strip())


def said(citizen: Citizen, key: str, lang: str) -> bool:
    return any(starts_like(t, key, lang) for t in citizen.texts())


@pytest.fixture
def citizen(api):
    return lambda lang=None: Citizen(api, lang)


def signals(stack, signal_type: str) -> list[Signal]:
    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(Signal).where(Signal.signal_type == signal_type).order_by(Signal.id)))
    finally:
        engine.dispose()


# --- finding the right partner -------------------------------------------------------------------------

NEEDS = [
    ("nl", "mijn moeder kan zich niet meer alleen wassen", "Schaarbeek", {35, 62, 346}),
    ("fr", "je n'arrive plus à payer mon loyer", "1060", {3}),
]


FOUND = ("utter_services_found", "utter_services_found_farther", "utter_services_found_region_wide")


def choose_if_asked(person: Citizen, categories: set[int] | None = None) -> None:
    """When the assistant asks back which help is meant, press the button of an expected category
    (any offered one when the test is about something else)."""
    offered = [p for p in person.payloads() if p.startswith("/choose_category")]
    if offered:
        chosen = [p for p in offered if categories is None or any(f": {c}}}" in p for c in categories)]
        assert chosen, person.replies
        person.say(chosen[0])


@pytest.mark.parametrize(("lang", "need", "place", "expected_categories"), NEEDS)
def test_need_then_place_gives_at_most_three_services(citizen, lang, need, place, expected_categories):
    person = citizen()
    person.say(need)
    choose_if_asked(person, expected_categories)
    assert said(person, "utter_ask_commune", lang), person.replies
    person.say(place)
    cards = person.custom("service")
    assert cards, person.replies
    assert 1 <= len(cards["services"]) <= 3
    for service in cards["services"]:
        assert service["name"] and service["address"] and service["phones"] is not None
        assert all(set(c) >= {"id", "name"} for c in service["categories"])
    assert {c["id"] for c in cards["services"][0]["categories"]} & expected_categories
    assert any(said(person, key, lang) for key in FOUND)
    assert {"/service_helpful", "/service_something_else", "/request_human"} <= set(person.payloads())


def test_place_in_the_first_message_is_not_asked_again(citizen):
    person = citizen()
    person.say("ik heb schulden bij de energieleverancier, ik woon in Laken")
    choose_if_asked(person)
    assert person.custom("service"), person.replies
    assert not said(person, "utter_ask_commune", "nl")


def test_services_follow_the_commune_without_asking_for_whom(citizen):
    # the search uses neither for whom nor an age: asking them only delayed the services by a turn or two
    person = citizen("fr")
    person.say("besoin d'un médecin généraliste")
    choose_if_asked(person)
    assert said(person, "utter_ask_commune", "fr")
    person.say("Ixelles")
    assert person.custom("service"), person.replies
    person.say("c'est pour ma fille de 15 ans")  # said anyway: kept for a person who takes over
    person.say("je voudrais parler à quelqu'un")
    summary = person.custom("handover")["summary"]
    assert summary["target_group"] == "child" and summary["age_band"] == "0-17", summary


def test_ambiguous_place_is_asked_back_with_its_candidates(citizen):
    person = citizen()
    person.say("ik zoek voedselhulp voor mezelf")
    choose_if_asked(person)
    person.say("Woluwe")
    assert any("Sint-Lambrechts-Woluwe" in t and "Sint-Pieters-Woluwe" in t for t in person.texts())
    person.say("1200")
    assert person.custom("service"), person.replies


# --- crisis first ------------------------------------------------------------------------------------------

CRISES = [
    ("nl", "ik wil er niet meer zijn", "suicide", "1813"),
    ("fr", "j'ai envie d'en finir avec la vie", "suicide", "0800 32 123"),
    ("nl", "mijn man slaat me elke dag", "violence", "1712"),
    ("fr", "mon mari me frappe", "violence", "0800 30 030"),
    ("nl", "mijn vader is gevallen en reageert niet", "medical", "112"),
]


@pytest.mark.parametrize(("lang", "message", "kind", "number"), CRISES)
def test_crisis_numbers_come_first_then_a_person_is_offered(citizen, lang, message, kind, number):
    person = citizen()
    person.say(message)
    # The very first reply: the numbers as text, then as structured data (Rasa sends them as two messages).
    first, structured = person.replies[0], person.replies[1]
    assert number in first["text"] and starts_like(first["text"], "api_emergency_numbers", lang)
    assert structured["custom"]["type"] == "emergency_numbers"
    assert [n["number"] for n in structured["custom"]["numbers"]] == [n["number"] for n in numbers_for(kind, lang)]
    assert said(person, "utter_offer_handover", lang) and "/request_human" in person.payloads()
    assert not said(person, "utter_ask_commune", lang)


# A crisis told inside a story: the message as a whole reads as a need, one of its sentences as a crisis, and no
# crisis words are in it (bot/components/intent_classifier.py marks it; actions/every_message.py reads the mark).
CRISES_IN_A_STORY = [
    ("nl", "Ik zoek hulp voor mijn papieren bij het OCMW. Mijn man is net thuisgekomen en hij is heel boos. "
           "Hij heeft de deur op slot gedaan en ik mag niet meer buiten."),
    ("en", "I need some help with the forms for child benefit. My husband came home drunk again. "
           "He locked the door and took my phone and I can't get out."),
]


@pytest.mark.parametrize(("lang", "message"), CRISES_IN_A_STORY)
def test_a_crisis_told_in_a_story_gets_the_numbers_first_and_the_conversation_goes_on(citizen, lang, message):
    person = citizen()
    person.say(message)
    first, structured = person.replies[0], person.replies[1]
    assert "112" in first["text"] and starts_like(first["text"], "api_emergency_numbers", lang), person.replies
    assert structured["custom"] == {"type": "emergency_numbers", "kind": "general",
                                    "numbers": numbers_for("general", lang)}
    later = person.replies[2:]
    assert later and not any(r.get("custom", {}).get("type") == "emergency_numbers" for r in later), person.replies


# --- a person ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "message"), [("nl", "ik wil met iemand praten"),
                                                 ("fr", "je veux parler à quelqu'un")])
def test_asking_for_a_person_always_works(citizen, lang, message):
    person = citizen()
    person.say(message)
    handover = person.custom("handover")
    assert handover, person.replies
    assert handover["summary"]["language"] == lang
    assert said(person, "utter_handover_requested", lang)


MARIE_ROSE = {
    "nl": ("Mijn moeder is 72 jaar en woont alleen op de vierde verdieping zonder lift. Ze heeft diabetes en "
           "wonden aan haar voeten die niet genezen, ze slaapt slecht en is eenzaam. Haar zoon is gewelddadig "
           "en ze durft de bus niet te nemen. Ze woont in Anderlecht."),
    "fr": ("Ma mère a 72 ans et vit seule au quatrième étage sans ascenseur. Elle a du diabète et des plaies aux "
           "pieds qui ne guérissent pas, elle dort mal et elle est très isolée. Son fils est violent et elle a "
           "peur de prendre le bus. Elle habite à Anderlecht."),
}


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_marie_rose_is_offered_a_person_and_handed_over_with_her_needs(citizen, lang):
    person = citizen(lang)
    person.say(MARIE_ROSE[lang])
    assert said(person, "utter_offer_handover", lang), person.replies
    person.say("/request_human")
    assert person.custom("handover"), person.replies
    summary = person.custom("handover")["summary"]
    assert len(summary["needs"]) >= 2
    assert summary["urgency"] in ("crisis", "high")
    assert "alone" in summary["vulnerability"] and "elderly" in summary["vulnerability"]
    assert summary["commune"] == "21001"  # Anderlecht


@pytest.mark.parametrize("lang, message, band", [
    ("nl", "ik ben 17 en ik denk dat ik homo ben, ik durf het aan niemand te zeggen. Ik woon in Schaerbeek.", "0-17"),
    ("fr", "Je suis veuve, 78 ans, je ne vois plus personne. J'habite à Ixelles.", "65-79"),
])
def test_a_stated_age_is_kept_as_an_age_band(citizen, lang, message, band):
    # Rasa fills the `age` slot with the entity's text ("17"): once this made the actions fail and the
    # citizen got no answer at all.
    person = citizen(lang)
    assert person.say(message), "no answer"
    person.say("/request_human")
    assert person.custom("handover"), person.replies
    assert person.custom("handover")["summary"]["age_band"] == band


def test_two_misunderstandings_in_a_row_offer_a_person(citizen):
    person = citizen("nl")
    person.say("qsdkjfh zxcvbn")
    assert not said(person, "utter_offer_handover", "nl")
    person.say("mlkjqsd poiuyt")
    assert said(person, "utter_offer_handover", "nl"), person.replies


def test_none_of_the_offered_categories_asks_the_theme_and_offers_its_categories(citizen):
    person = citizen("nl")
    person.say("ik heb problemen met mijn zoon, ik woon in Anderlecht")  # vague: asked back
    first = [p for p in person.payloads() if p.startswith("/choose_category")]
    assert first and said(person, "utter_ask_need_choice", "nl"), person.replies
    person.say("/service_something_else")
    assert said(person, "utter_ask_theme", "nl"), person.replies
    themes = [p for p in person.payloads() if p.startswith("/choose_theme")]
    assert len(themes) == len(CITIZEN_THEMES) and "/request_human" in person.payloads()
    person.say('/choose_theme{"theme": "family"}')
    assert said(person, "utter_ask_need_choice_more", "nl"), person.replies
    assert not said(person, "utter_need_not_understood", "nl"), person.replies  # the payload is no need
    second = [int(p.split(":")[1].strip(" }")) for p in person.payloads() if p.startswith("/choose_category")]
    assert second and not {f'/choose_category{{"category_id": {c}}}' for c in second} & set(first)
    assert all("family" in category_themes()[c] for c in second), second
    person.say(f'/choose_category{{"category_id": {second[0]}}}')
    cards = person.custom("service")
    assert cards, person.replies
    assert all(second[0] in {c["id"] for c in s["categories"]} for s in cards["services"])


def test_something_else_to_the_theme_categories_asks_to_say_it_again(citizen):
    person = citizen("fr")
    person.say("j'ai des soucis avec mon fils, j'habite à Anderlecht")
    person.say("/service_something_else")
    person.say('/choose_theme{"theme": "family"}')
    assert [p for p in person.payloads() if p.startswith("/choose_category")], person.replies
    person.say("/service_something_else")
    assert said(person, "utter_ask_describe_again", "fr") and not said(person, "utter_ask_theme", "fr"), person.replies


@pytest.mark.parametrize(("lang", "text"), [("fr", "ok"), ("en", "hi")])
def test_a_conversation_started_in_a_language_is_answered_in_it(citizen, lang, text):
    person = citizen(lang)  # the widget or a client chose the language when the conversation started
    person.say(text)
    assert person.replies and all(r["metadata"]["lang"] == lang for r in person.replies), person.replies


def test_a_place_given_instead_of_a_choice_is_kept_and_the_choice_asked_again(citizen):
    person = citizen("nl")
    person.say("ik heb problemen met mijn zoon")
    first = [p for p in person.payloads() if p.startswith("/choose_category")]
    assert first, person.replies
    person.say("Anderlecht")  # not a need: the same question again, and the commune is known
    assert [p for p in person.payloads() if p.startswith("/choose_category")] == first, person.replies
    person.say(first[0])
    assert not said(person, "utter_ask_commune", "nl"), person.replies


@pytest.mark.parametrize(("lang", "message", "place", "expected"), [
    ("nl", "ik heb honger", "Schaarbeek", {453, 43, 454, 12}),  # food parcels, social restaurants, grocery
    ("fr", "j ai faim", "Schaerbeek", {453, 43, 454, 12}),
])
def test_a_short_need_in_unseen_words_is_still_a_need(citizen, lang, message, place, expected):
    person = citizen(lang)
    person.say(message)
    assert not said(person, "utter_out_of_scope", lang) and not said(person, "utter_default", lang), person.replies
    choose_if_asked(person, expected)
    if said(person, "utter_ask_commune", lang):
        person.say(place)
    cards = person.custom("service")
    assert cards, person.replies
    assert {c["id"] for c in cards["services"][0]["categories"]} & expected


def test_something_else_asks_the_theme_once_then_to_say_it_again_then_offers_a_person(citizen):
    person = citizen("fr")
    person.say("je cherche une aide alimentaire pour moi à Molenbeek")
    choose_if_asked(person)
    assert person.custom("service"), person.replies
    person.say("/service_something_else")
    assert said(person, "utter_ask_theme", "fr"), person.replies
    person.say("/service_something_else")  # e.g. the button under the cards, pressed again
    assert said(person, "utter_ask_describe_again", "fr"), person.replies
    person.say("/service_something_else")
    assert said(person, "utter_offer_handover", "fr"), person.replies


# --- signals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "message", "barrier"), [
    ("nl", "er is nergens een huisarts die nog nieuwe patiënten aanneemt, overal een wachtlijst", "waiting_list"),
    # Phrasings from the NLU training data: the test checks the signal path, not the model's guess on new words.
    ("fr", "le kiné demande un supplément que je peux pas payer", "cost"),
])
def test_a_barrier_is_noted_as_an_anonymised_signal(citizen, stack, lang, message, barrier):
    before = len(signals(stack, "knelpunt"))
    person = citizen(lang)
    person.say(message)
    assert said(person, "utter_barrier_noted", lang), person.replies
    after = signals(stack, "knelpunt")
    assert len(after) == before + 1
    assert after[-1].barrier == barrier and after[-1].language == lang and after[-1].source == "citizen"


@pytest.mark.parametrize(("lang", "message"), [
    ("nl", "wij gaan uit elkaar, wat zijn mijn rechten"),  # once taken for a barrier by the model
    ("nl", "somber, kan niet slapen"),
    ("fr", "je cherche une aide alimentaire pour moi à Molenbeek"),
])
def test_a_need_never_records_a_knelpunt(citizen, stack, lang, message):
    before = len(signals(stack, "knelpunt"))
    person = citizen(lang)
    person.say(message)
    assert person.replies
    assert len(signals(stack, "knelpunt")) == before


def category_without_services(stack) -> int:
    """A citizen-facing category the stack's directory has no service for (the demo covers some only)."""
    from kb import models as m
    from kb.taxonomy import categories, term_uuid

    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            used = set(connection.scalars(select(m.ServiceSearch.taxonomy_term_id).distinct()))
    finally:
        engine.dispose()
    return next(c.id for c in sorted(categories().values(), key=lambda c: c.id)
                if term_uuid(c.id) not in used and not c.for_professionals)


def press(person: Citizen, category_id: int) -> list[dict]:
    return person.say(f'/choose_category{{"category_id": {category_id}}}')


def greet(person: Citizen, lang: str) -> None:
    """A button's payload says nothing of the language: the citizen has spoken first."""
    person.say({"nl": "goeiedag", "fr": "bonjour"}[lang])


@pytest.mark.parametrize(("lang", "place", "commune"), [("nl", "Jette", "21010"), ("fr", "Evere", "21006")])
def test_nothing_in_the_region_for_a_chosen_need_is_an_unmet_need_signal_once(citizen, stack, lang, place,
                                                                                commune):
    missing = category_without_services(stack)
    before = len(signals(stack, "unmet_need"))
    person = citizen(lang)
    greet(person, lang)
    press(person, missing)
    assert said(person, "utter_ask_commune", lang), person.replies
    person.say(place)
    assert said(person, "utter_no_service_found", lang), person.replies
    assert not person.custom("service")
    recorded = signals(stack, "unmet_need")
    assert len(recorded) == before + 1
    assert recorded[-1].commune_code == commune and recorded[-1].source == "assistant"
    press(person, missing)  # the same need again: still nothing, now a person is offered; the signal counts once
    assert said(person, "utter_offer_handover", lang), person.replies
    assert len(signals(stack, "unmet_need")) == before + 1


@pytest.mark.parametrize(("lang", "need", "place"), [("nl", "ik zoek een tandarts voor mezelf", "Jette"),
                                                       ("fr", "je cherche un dentiste pour moi", "Evere")])
def test_no_unmet_need_signal_for_a_category_the_citizen_did_not_choose(citizen, stack, lang, need, place):
    before = len(signals(stack, "unmet_need"))
    person = citizen(lang)
    person.say(need)
    person.say(place)
    assert len(signals(stack, "unmet_need")) == before  # matched only: found, asked back, or asked to confirm
    if said(person, "utter_confirm_need_missing", lang):
        [confirm] = [p for p in person.payloads() if p.startswith("/choose_category")][:1]
        person.say(confirm)  # confirmed by the citizen: now it is an unmet need
        assert said(person, "utter_no_service_found", lang), person.replies
        assert len(signals(stack, "unmet_need")) == before + 1


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_a_category_button_leads_to_cards_of_that_category(citizen, lang):
    person = citizen(lang)
    greet(person, lang)
    press(person, 453)  # food parcels: whatever the NLU model would have made of the words
    person.say("1030")
    cards = person.custom("service")
    assert cards, person.replies
    assert all(453 in {c["id"] for c in service["categories"]} for service in cards["services"])
    assert [n["id"] for n in cards["need"]] == [453]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_something_else_instead_of_an_answer_asks_to_say_it_again(citizen, lang):
    person = citizen(lang)
    greet(person, lang)
    press(person, 453)
    assert said(person, "utter_ask_commune", lang), person.replies
    person.say("/service_something_else")
    assert said(person, "utter_ask_describe_again", lang), person.replies


def far_from_every_service(stack) -> tuple[int, str] | tuple[None, None]:
    """A category and a postcode with no service of that category near it, but some elsewhere in the
    region: among the categories with the fewest services."""
    from sqlalchemy import func

    from dialogue.service_cards import search_services
    from kb import models as m
    from kb.geo import communes
    from kb.taxonomy import categories, term_uuid

    by_term = {term_uuid(cid): cid for cid in categories()}
    engine = make_engine(stack.settings.database_url)
    try:
        with Session(engine) as session:
            rare = session.execute(
                select(m.ServiceSearch.taxonomy_term_id).where(m.ServiceSearch.latitude.is_not(None))
                .group_by(m.ServiceSearch.taxonomy_term_id)
                .having(func.count(func.distinct(m.ServiceSearch.service_id)).between(1, 2)).limit(5)
            ).scalars().all()
            for category in (by_term[t] for t in rare if t in by_term):
                for commune in communes():
                    postcode = commune.postcodes[0]
                    found = search_services(session, category_ids=[category], postcode=postcode, limit=3)
                    if found["reach"] == "region" and found["nearest_km"]:
                        return category, postcode
    finally:
        engine.dispose()
    return None, None


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_nothing_near_gives_the_nearest_in_the_region_and_says_how_far(citizen, stack, lang):
    category, postcode = far_from_every_service(stack)
    if category is None:
        pytest.skip("the directory has every need it knows in every commune")
    before = len(signals(stack, "unmet_need"))
    person = citizen(lang)
    greet(person, lang)
    press(person, category)
    person.say(postcode)
    cards = person.custom("service")
    assert cards and cards["reach"] == "region", person.replies
    assert said(person, "utter_services_found_farther", lang) and " km " in person.texts()[0]
    assert len(signals(stack, "unmet_need")) == before  # something was found: no unmet need


# --- the rest -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "message"), [("nl", "wat voor weer wordt het morgen?"),
                                                 ("fr", "raconte-moi une blague")])
def test_out_of_scope_gets_a_short_kind_answer(citizen, lang, message):
    person = citizen(lang)
    person.say(message)
    assert said(person, "utter_out_of_scope", lang), person.replies


def test_citizen_can_switch_language(citizen):
    person = citizen()
    person.say("bonjour")
    assert said(person, "utter_greet", "fr")
    person.say("in het Nederlands alstublieft")
    assert said(person, "utter_language_chosen", "nl"), person.replies


def test_a_language_course_is_a_need_not_a_language_switch(citizen):
    # The model took "cours de français le soir" for choose_language and switched to French instead.
    person = citizen("fr")
    person.say("cours de néerlandais le soir, j'habite à Ixelles")
    assert not said(person, "utter_language_chosen", "nl") and not said(person, "utter_language_chosen", "fr")
    choose_if_asked(person, {616, 618})
    cards = person.custom("service_list")
    assert cards and any(618 in [c["id"] for c in s["categories"]] for s in cards["services"]), person.replies
    assert said(person, "utter_services_found", "fr") or said(person, "utter_services_found_farther", "fr")


@pytest.mark.parametrize(("lang", "message"), [("nl", "vergeet dit gesprek"), ("fr", "oubliez cette conversation")])
def test_forget_the_conversation(citizen, api, lang, message):
    person = citizen(lang)
    person.say("hallo" if lang == "nl" else "bonjour")
    person.say(message)
    assert said(person, "utter_forgotten", lang), person.replies
    history = api.get(f"/api/v1/conversations/{person.conversation_id}/messages",
                      headers={"Authorization": f"Bearer {person.token}"})
    assert history.status_code == 401  # the conversation no longer exists


@pytest.mark.parametrize("message", ["😀😀😀", "x" * 5000, "<script>alert(1)</script>", "Привет, как дела?",
                                     "你好", "   "])
def test_odd_input_gets_an_answer_and_the_conversation_goes_on(citizen, message):
    # Odd input is out_of_scope by a rule after the model (bot/components/odd_input_rules.py), never a need.
    person = citizen("nl")
    person.say("goeiedag")
    replies = person.say(message)
    assert said(person, "utter_out_of_scope", "nl"), replies
    assert not said(person, "utter_ask_commune", "nl")
    assert all("<script>" not in (r.get("text") or "") for r in replies)
    person.say("hallo")
    assert said(person, "utter_greet", "nl")
