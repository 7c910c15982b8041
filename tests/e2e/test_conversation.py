"""Every conversation flow, in Dutch and in French, through the real stack: API -> Rasa (trained model)
-> action server -> sociale kaart / signals -> back to the citizen."""

from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import select

from api import i18n
from api.models_signals import Signal
from kb.db import make_engine
from kb.emergency import numbers_for

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


@pytest.mark.parametrize(("lang", "need", "place", "expected_categories"), NEEDS)
def test_need_then_place_gives_at_most_three_services(citizen, lang, need, place, expected_categories):
    person = citizen()
    person.say(need)
    assert said(person, "utter_ask_commune", lang), person.replies
    person.say(place)
    cards = person.custom("service")
    assert cards, person.replies
    assert 1 <= len(cards["services"]) <= 3
    for service in cards["services"]:
        assert service["name"] and service["address"] and service["phones"] is not None
        assert all(set(c) >= {"id", "name"} for c in service["categories"])
    assert {c["id"] for c in cards["services"][0]["categories"]} & expected_categories
    assert said(person, "utter_services_found", lang)
    assert {"/service_helpful", "/service_something_else", "/request_human"} <= set(person.payloads())


def test_place_in_the_first_message_is_not_asked_again(citizen):
    person = citizen()
    person.say("ik heb schulden bij de energieleverancier, ik woon in Laken")
    assert person.custom("service"), person.replies
    assert not said(person, "utter_ask_commune", "nl")


def test_for_whom_is_asked_when_unclear_then_services(citizen):
    person = citizen("fr")
    person.say("besoin d'un médecin généraliste")
    assert said(person, "utter_ask_commune", "fr")
    person.say("Ixelles")
    assert said(person, "utter_ask_target_group", "fr")
    person.say('/inform_target{"target_group": "self"}')
    assert person.custom("service"), person.replies


def test_ambiguous_place_is_asked_back_with_its_candidates(citizen):
    person = citizen()
    person.say("ik zoek voedselhulp voor mezelf")
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


def test_two_misunderstandings_in_a_row_offer_a_person(citizen):
    person = citizen("nl")
    person.say("qsdkjfh zxcvbn")
    assert not said(person, "utter_offer_handover", "nl")
    person.say("mlkjqsd poiuyt")
    assert said(person, "utter_offer_handover", "nl"), person.replies


def test_something_else_twice_offers_a_person(citizen):
    person = citizen("fr")
    person.say("je cherche une aide alimentaire pour moi à Molenbeek")
    assert person.custom("service"), person.replies
    person.say("/service_something_else")
    assert said(person, "utter_ask_describe_again", "fr")
    person.say("/service_something_else")
    assert said(person, "utter_offer_handover", "fr"), person.replies


# --- signals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "message", "barrier"), [
    ("nl", "er is nergens een huisarts die nog nieuwe patiënten aanneemt, overal een wachtlijst", "waiting_list"),
    ("fr", "le kiné est beaucoup trop cher pour moi, je peux pas payer", "cost"),
])
def test_a_barrier_is_noted_as_an_anonymised_signal(citizen, stack, lang, message, barrier):
    before = len(signals(stack, "knelpunt"))
    person = citizen(lang)
    person.say(message)
    assert said(person, "utter_barrier_noted", lang), person.replies
    after = signals(stack, "knelpunt")
    assert len(after) == before + 1
    assert after[-1].barrier == barrier and after[-1].language == lang and after[-1].source == "citizen"


@pytest.mark.parametrize(("lang", "need", "place", "commune"), [
    ("nl", "ik zoek een tandarts voor mezelf", "Jette", "21010"),
    ("fr", "je cherche un dentiste pour moi", "Evere", "21006"),
])
def test_no_service_is_an_unmet_need_signal_and_twice_offers_a_person(citizen, stack, lang, need, place, commune):
    before = len(signals(stack, "unmet_need"))
    person = citizen(lang)
    person.say(need)
    person.say(place)
    assert said(person, "utter_no_service_found", lang), person.replies
    assert not person.custom("service")
    recorded = signals(stack, "unmet_need")
    assert len(recorded) == before + 1
    assert recorded[-1].commune_code == commune and recorded[-1].source == "assistant"
    person.say(need)  # the same need again: still nothing, now a person is offered; the signal counts once
    assert said(person, "utter_offer_handover", lang), person.replies
    assert len(signals(stack, "unmet_need")) == before + 1


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
    person = citizen("nl")
    person.say("goeiedag")
    replies = person.say(message)
    assert replies and all(r.get("text") or r.get("custom") for r in replies)
    assert all("<script>" not in (r.get("text") or "") for r in replies)
    person.say("hallo")
    assert said(person, "utter_greet", "nl")
