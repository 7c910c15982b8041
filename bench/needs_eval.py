"""Need matching quality: top-1 / top-3 per language on the evaluation sets (tests/kb/data/)."""

import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.matching import match_needs  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "kb" / "data"
SETS = {"dev (tuned on)": "needs_eval.yaml", "held-out (never tuned on)": "needs_eval_heldout.yaml"}


def score(items: list[dict], lang: str) -> tuple[int, float, float]:
    items = [i for i in items if i["lang"] == lang]
    top1 = top3 = 0
    for item in items:
        ids = [c.id for c in match_needs(item["text"], lang, limit=3)]
        top1 += bool(ids) and ids[0] in item["ok"]
        top3 += bool(set(ids) & set(item["ok"]))
    return len(items), top1 / len(items), top3 / len(items)


def main() -> None:
    start = time.perf_counter()
    match_needs("warm-up", "nl")
    print(f"matcher built in {time.perf_counter() - start:.2f} s")
    everything: list[dict] = []
    for label, name in SETS.items():
        items = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["items"]
        everything += items
        for lang in ("nl", "fr"):
            n, t1, t3 = score(items, lang)
            print(f"{label:28s} {lang}  n={n:3d}  top-1 {t1:.1%}  top-3 {t3:.1%}")
    for lang in ("nl", "fr"):
        n, t1, t3 = score(everything, lang)
        print(f"{'full set':28s} {lang}  n={n:3d}  top-1 {t1:.1%}  top-3 {t3:.1%}")


if __name__ == "__main__":
    main()
