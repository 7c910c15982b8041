"""The odd-input rule (bot/components/odd_input_rules.py): what is never taken for a need, whatever the model
says. The Rasa component that applies it is checked end to end (tests/test_nlu.yml, tests/e2e)."""

import pytest

from bot.components.odd_input_rules import odd_input_reason, words


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("   \n ", "empty"),
    ("<script>alert(1)</script>", "markup"),
    ("<img src=x onerror=alert(1)>", "markup"),
    ("ik zoek een huisarts <b>dringend</b>", "markup"),
    ("<a href='javascript:void(0)'>klik</a>", "markup"),
    ("'; DROP TABLE users; --", "code"),
    ("SELECT * FROM users", "code"),
    ("admin' OR '1'='1", "code"),
    ("1 UNION SELECT password FROM accounts", "code"),
    ("function f() { return 1; }", "code"),
    ("Привет, как дела?", "other_script"),
    ("你好", "other_script"),
    ("مرحبا، أحتاج مساعدة", "other_script"),
    ("😀😀😀", "no_words"),
    ("x" * 5000, "no_words"),
    ("?????", "no_words"),
    ("1234567890123", "no_words"),
    ("#####!!!!!!!!$$$$", "no_words"),
    ("https://example.com/page?id=3", "no_words"),
    ("www.example.be", "no_words"),
    ("qsdkjfh zxcvbn", "no_words"),
    ("mlkjqsd poiuyt", "no_words"),
    ("azerty", "no_words"),
    ("asdfgh", "no_words"),
])
def test_odd_input_is_recognised_with_its_reason(text, reason):
    assert odd_input_reason(text) == reason


@pytest.mark.parametrize("text", [
    "ik zoek een huisarts in Schaarbeek",
    "je n'arrive plus à payer mon loyer",
    "I need help with my rent",
    "1080",  # a postcode
    "84",  # an age
    "à 1030",
    "a+",  # "à plus"
    "ok",
    "thx",  # short abbreviations without a vowel are words
    "svp",
    "nl",
    "la SNCB ne m'aide pas",  # acronyms in capitals are words
    "jaaaaaa",  # a stretched word is still a word
    "help!!!!!!!!!!!!",
    "select a doctor from the list",  # English, not SQL
    "je travaille dans l'import export",
    "drop",  # Dutch liquorice
    "mijn moeder spreekt alleen Русский",  # mostly Latin letters
    "mijn dossier staat op www.example.be maar ik begrijp het niet",
    "/service_helpful",  # a button's payload
    "pipette propre",  # letters of one keyboard row, but not five neighbouring keys
])
def test_ordinary_messages_are_not_odd(text):
    assert odd_input_reason(text) is None


def test_words_collapse_repeats_and_skip_gibberish():
    assert words("jaaaa xxxxxx qsdkjfh 1080 12345 à") == ["jaaaa", "1080", "à"]
