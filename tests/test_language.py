"""Language detection on short chat messages, and how a conversation keeps its language."""

from collections import Counter

import pytest
import yaml

from api.core.config import REPO_ROOT
from api.services.language import Detection, conversation_language, detect_language

SHORT_MESSAGES = yaml.safe_load((REPO_ROOT / "tests" / "data" / "language_short_messages.yaml").read_text())


def test_short_message_accuracy_per_language():
    total, correct = Counter(), Counter()
    for item in SHORT_MESSAGES:
        total[item["lang"]] += 1
        correct[item["lang"]] += detect_language(item["text"]).lang == item["lang"]
    accuracy = {lang: correct[lang] / total[lang] for lang in total}
    print("short-message language detection accuracy:", {k: round(v, 3) for k, v in accuracy.items()})
    assert total["nl"] >= 150 and total["fr"] >= 150
    assert accuracy["nl"] >= 0.95 and accuracy["fr"] >= 0.95 and accuracy["en"] >= 0.9


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "12345", "!!! ???"])
def test_nothing_to_go_on_gives_no_language(text):
    assert detect_language(text) == Detection(None, 0.0)
    assert conversation_language(text, current="fr") == "fr"
    assert conversation_language(text, current=None) == "nl"


def test_channel_choice_wins():
    assert conversation_language("ik zoek een huisarts in Schaarbeek", current="nl", requested="fr") == "fr"


def test_conversation_keeps_its_language_for_short_or_mixed_messages():
    assert conversation_language("merci", current="nl") == "nl"
    assert conversation_language("ok", current="fr") == "fr"
    assert conversation_language("ik zoek een aide familiale", current="nl") == "nl"


def test_conversation_switches_when_the_citizen_clearly_writes_another_language():
    assert conversation_language("je cherche de l'aide pour payer mon loyer", current="nl") == "fr"
    assert conversation_language("ik kan mijn huur niet meer betalen", current="fr") == "nl"


def test_first_message_sets_the_language():
    assert conversation_language("bonjour", current=None) == "fr"
    assert conversation_language("goeiedag", current=None) == "nl"
    assert conversation_language("hello", current=None) == "en"
