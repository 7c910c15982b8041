"""Entities whose value has the wrong shape are dropped: a postcode is four digits, an age one to three,
a target group or a language one of the values its slot takes (after EntitySynonymMapper).

Why: the CRF learns token shapes, and a bare number is a postcode in many of its examples, so a parent's
answer "15" to "how old is your child?" came out as postcode 15; the commune slot (which takes postcode
entities at any time) then said "I don't know that place" and asked where the citizen lives, although
the commune was known. Words it never saw became a target group the same way ("scheiding"). A filter on
the value is simpler and surer than more training examples.

Referenced from bot/config.yml as `bot.components.entity_shape.EntityShapeFilter`, after the extractors
and EntitySynonymMapper.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE
from rasa.shared.nlu.training_data.message import Message

from bot.components.from_config import FromConfig


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityShapeFilter(FromConfig, GraphComponent, EntityExtractorMixin):
    """Drops the entities of the configured types whose value does not fully match the type's pattern."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # the values of the slots these entities fill (bot/domain/core.yml)
        return {"patterns": {"postcode": r"\d{4}", "age": r"\d{1,3}",
                             "target_group": "self|child|parent|partner|other", "language": "nl|fr|en"}}

    def __init__(self, config: dict[str, Any]) -> None:
        patterns = config.get("patterns")
        if not isinstance(patterns, dict) or not all(isinstance(p, str) for p in patterns.values()):
            raise ValueError(f"EntityShapeFilter: `patterns` must map entity types to regexes, not {patterns!r}")
        self.patterns = {entity: re.compile(pattern) for entity, pattern in patterns.items()}

    def _fits(self, entity: dict[str, Any]) -> bool:
        pattern = self.patterns.get(entity.get(ENTITY_ATTRIBUTE_TYPE))
        return pattern is None or bool(pattern.fullmatch(str(entity.get(ENTITY_ATTRIBUTE_VALUE, "")).strip()))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = [entity for entity in entities if self._fits(entity)]
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages
