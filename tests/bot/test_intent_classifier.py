"""The intent classifier component (bot/components/intent_classifier.py), run in the Rasa environment with the
real sentence encoder: it learns its training examples, survives persisting and loading unchanged, and ranks
the intents by confidence. What it says about unseen phrasings is measured, not tested
(bench/nlu_cross_validation.py)."""

from tests.bot.rasa_support import run_in_rasa

CHECK = r"""
import tempfile
from pathlib import Path

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.intent_classifier import SentenceIntentClassifier
from bot.components.sentence_encoder import SentenceEncoderFeaturizer

EXAMPLES = {
    "greet": ["hallo", "goeiemorgen", "bonjour", "hello there"],
    "describe_need": ["ik kan mijn huur niet meer betalen", "je cherche un médecin généraliste",
                      "I need a food parcel for my family", "mijn moeder kan zich niet meer wassen"],
    "request_human": ["ik wil met een echte persoon praten", "je voudrais parler à quelqu'un",
                      "can someone call me back", "kan iemand mij terugbellen"],
}
messages = [Message(data={"text": text, "intent": intent}) for intent, texts in EXAMPLES.items() for text in texts]
context = ExecutionContext(GraphSchema({}), "test")
encoder = SentenceEncoderFeaturizer.create(SentenceEncoderFeaturizer.get_default_config(), None, None, context)
encoder.process_training_data(TrainingData(messages))

with tempfile.TemporaryDirectory() as tmp:
    storage = LocalModelStorage(Path(tmp))
    resource = Resource("intents")
    config = SentenceIntentClassifier.get_default_config()
    trained = SentenceIntentClassifier.create(config, storage, resource, context)
    trained.train(TrainingData(messages))
    loaded = SentenceIntentClassifier.load(config, storage, resource, context)

    for message in messages:
        for classifier in (trained, loaded):
            copy = Message(data={"text": message.get("text")}, features=message.features)
            classifier.process([copy])
            ranking = copy.get("intent_ranking")
            assert copy.get("intent")["name"] == message.get("intent"), (message.get("text"), ranking)
            confidences = [r["confidence"] for r in ranking]
            assert confidences == sorted(confidences, reverse=True) and 0.99 < sum(confidences) <= 1.0001
        embedding = encoder.encode([message.get("text")])
        # The same model after loading (float32 and float64 IDF weights differ in the last digits).
        assert np.allclose(trained.probabilities([message.get("text")], embedding),
                           loaded.probabilities([message.get("text")], embedding), atol=1e-5)
print("ok")
"""


def test_learns_its_examples_and_persists_them():
    run_in_rasa(CHECK)
