"""Checks the report of `rasa test nlu` on tests/test_nlu.yml (`make nlu-test`).

Fails when the weighted intent F1 is below the target (the model's guesses are judged as a whole, never one by
one: the examples are outside the training data), or when any odd input (bot/components/odd_input_rules.py:
markup, code, another script, no words) came out as anything but out_of_scope: that is a rule, so it must hold
for every example.

Usage: .venvs/app/bin/python scripts/check_nlu_report.py build/rasa-nlu-test
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.components.odd_input_rules import odd_input_reason  # noqa: E402

MIN_WEIGHTED_F1 = 0.85
ODD_INPUT_INTENT = "out_of_scope"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results = Path(sys.argv[1])
    report = json.loads((results / "intent_report.json").read_text())
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    weighted_f1 = report["weighted avg"]["f1-score"]
    problems = []
    if weighted_f1 < MIN_WEIGHTED_F1:
        problems.append(f"weighted intent F1 {weighted_f1:.3f} is below {MIN_WEIGHTED_F1}")
    for error in errors:
        predicted = (error.get("intent_prediction") or {}).get("name")
        if odd_input_reason(error["text"]) and predicted != ODD_INPUT_INTENT:
            problems.append(f"odd input {error['text']!r} came out as {predicted}, not {ODD_INPUT_INTENT}")
    for problem in problems:
        print(f"rasa test nlu: {problem}", file=sys.stderr)
    if not problems:
        print(f"rasa test nlu: intent F1 (weighted) {weighted_f1:.3f} on tests/test_nlu.yml, "
              f"{len(errors)} example(s) misread, every odd input out_of_scope")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
