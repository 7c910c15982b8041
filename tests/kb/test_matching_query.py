"""Query-side handling in need matching: what a citizen adds around the need is not the need."""

import pytest

from kb.matching import _without_service_language, match_needs


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
    ],
)
def test_the_language_to_be_helped_in_is_left_out(text, expected):
    assert _without_service_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ik wil lessen in het Nederlands",
        "des cours en français",
        "learn to read in French",
        "alphabétisation en français",
    ],
)
def test_a_text_about_learning_a_language_keeps_it(text):
    assert _without_service_language(text) == text


def test_the_service_language_changes_nothing_in_the_ranking():
    plain = match_needs("ik zoek een psycholoog voor mijn depressie", "nl", limit=3)
    assert plain
    assert match_needs("ik zoek een psycholoog voor mijn depressie in het Nederlands", "nl", limit=3) == plain
