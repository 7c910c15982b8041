"""dialogue.intake: the parts of the intake that do not need a model."""

import pytest

from dialogue.intake import age_band, analyse_need


@pytest.mark.parametrize("age, band", [
    (17, "0-17"), (17.0, "0-17"), ("17", "0-17"), (" 78 ", "65-79"), ("44,0", "30-44"), (80, "80+"),
    (None, None), ("", None), ("zeventien", None), (-3, None), (400, None),
])
def test_age_band_takes_a_number_or_the_entity_text(age, band):
    assert age_band(age) == band


def _offered(analysis) -> list[int]:
    return [c.id for c in analysis.categories + analysis.candidates]


def test_a_place_named_inside_the_need_stays_part_of_it():
    # Cutting "maison medicale schaerbeek" as a place clause left only "how to register" to match.
    analysis = analyse_need("maison medicale schaerbeek, how to register?", "en")
    assert analysis.place.status == "found"
    assert 925 in _offered(analysis)  # wijkgezondheidscentra / maisons médicales


def test_a_sentence_that_only_says_where_does_not_change_the_need():
    alone = analyse_need("ik zoek een huisarts die Arabisch spreekt", "nl")
    with_place = analyse_need("ik zoek een huisarts die Arabisch spreekt. Ik woon in Schaarbeek.", "nl")
    assert _offered(alone) and _offered(with_place)[0] == _offered(alone)[0] == 925  # a general practitioner
    assert with_place.place.status == "found"


@pytest.mark.parametrize("text", ["Anderlecht", "1030", "Woluwe", "15"])
def test_a_bare_place_or_number_names_no_need(text):
    analysis = analyse_need(text, "nl")
    assert analysis.categories == [] and analysis.candidates == []


@pytest.mark.parametrize("lang, text", [
    ("nl", "voor mijn moeder"), ("nl", "voor mijn moeder van 84"), ("fr", "c'est pour ma mère"), ("en", "for my dad"),
    ("fr", "pour moi"),
])
def test_a_bare_for_whom_names_no_need(lang, text):
    # "voor mijn moeder", answering "which help?", was matched to crèches
    analysis = analyse_need(text, lang)
    assert analysis.understanding.target_group is not None
    assert analysis.categories == [] and analysis.candidates == []


@pytest.mark.parametrize("lang, text", [("nl", "mijn moeder is alleen"), ("fr", "ma mère est seule"),
                                        ("en", "my mum is alone")])
def test_for_whom_with_one_word_more_may_be_a_need(lang, text):
    assert _offered(analyse_need(text, lang))


@pytest.mark.parametrize("text", ["thuisverpleging in Schaarbeek", "thuisverpleging Ik woon in Schaarbeek."])
def test_a_short_need_with_its_place_is_still_a_need(text):
    analysis = analyse_need(text, "nl")
    assert {c.id for c in analysis.categories + analysis.candidates} & {346, 351}
    assert analysis.place.status == "found"


def test_a_clause_sure_of_its_need_is_offered_first_when_the_whole_message_is_not():
    # The story around it ("just moved here from Spain") pulled the whole message to newcomers and
    # language courses; the clause "I need a GP" alone is clear.
    analysis = analyse_need("hi, I just moved to Brussels from Spain and I need a GP who speaks Spanish, "
                            "I live in Ixelles", "en")
    assert analysis.categories == []
    assert analysis.candidates[0].id == 925  # a general practitioner (médecine globale / maisons médicales)


@pytest.mark.parametrize(("text", "need"), [
    ("Ik heb een leefloon van het OCMW. Ik wil warme maaltijden aan huis laten leveren voor mijn moeder, "
     "ze kookt niet meer.", 42),
    ("Mijn man en ik werken allebei voltijds. Ik wil stoppen met roken, is er begeleiding?", 386),
])
def test_a_clause_of_context_sure_of_another_category_is_not_a_second_need(text, need):
    # "leefloon van het OCMW" alone is sure of the CPAS, "mijn man en ik" of couples: the whole message
    # ranks neither among its candidates, so it is one need, searched on, and not a complex case
    analysis = analyse_need(text, "nl")
    assert [c.id for c in analysis.categories] == [need]
    assert "several_needs" not in analysis.complex_reasons and analysis.needs_found == 1


def test_two_needs_each_clear_in_its_own_clause_stay_two_needs():
    analysis = analyse_need("I have debts and the bailiff is coming. I also need a nursing home for my father.", "en")
    assert [c.id for c in analysis.categories] == [458, 49]
    assert "several_needs" in analysis.complex_reasons
