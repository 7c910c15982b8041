"""NLU cross-validation per language: prints intent F1 (weighted) for Dutch, French and English, the
confusion among the intents that matter most for the citizen (describe_need, report_barrier, out_of_scope,
request_human), and the NLU time per message of the trained model (models/gbo.tar.gz). Target F1 >= 0.85.

The folds run in the Rasa environment (bench/rasa/nlu_folds.py), each training the whole NLU pipeline of the
config. By default a fold trains as the product does, on all three languages, leaving out the other
languages' likely translations of the test phrasings; `--protocol alone` trains on the language's own folds.

Usage: .venvs/app/bin/python bench/nlu_cross_validation.py [--folds 3] [--languages nl fr] [--config FILE]
       [--protocol multilingual|alone]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venvs" / "rasa" / "bin"
MODEL = ROOT / "models" / "gbo.tar.gz"
TIMING_SCRIPT = ROOT / "bench" / "rasa" / "nlu_timing.py"
FOLDS_SCRIPT = ROOT / "bench" / "rasa" / "nlu_folds.py"
LANGUAGES = ["nl", "fr", "en"]
CONFUSABLE = ["describe_need", "report_barrier", "out_of_scope", "request_human"]


def rasa_env() -> dict[str, str]:
    # The repository root on the path: bot/config.yml names components in bot/components/.
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT),
                SQLALCHEMY_SILENCE_UBER_WARNING="1")


def cross_validate(languages: list[str], folds: int, config: Path, protocol: str):
    """One result per language, as bench/rasa/nlu_folds.py prints them."""
    process = subprocess.Popen(
        [str(RASA_BIN / "python"), str(FOLDS_SCRIPT), "--config", str(config), "--folds", str(folds),
         "--protocol", protocol, *languages],
        cwd=ROOT, env=rasa_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    for line in process.stdout:
        if line.startswith("{"):
            yield json.loads(line)
    if process.wait() != 0:
        sys.exit(f"cross-validation failed (exit {process.returncode}): run {FOLDS_SCRIPT.name} by hand to see why")


def print_confusion(table: dict[str, dict[str, int]]) -> None:
    columns = [*CONFUSABLE, "other"]
    print("    true \\ predicted  " + "".join(f"{c[:14]:>15}" for c in columns))
    for true, row in table.items():
        print(f"    {true:<18} " + "".join(f"{row.get(c, 0):>15}" for c in columns))


def nlu_timing() -> None:
    """NLU time per message of the trained model (in the Rasa environment: bench/rasa/nlu_timing.py)."""
    if not MODEL.exists():
        print("NLU time per message: no trained model (run `make train`)")
        return
    result = subprocess.run(
        [str(RASA_BIN / "python"), str(TIMING_SCRIPT), str(MODEL), str(ROOT / "tests" / "test_nlu.yml")],
        cwd=ROOT, env=rasa_env(), check=True, capture_output=True, text=True,
    )
    # Rasa's own log lines go to stdout too: print the figure only.
    print("\n".join(line for line in result.stdout.splitlines() if line.startswith("NLU time")), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--languages", nargs="*", default=LANGUAGES)
    parser.add_argument("--config", type=Path, default=ROOT / "bot" / "config.yml")
    parser.add_argument("--protocol", choices=["multilingual", "alone"], default="multilingual")
    parser.add_argument("--no-timing", action="store_true", help="skip the NLU time per message")
    args = parser.parse_args()
    if not (RASA_BIN / "rasa").exists():
        sys.exit("the Rasa environment is missing: run `make install`")
    if not 2 <= args.folds <= 10:
        sys.exit("--folds must be between 2 and 10")
    unknown = set(args.languages) - set(LANGUAGES)
    if unknown:
        sys.exit(f"unknown language(s) {sorted(unknown)}: choose among {LANGUAGES}")
    for result in cross_validate(args.languages, args.folds, args.config.resolve(), args.protocol):
        weakest = ", ".join(f"{name} {f1:.2f}" for name, f1 in result["weakest"])
        print(f"NLU {args.folds}-fold cross-validation {result['lang']} ({result['protocol']}, "
              f"{result['examples']} phrasings): intent F1 (weighted) {result['weighted_f1']:.3f}, "
              f"accuracy {result['accuracy']:.3f}; weakest: {weakest}", flush=True)
        print_confusion(result["confusion"])
    if not args.no_timing:
        nlu_timing()


if __name__ == "__main__":
    main()
