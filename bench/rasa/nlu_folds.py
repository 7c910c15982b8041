"""Intent cross-validation of the NLU pipeline, run in the Rasa environment (Python 3.10) by
bench/nlu_cross_validation.py. Prints one JSON line per language: the intent F1 (weighted), the accuracy,
the three weakest intents and the confusion among the intents that matter most.

Two ways to build a fold's training data (`--protocol`):
- `multilingual` (default; how the product is trained: one model for nl, fr and en): the language's other
  folds, plus the other languages' examples, except those that may be a translation of a test phrasing
  (sentence-encoder cosine >= 0.7 with any of them; that drops 40-60 % of them). Without that filter a test
  phrasing's French twin would be learnt, and the figure would flatter.
- `alone`: the language's other folds only (a stricter figure: a third less data, no help from the others).

Folds are stratified by intent with a fixed seed; each fold trains the whole pipeline of the config
(`rasa train nlu`) and parses its test phrasings with the trained model, so the figure includes the
FallbackClassifier and the odd-input rule exactly as the assistant runs them.

Usage: .venvs/rasa/bin/python bench/rasa/nlu_folds.py --config bot/config.yml --folds 3 [--protocol alone] nl fr
"""

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bot/config.yml names components in bot/components/

from rasa.core.agent import Agent  # noqa: E402
from rasa.model_training import train_nlu  # noqa: E402
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402
from sklearn.metrics import classification_report  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from bot.components.sentence_encoder import SentenceEncoderFeaturizer  # noqa: E402

LANGUAGE_FILES = {"nl": ["nl.yml", "nl_need.yml"], "fr": ["fr.yml", "fr_need.yml"], "en": ["en.yml"]}
CONFUSABLE = ["describe_need", "report_barrier", "out_of_scope", "request_human"]
TRANSLATION_COSINE = 0.7
SEED = 42


def language_data(lang: str) -> TrainingData:
    parts = [load_data(str(ROOT / "nlu_data" / name)) for name in LANGUAGE_FILES[lang]]
    return parts[0].merge(*parts[1:])


def unit_embeddings(encoder: SentenceEncoderFeaturizer, texts: list[str]) -> np.ndarray:
    vectors = encoder.encode(texts)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def predicted_intents(model: str, texts: list[str]) -> list[str]:
    async def parse_all() -> list[str]:
        agent = Agent.load(model)
        return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

    return asyncio.run(parse_all())


def cross_validate(lang: str, folds: int, config: Path, protocol: str, encoder, workdir: Path) -> dict:
    shared = load_data(str(ROOT / "nlu_data" / "shared.yml"))  # regex, lookup tables, synonyms
    own = language_data(lang).intent_examples
    others = [m for other in LANGUAGE_FILES if other != lang for m in language_data(other).intent_examples]
    own_vectors = unit_embeddings(encoder, [m.get("text") for m in own])
    other_vectors = unit_embeddings(encoder, [m.get("text") for m in others]) if protocol == "multilingual" else None
    labels = [m.get("intent") for m in own]
    truth: list[str] = []
    predicted: list[str] = []
    for k, (train, test) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=SEED).split(own, labels)):
        examples = [own[i] for i in train]
        if protocol == "multilingual":
            nearest = (other_vectors @ own_vectors[test].T).max(axis=1)
            examples += [m for m, cosine in zip(others, nearest, strict=True) if cosine < TRANSLATION_COSINE]
        data_file = workdir / f"{lang}-{k}.yml"
        RasaYAMLWriter().dump(data_file, TrainingData(training_examples=examples).merge(shared))
        model = train_nlu(str(config), str(data_file), str(workdir / "models"), fixed_model_name=f"{lang}-{k}")
        truth += [labels[i] for i in test]
        predicted += predicted_intents(model, [own[i].get("text") for i in test])
    report = classification_report(truth, predicted, output_dict=True, zero_division=0)
    per_intent = sorted((name, row["f1-score"]) for name, row in report.items()
                        if name in set(labels))
    confusion = {true: Counter() for true in CONFUSABLE}
    for true, guess in zip(truth, predicted, strict=True):
        if true in confusion:
            confusion[true][guess if guess in CONFUSABLE else "other"] += 1
    return {
        "lang": lang,
        "protocol": protocol,
        "examples": len(own),
        "weighted_f1": report["weighted avg"]["f1-score"],
        "accuracy": report["accuracy"],
        "weakest": sorted(per_intent, key=lambda kv: kv[1])[:3],
        "confusion": {true: dict(row) for true, row in confusion.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--protocol", choices=["multilingual", "alone"], default="multilingual")
    parser.add_argument("languages", nargs="+", choices=list(LANGUAGE_FILES))
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    encoder = SentenceEncoderFeaturizer(SentenceEncoderFeaturizer.get_default_config(), "cross-validation")
    for lang in args.languages:
        with tempfile.TemporaryDirectory(prefix=f"nlu-cv-{lang}-") as tmp:
            result = cross_validate(lang, args.folds, args.config.resolve(), args.protocol, encoder, Path(tmp))
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
