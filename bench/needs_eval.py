"""Need matching quality: top-1 / top-3 per language, and how far `is_confident` can be trusted.

Sets (each line {"id", "lang", "text", "accept": [ids, best first]}):
- needs-dev: /work/shared/data/needs-dev.jsonl, written outside the team; tuned on. $NEEDS_DEV names another
  set in its place (an outside set kept out of the repository); it is then labelled by its path.
- own dev / own test: tests/data/needs_eval.jsonl, split once at random (seeded, by need so that the
  nl/fr/en phrasings of one need sit on the same side) before any tuning; only "dev" is tuned on.
The figures of the matcher before issue 11 are kept in bench/needs_eval_before.json and printed next
to the current ones. `--save-before` rewrites that file from the current matcher (used once, before).
`--misses` lists the top-1 misses of the sets that may be tuned on, grouped by the expected category;
it never lists the test part's.
"""

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sets import NEEDS_DEV, outside_set_label, read_jsonl  # noqa: E402
from kb.matching import NEED_THRESHOLD, is_confident, match_needs  # noqa: E402

OWN = ROOT / "tests" / "data" / "needs_eval.jsonl"
BEFORE = ROOT / "bench" / "needs_eval_before.json"
LANGS = ("nl", "fr", "en")
# Not needs, written apart from kb/data/not_needs.yaml (so not tuned on): none may reach NEED_THRESHOLD.
NON_NEEDS = [
    ("nl", "goeienavond"),
    ("nl", "hoe laat is het"),
    ("nl", "wat eten we vanavond"),
    ("nl", "zxcvbnm"),
    ("nl", "hahaha"),
    ("nl", "dat is goed, dankuwel"),
    ("fr", "quelle heure est-il"),
    ("fr", "bonne nuit"),
    ("fr", "c'est quoi ton film préféré"),
    ("fr", "jkljkljkl"),
    ("fr", "super, merci bien"),
    ("en", "what time is it"),
    ("en", "SELECT name FROM patients WHERE 1=1"),
    ("en", "<img src=x onerror=alert(1)>"),
    ("en", "good night"),
    ("en", "cool"),
    ("en", "what's the capital of France"),
    ("en", "1 + 1"),
]


# Framing sentences around a need, as people write them in a message (kb/data/framing_words.yaml): the need
# should be found as well with them as without. Set A was looked at while writing the framing words; set B
# was written at the same time and never looked at for tuning. Each phrasing is wrapped in each pair.
FRAMING_LOOKED_AT = {
    "nl": [("Goeiedag, ik ben 52 jaar en woon al tien jaar in Brussel.", ""),
           ("", "Ik heb al overal gebeld maar niemand kan me verder helpen."),
           ("Hallo, ik vond jullie website via een vriendin.", "Alvast bedankt, met vriendelijke groeten."),
           ("Excuseer voor mijn Nederlands, het is niet zo goed.", ""),
           ("Ik ben 34 jaar en werk halftijds.", "Dank u wel.")],
    "fr": [("Bonjour, j'ai 52 ans et j'habite à Bruxelles depuis dix ans.", ""),
           ("", "J'ai déjà appelé partout mais personne ne peut m'aider."),
           ("Bonjour, j'ai trouvé votre site grâce à une amie.", "Merci d'avance, bien cordialement."),
           ("Excusez mon français, je ne l'écris pas très bien.", ""),
           ("J'ai 34 ans et je travaille à mi-temps.", "Merci beaucoup.")],
    "en": [("Hello, I am 52 and have lived in Brussels for ten years.", ""),
           ("", "I have already called everywhere but nobody can help me."),
           ("Hi, a friend told me about your website.", "Thanks in advance, kind regards."),
           ("Sorry for my English, it is not my first language.", ""),
           ("I am 34 years old and work part-time.", "Thank you.")],
}
FRAMING_HELD_OUT = {
    "nl": [("Dag mevrouw, mijn naam doet er niet toe, ik ben 61 jaar oud.", ""),
           ("Ik woon sinds 2015 in België.", "Ik hoop dat u mij kan helpen."),
           ("", "Ik weet echt niet meer waar ik moet beginnen. Bedankt om te lezen."),
           ("Beste, ik schrijf u omdat mijn buurvrouw zei dat ik dit moest proberen.", "")],
    "fr": [("Madame, Monsieur, j'ai 61 ans.", ""),
           ("Je vis en Belgique depuis 2015.", "J'espère que vous pourrez m'aider."),
           ("", "Je ne sais vraiment plus par où commencer. Merci de m'avoir lu."),
           ("Bonjour, je vous écris parce que ma voisine m'a dit d'essayer.", "")],
    "en": [("Dear sir or madam, I am 61 years old.", ""),
           ("I have lived in Belgium since 2015.", "I hope you can help me."),
           ("", "I really don't know where to start anymore. Thanks for reading."),
           ("Hello, I am writing because my neighbour told me to try this.", "")],
}


def framed(items: list[dict], framing: dict[str, list[tuple[str, str]]]) -> list[dict]:
    """Each phrasing once per (before, after) pair of its language, as one message."""
    out = []
    for item in items:
        body = item["text"].rstrip(".!? ") + "."
        for before, after in framing[item["lang"]]:
            out.append({**item, "text": " ".join(part for part in (before, body, after) if part)})
    return out


def sets() -> dict[str, list[dict]]:
    own = read_jsonl(OWN)
    out = {
        "own dev (tuned on)": [i for i in own if i["split"] == "dev"],
        "own test (never tuned on)": [i for i in own if i["split"] == "test"],
    }
    out["own dev, framed by set A (tuned on)"] = framed(out["own dev (tuned on)"], FRAMING_LOOKED_AT)
    out["own test, framed by set B (never tuned on)"] = framed(out["own test (never tuned on)"], FRAMING_HELD_OUT)
    if NEEDS_DEV.exists():
        out = {outside_set_label(): read_jsonl(NEEDS_DEV), **out}
    else:
        print(f"(needs-dev not found at {NEEDS_DEV}; set NEEDS_DEV)")
    return out


def evaluate(items: list[dict]) -> dict:
    """Per language and overall: n, top-1, top-3, and the confident / unsure split."""
    rows: dict[str, dict] = {}
    for item in items:
        matches = match_needs(item["text"], item["lang"], limit=3)
        ids = [m.id for m in matches]
        accept = set(item["accept"])
        hit1 = bool(ids) and ids[0] in accept
        hit3 = bool(set(ids) & accept)
        sure = is_confident(matches)
        for key in (item["lang"], "all"):
            r = rows.setdefault(key, {"n": 0, "top1": 0, "top3": 0, "sure": 0, "sure_ok": 0, "unsure_top3": 0})
            r["n"] += 1
            r["top1"] += hit1
            r["top3"] += hit3
            r["sure"] += sure
            r["sure_ok"] += sure and hit1
            r["unsure_top3"] += (not sure) and hit3
    return rows


def print_misses(sets_: dict[str, list[dict]]) -> None:
    """Top-1 misses of the tunable sets, grouped by the first accepted category (most missed first)."""
    from kb.taxonomy import categories

    names = categories()
    groups: dict[int, list[str]] = {}
    for label, items in sets_.items():
        if "test" in label:
            continue  # why: looking at test misses while tuning would make the test figures worthless
        for item in items:
            ids = [m.id for m in match_needs(item["text"], item["lang"], limit=3)]
            if ids and ids[0] in item["accept"]:
                continue
            where = "top-3" if set(ids) & set(item["accept"]) else "missed"
            got = ", ".join(f"{cid} {names[cid].title_nl[:30]}" for cid in ids) or "nothing"
            line = f"    [{where}] {item['id']} {item['text'][:90]!r}\n        got: {got}"
            groups.setdefault(item["accept"][0], []).append(line)
    print("\ntop-1 misses of the tunable sets, by expected category")
    for cid, lines in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"  {cid} {names[cid].title_nl[:60]} ({len(lines)})")
        print("\n".join(lines))


def _pct(a: int, b: int) -> str:
    return f"{a / b:6.1%}" if b else "   n/a"


def main() -> None:
    start = time.perf_counter()
    match_needs("warm-up", "nl")
    print(f"matcher ready in {time.perf_counter() - start:.2f} s")
    before = json.loads(BEFORE.read_text(encoding="utf-8")) if BEFORE.exists() else {}
    results = {}
    all_sets = sets()
    for label, items in all_sets.items():
        rows = evaluate(items)
        results[label] = rows
        print(f"\n{label}")
        print("  lang    n   top-1  top-3 | before: top-1  top-3 | confident  right-when-sure  top3-when-unsure")
        for lang in (*LANGS, "all"):
            r = rows.get(lang)
            if not r:
                continue
            b = before.get(label, {}).get(lang)
            old = f"{_pct(b['top1'], b['n'])} {_pct(b['top3'], b['n'])}" if b else "   n/a    n/a"
            unsure = r["n"] - r["sure"]
            print(
                f"  {lang:4s} {r['n']:4d}  {_pct(r['top1'], r['n'])} {_pct(r['top3'], r['n'])} |"
                f"        {old} |    {_pct(r['sure'], r['n'])}          {_pct(r['sure_ok'], r['sure'])}"
                f"            {_pct(r['unsure_top3'], unsure)}"
            )
    passed = [t for lang, t in NON_NEEDS if all(m.score < NEED_THRESHOLD for m in match_needs(t, lang))]
    print(f"\nnot needs (small talk, junk, code): {len(passed)}/{len(NON_NEEDS)} stay below NEED_THRESHOLD")
    for lang, text in NON_NEEDS:
        if text not in passed:
            top = match_needs(text, lang, limit=1)[0]
            print(f"  reaches it: {lang} {text!r} -> {top.id} {top.name[:40]!r} {top.score}")
    if "--misses" in sys.argv:
        print_misses(all_sets)
    if "--save-before" in sys.argv:
        BEFORE.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"\nsaved as the 'before' figures: {BEFORE}")


if __name__ == "__main__":
    main()
