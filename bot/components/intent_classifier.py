"""Intent classifier on the sentence meaning: a logistic regression over the multilingual sentence embedding
(bot/components/sentence_encoder.py) and character n-grams of the message.

Why not DIET: with 15 to 200 examples per intent, DIET learned the training phrasings by heart
(cross-validated intent F1 0.66-0.73 per language), while a linear model on the USE embedding generalises to
other wordings of the same meaning (0.85+), trains in a second instead of minutes, and costs a dot product
per message. The character n-grams (TF-IDF, `char_wb` 2-4) keep what the embedding blurs: typos, short
answers ("nee", "ok"), names of things. Entities come from a CRF and lookup tables (bot/config.yml).

Everything is persisted as plain arrays and JSON (no pickle): the n-gram vocabulary with its IDF weights, and
the regression's coefficients. Prediction is a softmax over `features @ coef.T + intercept`, exactly what
scikit-learn's multinomial LogisticRegression computes.

Referenced from bot/config.yml as `bot.components.intent_classifier.SentenceIntentClassifier`, after the
featurizers and before FallbackClassifier (whose threshold reads this component's confidences).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.components.sentence_encoder import SentenceEncoderFeaturizer, encode

logger = logging.getLogger(__name__)

ARRAYS_FILE = "weights.npz"
VOCABULARY_FILE = "ngrams.json"
CRISIS = "crisis"
# A crisis told inside a longer story ("... ik heb al mijn pillen genomen, dus het maakt niet meer uit"): the whole
# reads as a need, one sentence alone as a crisis. Such a message keeps its intent and is marked with this output
# property (the sentence's crisis probability); the action server then sends the emergency numbers as a precaution
# and the conversation goes on (actions/every_message.py reads it under the same name). Marked when that sentence is
# sure of it and the whole gives the crisis at least a little probability: without that floor, hard stories with
# one bleak sentence ("ik word er moedeloos van") were marked too. Chosen on tests/data/crisis_messages.jsonl and the
# need sets, with the model of that day (bench/crisis_detection.py prints today's): long crises shown the numbers
# 42 -> 57 of 75, long non-crises 15 of 75 before and after; need texts 7 -> 19 of 185 web texts, 7 -> 15 of 170.
CRISIS_IN_A_SENTENCE = "crisis_in_a_sentence"
SENTENCE_CRISIS = 0.7
WHOLE_CRISIS_FLOOR = 0.03
MIN_SENTENCE_WORDS = 3
# At most this many sentences are read, the last ones: the alarm tends to come late, and the whole message is encoded
# only up to its first 1,000 characters (sentence_encoder.MAX_CHARS); a 5,000-character message stays cheap.
MAX_SENTENCES = 30
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")


def _ngram_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    # Sublinear TF: a repeated n-gram ("nee nee nee") should not outweigh the rest of the message.
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True, sublinear_tf=True,
                           vocabulary=vocabulary, dtype=np.float32)


def _sentence_embedding(message: Message) -> np.ndarray | None:
    """The message's dense sentence feature (the USE embedding), scaled to unit length."""
    _, sentence = message.get_dense_features(TEXT)
    if sentence is None:
        return None
    vector = np.asarray(sentence.features, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SentenceIntentClassifier(GraphComponent, IntentClassifier):
    """Predicts the intent from the sentence embedding plus character n-grams with a logistic regression."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SentenceEncoderFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation strength: high enough that clear messages get confidences well above
            # the FallbackClassifier threshold, low enough not to learn single examples by heart.
            "C": 50.0,
            # Weight of the n-gram block next to the unit-length embedding (both blocks have unit length).
            "ngram_weight": 0.5,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vectorizer: TfidfVectorizer | None = None, coef: np.ndarray | None = None,
                 intercept: np.ndarray | None = None, classes: list[str] | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizer = vectorizer
        self._coef = coef
        self._intercept = intercept
        self._classes = classes or []

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("C", "ngram_weight"):
            value = config.get(key)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"SentenceIntentClassifier: `{key}` must be a positive number, not {value!r}")

    def _features(self, texts: list[str], embeddings: np.ndarray) -> sparse.csr_matrix:
        ngrams = self._vectorizer.transform(texts) * float(self._config["ngram_weight"])
        return sparse.hstack([sparse.csr_matrix(embeddings), ngrams], format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        examples = [(m.get(TEXT), _sentence_embedding(m), m.get(INTENT)) for m in training_data.intent_examples]
        examples = [(text, vector, intent) for text, vector, intent in examples if vector is not None]
        if len({intent for _, _, intent in examples}) < 2:
            logger.warning("SentenceIntentClassifier: fewer than two intents with examples, nothing trained")
            return self._resource
        texts = [text for text, _, _ in examples]
        self._vectorizer = _ngram_vectorizer()
        self._vectorizer.fit(texts)
        features = self._features(texts, np.stack([vector for _, vector, _ in examples]))
        regression = LogisticRegression(C=float(self._config["C"]), max_iter=3000)
        regression.fit(features, [intent for _, _, intent in examples])
        self._coef = regression.coef_.astype(np.float32)
        self._intercept = regression.intercept_.astype(np.float32)
        self._classes = [str(c) for c in regression.classes_]
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / ARRAYS_FILE, coef=self._coef, intercept=self._intercept,
                     idf=self._vectorizer.idf_.astype(np.float32))
            (directory / VOCABULARY_FILE).write_text(json.dumps(
                {"classes": self._classes, "vocabulary": {k: int(v) for k, v in self._vectorizer.vocabulary_.items()}},
                ensure_ascii=False))

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SentenceIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                arrays = np.load(directory / ARRAYS_FILE)
                saved = json.loads((directory / VOCABULARY_FILE).read_text())
        except (ValueError, FileNotFoundError):
            logger.debug("SentenceIntentClassifier: no trained model in %s", resource.name)
            return cls(config, model_storage, resource)
        vectorizer = _ngram_vectorizer(saved["vocabulary"])
        vectorizer.idf_ = arrays["idf"]
        return cls(config, model_storage, resource, vectorizer, arrays["coef"], arrays["intercept"],
                   saved["classes"])

    def probabilities(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """(len(texts), len(classes)) softmax probabilities, as LogisticRegression.predict_proba."""
        scores = self._features(texts, embeddings) @ self._coef.T + self._intercept
        scores = np.asarray(scores) - np.max(scores, axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def crisis_in_a_sentence(self, text: str, probabilities: np.ndarray) -> float | None:
        """The crisis probability of the message's most alarming sentence, when the message is not a crisis as a
        whole but that sentence is (see SENTENCE_CRISIS); else None."""
        if CRISIS not in self._classes:
            return None
        crisis = self._classes.index(CRISIS)
        if probabilities.argmax() == crisis or probabilities[crisis] < WHOLE_CRISIS_FLOOR:
            return None
        sentences = [s for s in _SENTENCES.split(text) if len(s.split()) >= MIN_SENTENCE_WORDS][-MAX_SENTENCES:]
        if len(sentences) < 2:
            return None
        strongest = float(self.probabilities(sentences, encode(sentences))[:, crisis].max())
        return strongest if strongest >= SENTENCE_CRISIS else None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text, vector = message.get(TEXT), _sentence_embedding(message)
            if self._coef is None or not isinstance(text, str) or vector is None:
                continue
            probabilities = self.probabilities([text], vector[np.newaxis, :])[0]
            order = np.argsort(-probabilities)[:LABEL_RANKING_LENGTH]
            ranking = [{INTENT_NAME_KEY: self._classes[i], PREDICTED_CONFIDENCE_KEY: float(probabilities[i])}
                       for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            in_a_sentence = self.crisis_in_a_sentence(text, probabilities)
            if in_a_sentence is not None:
                message.set(CRISIS_IN_A_SENTENCE, round(in_a_sentence, 3), add_to_output=True)
        return messages
