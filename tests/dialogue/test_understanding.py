"""dialogue.understanding: the crisis rules, through the real spaCy pipeline of each language."""

import pytest

from dialogue.understanding import understand


@pytest.mark.parametrize("lang, text, kind", [
    ("nl", "mijn opa is niet meer aanspreekbaar", "medical"),
    ("nl", "ik heb pijn op de borst en ik zweet", "medical"),
    ("fr", "il a du mal à respirer depuis dix minutes", "medical"),
    ("fr", "mon fils s'est évanoui dans la cuisine", "medical"),
    ("en", "my friend collapsed in the kitchen", "medical"),
    ("en", "she can't breathe", "medical"),
    ("nl", "er staat een man met een mes voor mijn deur", "violence"),
    ("fr", "ils vont le tabasser devant chez moi", "violence"),
    ("en", "someone stabbed my brother", "violence"),
    ("nl", "ik heb een afscheidsbrief geschreven", "suicide"),
    ("nl", "ik had een vraag over de huur maar ik sta nu op de brug", "suicide"),
    ("fr", "je vais me jeter sous un train", "suicide"),
    ("en", "I've written a goodbye letter to my kids", "suicide"),
    # an overdose told in other words than "al mijn pillen"
    ("nl", "ik heb net een hele strip slaaptabletten geslikt", "suicide"),
    ("fr", "je viens d'avaler tous les somnifères qui me restaient", "suicide"),
    ("en", "I have swallowed all the sleeping pills I had left", "suicide"),
    ("nl", "vanavond heb ik afscheid genomen van de kinderen, ze zijn beter af zonder mij", "suicide"),
    ("fr", "j'ai dit au revoir à mes enfants, ils seront mieux sans moi", "suicide"),
])
def test_crisis_words_are_recognised_in_each_language(lang, text, kind):
    assert understand(text, lang).crisis_kind == kind


@pytest.mark.parametrize("lang, text", [
    ("nl", "ik zoek een kinesist voor mijn rugpijn"),
    ("nl", "mijn moeder kan zich niet meer alleen wassen"),
    ("fr", "je cherche une maison de repos pour ma mère"),
    ("en", "I need help paying my rent"),
    ("nl", "mijn moeder vergeet soms haar slaappillen te nemen"),
    ("fr", "je cherche un médecin pour renouveler mes somnifères"),
])
def test_ordinary_needs_are_no_crisis(lang, text):
    assert understand(text, lang).crisis_kind is None


def test_the_most_urgent_kind_comes_first():
    understanding = understand("hij slaat me en ik kan niet ademen", "nl")
    assert understanding.crisis_kinds == ["violence", "medical"]
    assert understanding.crisis_kind == "medical"


@pytest.mark.parametrize(("lang", "text", "crisis"), [
    ("nl", "mijn vader is gevallen en kan niet meer opstaan", "medical"),
    ("fr", "ma mère est tombée et ne peut pas se relever", "medical"),
    ("en", "my dad fell and can't get up", "medical"),
    # a fall that left a need, not an emergency ("is gevallen en kan niet" was a crisis phrase)
    ("nl", "mijn moeder van 84 is gevallen en kan niet meer alleen wassen", None),
    ("fr", "ma mère est tombée et ne peut plus se laver seule", None),
])
def test_a_fall_is_a_crisis_only_when_the_person_cannot_get_up(lang, text, crisis):
    assert understand(text, lang).crisis_kind == crisis
