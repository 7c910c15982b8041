"""NLU cross-validation per language (`rasa test nlu --cross-validation`): prints intent F1 (weighted) for
Dutch, French and English, each language's training data on its own, the confusion among the intents that
matter most for the citizen (describe_need, report_barrier, out_of_scope, request_human), and the NLU time
per message of the trained model (models/gbo.tar.gz). Slow (one training per fold); target F1 >= 0.85.

Usage: .venvs/app/bin/python bench/nlu_cross_validation.py [--folds 3] [--languages nl fr] [--config FILE]
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
RASA_BIN = ROOT / ".venvs" / "rasa" / "bin"
MODEL = ROOT / "models" / "gbo.tar.gz"
TIMING_SCRIPT = ROOT / "bench" / "rasa" / "nlu_timing.py"
LANGUAGE_FILES = {
    "nl": ["nl.yml", "nl_need.yml"],
    "fr": ["fr.yml", "fr_need.yml"],
    "en": ["en.yml"],
}
CONFUSABLE = ["describe_need", "report_barrier", "out_of_scope", "request_human"]
REPORT_KEYS = ("macro avg", "weighted avg", "micro avg", "accuracy")


def rasa_env() -> dict[str, str]:
    # The repository root on the path: bot/config.yml names components in bot/components/.
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT),
                SQLALCHEMY_SILENCE_UBER_WARNING="1")


def confusion(report: dict, errors: list[dict]) -> dict[str, dict[str, int]]:
    """Rows: true intent among CONFUSABLE; columns: predicted intent among them, or `other`."""
    table = {true: dict.fromkeys([*CONFUSABLE, "other"], 0) for true in CONFUSABLE}
    for true in CONFUSABLE:
        if true in report:
            table[true][true] = round(report[true]["support"] * report[true]["recall"])
    for error in errors:
        true, predicted = error["intent"], (error.get("intent_prediction") or {}).get("name")
        if true in table:
            table[true][predicted if predicted in CONFUSABLE else "other"] += 1
    return table


def cross_validate(lang: str, folds: int, config: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"nlu-cv-{lang}-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        for name in [*LANGUAGE_FILES[lang], "shared.yml"]:
            shutil.copy(ROOT / "nlu_data" / name, data / name)
        out = Path(tmp) / "results"
        started = time.monotonic()
        subprocess.run(
            [str(RASA_BIN / "rasa"), "test", "nlu", "--nlu", str(data), "--config", str(config),
             "--cross-validation", "--folds", str(folds), "--out", str(out), "--no-plot"],
            cwd=ROOT, env=rasa_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        report = json.loads((out / "intent_report.json").read_text())
        errors_file = out / "intent_errors.json"
        errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
        per_intent = [(k, v["f1-score"]) for k, v in report.items() if k not in REPORT_KEYS and isinstance(v, dict)]
        return {
            "weighted_f1": report["weighted avg"]["f1-score"],
            "accuracy": report["accuracy"],
            "seconds": time.monotonic() - started,
            "weakest": sorted(per_intent, key=lambda kv: kv[1])[:3],
            "confusion": confusion(report, errors),
        }


def print_confusion(table: dict[str, dict[str, int]]) -> None:
    columns = [*CONFUSABLE, "other"]
    print("    true \\ predicted  " + "".join(f"{c[:14]:>15}" for c in columns))
    for true, row in table.items():
        print(f"    {true:<18} " + "".join(f"{row[c]:>15}" for c in columns))


def nlu_timing() -> None:
    """NLU time per message of the trained model (in the Rasa environment: bench/rasa/nlu_timing.py)."""
    if not MODEL.exists():
        print("NLU time per message: no trained model (run `make train`)")
        return
    result = subprocess.run(
        [str(RASA_BIN / "python"), str(TIMING_SCRIPT), str(MODEL), str(ROOT / "tests" / "test_nlu.yml")],
        cwd=ROOT, env=rasa_env(), check=True, capture_output=True, text=True,
    )
    print(result.stdout.strip(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--languages", nargs="*", default=list(LANGUAGE_FILES))
    parser.add_argument("--config", type=Path, default=ROOT / "bot" / "config.yml")
    parser.add_argument("--no-timing", action="store_true", help="skip the NLU time per message")
    args = parser.parse_args()
    if not (RASA_BIN / "rasa").exists():
        sys.exit("the Rasa environment is missing: run `make install`")
    if not 2 <= args.folds <= 10:
        sys.exit("--folds must be between 2 and 10")
    unknown = set(args.languages) - set(LANGUAGE_FILES)
    if unknown:
        sys.exit(f"unknown language(s) {sorted(unknown)}: choose among {list(LANGUAGE_FILES)}")
    for lang in args.languages:
        result = cross_validate(lang, args.folds, args.config.resolve())
        weakest = ", ".join(f"{name} {f1:.2f}" for name, f1 in result["weakest"])
        print(f"NLU {args.folds}-fold cross-validation {lang}: intent F1 (weighted) {result['weighted_f1']:.3f}, "
              f"accuracy {result['accuracy']:.3f}; weakest: {weakest}  ({result['seconds']:.0f} s)", flush=True)
        print_confusion(result["confusion"])
    if not args.no_timing:
        nlu_timing()


if __name__ == "__main__":
    main()
