"""Place resolution (issue cases) and the emergency numbers kept as data."""

import pytest

from kb.emergency import numbers_for
from kb.geo import find_place_in_text, resolve_place


@pytest.mark.parametrize(
    ("text", "commune_code", "postcode"),
    [
        ("Laken", "21004", "1020"),
        ("Laeken", "21004", "1020"),
        ("1020", "21004", "1020"),
        ("Schaerbeek", "21015", None),
        ("Schaarbeek", "21015", None),
        ("Sint-Joost", "21014", None),
        ("St-Gilles", "21013", None),
        ("Saint-Gilles", "21013", None),
        ("Neder-Over-Heembeek", "21004", "1120"),
        ("1130", "21004", "1130"),
        ("1150", "21019", "1150"),
        ("Elsene", "21009", None),
        ("Anderleht", "21001", None),  # typo
        ("Matonge", "21009", None),  # a neighbourhood of zones.json
    ],
)
def test_places_resolve_to_the_right_commune(text, commune_code, postcode):
    match = resolve_place(text)
    assert match.status == "found", text
    assert match.commune.code == commune_code
    if postcode:
        assert match.postcode == postcode


def test_laken_is_a_part_of_the_city_of_brussels():
    match = resolve_place("Laeken")
    assert match.commune.name_nl == "Brussel" and match.commune.name_fr == "Bruxelles"
    assert match.part.name_nl == "Laken" and match.part.postcode == "1020"
    assert "1020" in match.commune.postcodes


def test_woluwe_is_ambiguous_with_its_candidates():
    match = resolve_place("Woluwe")
    assert match.status == "ambiguous"
    assert {c.code for c in match.candidates} == {"21018", "21019"}
    assert match.commune is None


@pytest.mark.parametrize("text", ["9000", "Paris", "", "xyzzy", "1300"])
def test_unknown_places(text):
    assert resolve_place(text).status == "unknown"


@pytest.mark.parametrize(
    ("sentence", "commune_code"),
    [
        ("ik woon in Laken", "21004"),
        ("j'habite à 1030", "21015"),
        ("mijn moeder woont te Sint-Gillis", "21013"),
        ("je vis à Woluwe-Saint-Lambert depuis 2010", "21018"),
    ],
)
def test_find_place_in_a_sentence(sentence, commune_code):
    match = find_place_in_text(sentence)
    assert match.status == "found"
    assert match.commune.code == commune_code


def test_ordinary_words_are_not_taken_for_neighbourhoods():
    assert find_place_in_text("je cherche la paix").status == "unknown"
    assert find_place_in_text("ik woon in Woluwe").status == "ambiguous"


def test_emergency_numbers_per_language():
    suicide_nl = [n["number"] for n in numbers_for("suicide", "nl")]
    suicide_fr = [n["number"] for n in numbers_for("suicide", "fr")]
    assert "1813" in suicide_nl and "0800 32 123" not in suicide_nl
    assert "0800 32 123" in suicide_fr and "1813" not in suicide_fr
    assert "112" in suicide_nl and "112" in suicide_fr
    assert {"106"} <= set(n["number"] for n in numbers_for("general", "nl"))
    assert {"107"} <= set(n["number"] for n in numbers_for("general", "fr"))
    violence_nl = [n["number"] for n in numbers_for("violence", "nl")]
    violence_fr = [n["number"] for n in numbers_for("violence", "fr")]
    assert "1712" in violence_nl and "0800 30 030" in violence_fr
    assert numbers_for("danger", "fr")[0]["number"] == "112"
    assert "116 000" in [n["number"] for n in numbers_for("danger", "nl")]
    english = [n["number"] for n in numbers_for("suicide", "en")]
    assert "1813" in english and "0800 32 123" in english
    for item in numbers_for("medical", "nl"):
        assert set(item) == {"number", "name", "description"} and item["description"]


def test_emergency_rejects_unknown_kind_or_language():
    with pytest.raises(ValueError):
        numbers_for("boredom", "nl")
    with pytest.raises(ValueError):
        numbers_for("suicide", "de")
