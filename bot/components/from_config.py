"""Rasa builds a graph component through its `create` class method; most of ours need only their config."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class FromConfig:
    """Mixin for components built from their config alone (no model storage, nothing trained)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FromConfig:
        return cls(config)
