"""Odd input is never a need: after the intent classifiers, messages that bot/components/odd_input_rules.py
calls odd (markup, code, another script, no words) get the intent `out_of_scope`, whatever the model said.

Why `out_of_scope` and not `nlu_fallback`: bot/data/rules.yml answers `out_of_scope` both outside the need
form (action_handle_misunderstanding, which counts it as a misunderstanding and offers a person the second
time) and inside it (a short answer, then the form asks its question again); `nlu_fallback` has no rule
inside the form. The reason is kept in the parse data as `odd_input` (for logs and the action server), and
the entities the model read into it are dropped.

Referenced from bot/config.yml as `bot.components.odd_input.OddInputClassifier`, after FallbackClassifier.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.components.from_config import FromConfig
from bot.components.odd_input_rules import odd_input_reason

ODD_INPUT_KEY = "odd_input"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OddInputClassifier(FromConfig, GraphComponent, IntentClassifier):
    """Overrides the predicted intent of odd input with a fixed one (default `out_of_scope`)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": "out_of_scope"}

    def __init__(self, config: dict[str, Any]) -> None:
        intent = config.get("intent")
        if not isinstance(intent, str) or not intent:
            raise ValueError(f"OddInputClassifier: `intent` must be an intent name, not {intent!r}")
        self.intent = intent

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            reason = odd_input_reason(message.get(TEXT))
            if reason is None:
                continue
            decided = {INTENT_NAME_KEY: self.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self.intent]
            message.set(INTENT, decided, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [decided, *ranking], add_to_output=True)
            message.set(ODD_INPUT_KEY, reason, add_to_output=True)
            # What the model read into odd input is noise: no form may take "<script>" for a commune.
            message.set(ENTITIES, [], add_to_output=True)
        return messages
