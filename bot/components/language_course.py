"""A language course is a need, never a choice of the conversation's language: after the intent classifiers,
a message the model took for `choose_language` that asks to learn or take lessons ("cours de néerlandais le
soir", "lessen Nederlands", "Dutch lessons") gets the intent `describe_need`.

Why a rule: the model learns the names of the languages as the mark of `choose_language`, and a short course
request is mostly a language name; examples in nlu_data did not move it ("cours de français le soir" stayed
`choose_language` at 0.76, and the assistant switched to French instead of looking for a course).

Referenced from bot/config.yml as `bot.components.language_course.LanguageCourseRule`, after FallbackClassifier.
Its learning words are its own, not kb/need_query.py's: that module needs kb's libraries (bm25s, rapidfuzz), which
the Rasa environment does not carry.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.from_config import FromConfig


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageCourseRule(FromConfig, GraphComponent, IntentClassifier):
    """Turns `choose_language` into `describe_need` when the message is about learning a language."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "from_intent": "choose_language",
            "to_intent": "describe_need",
            # Whole words or phrases, any case: lessons, courses, learning, literacy in nl/fr/en (not "les"
            # alone: it is also the French article).
            "learning_words": [
                "lessen", "les nederlands", "les frans", "les engels", "cursus", "cursussen", "leren", "taalles",
                "avondles", "nt2", "alfabetisering", "cours", "apprendre", "formation", "alphabétisation",
                "alphabetisation", "class", "classes", "course", "courses", "lesson", "lessons", "learn",
                "learning", "literacy",
            ],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        words = config.get("learning_words")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
            raise ValueError(f"LanguageCourseRule: `learning_words` must be a list of words, not {words!r}")
        self.from_intent, self.to_intent = str(config["from_intent"]), str(config["to_intent"])
        self.learning = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            text = message.get(TEXT)
            if intent.get(INTENT_NAME_KEY) != self.from_intent or not isinstance(text, str):
                continue
            if not self.learning.search(text):
                continue
            decided = {INTENT_NAME_KEY: self.to_intent, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get(INTENT_NAME_KEY) not in (self.to_intent, self.from_intent)]
            message.set(INTENT, decided, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [decided, *ranking], add_to_output=True)
        return messages
