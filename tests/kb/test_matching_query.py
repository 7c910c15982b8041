"""Query-side handling in need matching: what a citizen adds around the need is not the need."""

import pytest

from kb.matching import match_needs
from kb.need_query import without_framing, without_service_language

LANGUAGE_COURSES = {615, 616, 617, 618, 619}  # literacy, French and Dutch for speakers of other languages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ik wil in het Nederlands geholpen worden met een probleem thuis.",
            "Ik wil geholpen worden met een probleem thuis.",
        ),
        ("une assistante sociale en français svp", "une assistante sociale svp"),
        ("a psychologist who speaks in English", "a psychologist who speaks"),
        ("zijn er AA groepen in het nederlands?", "zijn er AA groepen ?"),
        ("ik zoek een huisarts die Spaans spreekt", "ik zoek een huisarts"),
        ("un médecin qui parle l'arabe à Schaerbeek", "un médecin à Schaerbeek"),
        ("I need a GP who speaks Spanish, I live in Ixelles", "I need a GP , I live in Ixelles"),
        ("een advocaat die ook goed Turks spreekt", "een advocaat"),
    ],
)
def test_the_language_to_be_helped_in_is_left_out(text, expected):
    assert without_service_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ik wil lessen in het Nederlands",
        "des cours en français",
        "learn to read in French",
        "alphabétisation en français",
        "ik wil leren lezen bij iemand die Arabisch spreekt",
    ],
)
def test_a_text_about_learning_a_language_keeps_it(text):
    assert without_service_language(text) == text


def test_a_gp_who_speaks_another_language_is_a_gp():
    assert [m.id for m in match_needs("I need a GP who speaks Spanish", "en", limit=1)] == \
        [m.id for m in match_needs("I need a GP", "en", limit=1)]
    assert match_needs("un médecin généraliste qui parle espagnol", "fr", limit=1)[0].id not in LANGUAGE_COURSES


def test_the_service_language_changes_nothing_in_the_ranking():
    plain = match_needs("ik zoek een psycholoog voor mijn depressie", "nl", limit=3)
    assert plain
    assert match_needs("ik zoek een psycholoog voor mijn depressie in het Nederlands", "nl", limit=3) == plain


# --- framing sentences (kb/data/framing_words.yaml) ---------------------------------------------------------

FRAMED = [
    ("nl", "Goeiedag, ik ben 52 jaar en woon al tien jaar in Brussel.", "Ik kan mijn huur niet meer betalen.",
     "Alvast bedankt, met vriendelijke groeten."),
    ("fr", "Bonjour, j'ai 61 ans et j'habite à Schaerbeek depuis 2010.", "Je cherche un médecin généraliste.",
     "Merci d'avance."),
    ("en", "Hello, I am 45 years old. Sorry for my English.", "I need a lawyer for my divorce.",
     "Kind regards."),
    ("nl", "Excuseer voor mijn Nederlands, het is niet zo goed.", "Ik zoek een psycholoog.", "Dank u."),
    ("fr", "Excusez mon français, je ne l'écris pas très bien.", "Je cherche une crèche.", ""),
]


@pytest.mark.parametrize(("lang", "before", "need", "after"), FRAMED)
def test_framing_sentences_around_a_need_change_nothing_in_the_ranking(lang, before, need, after):
    plain = [m.id for m in match_needs(need, lang, limit=3)]
    assert plain
    assert [m.id for m in match_needs(f"{before} {need} {after}", lang, limit=3)] == plain
    assert [m.id for m in match_needs(f"{before}\n{need}", lang, limit=3)] == plain


@pytest.mark.parametrize("sentence", [
    "Ik ben 52 jaar en werkloos.",  # one word of need keeps the sentence
    "Je suis veuve, 78 ans.",
    "I have lived in Brussels for ten years and want to learn Dutch.",
    "I have nowhere to live.",  # no marker (greeting, thanks, apology, since, an age): never framing
    "Ik kan niet lezen.",
    "Hallo, het gaat niet goed met mij.",  # words that can be a need are not framing words
    "Sorry, ik wil beter Nederlands leren.",  # about learning the language: the need itself
])
def test_a_sentence_that_may_say_the_need_is_kept(sentence):
    text = f"{sentence} Mijn moeder kan niet meer koken."
    assert without_framing(text) == text


def test_a_message_of_framing_sentences_only_stays_whole():
    text = "Goeiedag, ik ben 52 jaar. Alvast bedankt!"
    assert without_framing(text) == text


def test_a_language_name_that_is_also_a_common_word_cuts_nothing():
    # Mooré, folded, is "more": "who understands more" is no language of the service
    text = "someone who understands more about debts"
    assert without_service_language(text) == text
