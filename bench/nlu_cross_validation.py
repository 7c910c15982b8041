"""NLU cross-validation per language (`rasa test nlu --cross-validation`): prints intent F1 for Dutch,
French and English, each language's training data on its own. Slow (one training per fold).

Usage: .venvs/app/bin/python bench/nlu_cross_validation.py [--folds 3]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venvs" / "rasa" / "bin" / "rasa"
LANGUAGE_FILES = {
    "nl": ["nl.yml", "nl_need.yml"],
    "fr": ["fr.yml", "fr_need.yml"],
    "en": ["en.yml"],
}


def cross_validate(lang: str, folds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"nlu-cv-{lang}-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        for name in [*LANGUAGE_FILES[lang], "shared.yml"]:
            shutil.copy(ROOT / "nlu_data" / name, data / name)
        out = Path(tmp) / "results"
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
        started = time.monotonic()
        subprocess.run(
            [str(RASA), "test", "nlu", "--nlu", str(data), "--config", str(ROOT / "bot" / "config.yml"),
             "--cross-validation", "--folds", str(folds), "--out", str(out)],
            cwd=tmp, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        report = json.loads((out / "intent_report.json").read_text())
        return {
            "weighted_f1": report["weighted avg"]["f1-score"],
            "accuracy": report["accuracy"],
            "seconds": time.monotonic() - started,
            "weakest": sorted(
                ((k, v["f1-score"]) for k, v in report.items() if isinstance(v, dict) and "support" in v
                 and k not in ("macro avg", "weighted avg", "micro avg")),
                key=lambda kv: kv[1],
            )[:3],
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--languages", nargs="*", default=list(LANGUAGE_FILES))
    args = parser.parse_args()
    if not RASA.exists():
        sys.exit("the Rasa environment is missing: run `make install`")
    for lang in args.languages:
        result = cross_validate(lang, args.folds)
        weakest = ", ".join(f"{name} {f1:.2f}" for name, f1 in result["weakest"])
        print(f"NLU {args.folds}-fold cross-validation {lang}: intent F1 (weighted) {result['weighted_f1']:.3f}, "
              f"accuracy {result['accuracy']:.3f}; weakest: {weakest}  ({result['seconds']:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
