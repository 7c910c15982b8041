"""Crisis detection: how many crisis messages get the emergency numbers, and how many ordinary ones do too.

The assistant shows the numbers when the rules of dialogue/understanding.py recognise crisis words, or when the
trained model (models/gbo.tar.gz) says `crisis` (actions/every_message.py). Both are measured here, as the
citizen meets them, on tests/data/crisis_messages.jsonl: messages written by helpers who never saw the rules nor
the training data, per language:
- dev: 30 crises and 40 border cases that are not crises (old pain, a pet, a past event, a figure of speech);
  looked at: rule phrases and training examples were added after reading its misses;
- test: the same, written later by another helper, with more indirect crises (a long story first, calm words);
  its misses were read, so it is no longer a clean test;
- long: 25 crises told inside a long story and 25 long stories of hardship without danger now, written by a
  third helper after the training examples of crises told in a story; measured only (before them: 21/75 crises
  shown the numbers, 15/75 others) until the sentence mark of bot/components/intent_classifier.py was chosen on it
  (with dev and test): no longer a clean test either;
- long2: 20 crises told in a long message and 20 long hardships without danger now per language, written by a
  fourth helper who saw nothing of the project, after that choice; measured for it (crises shown 15 -> 28 of 60),
  then used to choose how many training examples to add: no longer clean;
- long3: the same, written by a fifth helper at the same time as those training examples, by another helper; measured
  once, for the final model (crises shown 24 -> 54 of 60 over the session, others 10 -> 13 of 60).
Needs-dev (or the set $NEEDS_DEV names) holds no crisis: how many of its needs get the numbers is the price.

Usage: .venvs/app/bin/python bench/crisis_detection.py
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.nlu_cross_validation import MODEL, RASA_BIN, rasa_env  # noqa: E402
from bench.sets import NEEDS_DEV, read_jsonl  # noqa: E402
from dialogue.understanding import understand  # noqa: E402

MESSAGES = ROOT / "tests" / "data" / "crisis_messages.jsonl"
INTENTS_SCRIPT = ROOT / "bench" / "rasa" / "intents_of.py"
PARTS = ("dev", "test", "long", "long2", "long3")


def model_readings(path: Path) -> list[dict]:
    """Per line of `path`: the trained model's {"intent", "confidence", "crisis_in_a_sentence"}."""
    done = subprocess.run([str(RASA_BIN / "python"), str(INTENTS_SCRIPT), str(MODEL), str(path)], cwd=ROOT,
                          env=rasa_env(), capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _shown(item: dict, reading: dict) -> tuple[bool, bool]:
    """(by the rules, by the model): the model's crisis intent, or one sentence marked as a crisis."""
    by_rules = understand(item["text"], item["lang"]).crisis_kind is not None
    by_model = reading["intent"] == "crisis" or reading.get("crisis_in_a_sentence") is not None
    return by_rules, by_model


def main() -> None:
    items = read_jsonl(MESSAGES)
    readings = model_readings(MESSAGES)
    if len(readings) != len(items):
        sys.exit(f"the model answered {len(readings)} of {len(items)} messages")
    print("emergency numbers shown (by the rules / by the model)")
    print("  part  lang | crises shown          | not crises shown")
    for split in PARTS:
        for lang in ("nl", "fr", "en", "all"):
            rows = [(item, reading) for item, reading in zip(items, readings, strict=True)
                    if item["split"] == split and lang in ("all", item["lang"])]
            counts = {True: [0, 0, 0, 0], False: [0, 0, 0, 0]}  # n, shown, rules, model
            for item, reading in rows:
                by_rules, by_model = _shown(item, reading)
                count = counts[item["crisis"]]
                count[0] += 1
                count[1] += by_rules or by_model
                count[2] += by_rules
                count[3] += by_model
            crises, others = counts[True], counts[False]
            print(f"  {split:5s} {lang:4s} | {crises[1]:3d}/{crises[0]:<3d} ({crises[2]:2d} / {crises[3]:2d})"
                  f"      | {others[1]:3d}/{others[0]:<3d} ({others[2]:2d} / {others[3]:2d})")
    # The price of catching crises: needs that get the numbers too (none of these texts is a crisis).
    if NEEDS_DEV.exists():
        needs = read_jsonl(NEEDS_DEV)
        shown = [_shown(item, reading) for item, reading in zip(needs, model_readings(NEEDS_DEV), strict=True)]
        print(f"needs shown the numbers: {sum(r or m for r, m in shown)}/{len(needs)} of {NEEDS_DEV.name}"
              f" ({sum(r for r, _ in shown)} by the rules / {sum(m for _, m in shown)} by the model)")


if __name__ == "__main__":
    main()
