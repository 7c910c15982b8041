"""Intake success through the real stack: does a citizen's need, said in words the team did not write,
end in service cards of a right category within four citizen turns?

For each phrasing ({"id", "lang", "text", "accept": [category ids]}) of
- needs-dev: /work/shared/data/needs-dev.jsonl, written outside the team (or the set $NEEDS_DEV names), and
- own test: tests/data/needs_eval.jsonl, split "test" (never tuned on),
a conversation is started through the API (REST channel, as a programmatic client) and the citizen says
the need plus where they live ("... Ik woon in Schaarbeek." / "J'habite à Schaerbeek." / "I live in
Schaerbeek."). The citizen then answers deterministically: the commune "Schaarbeek" if asked (for whom and
an age are not asked: the search uses neither); when category buttons are offered, the one in
`accept` if there is one, else "something else"; when asked what the need is mostly about (theme buttons),
the theme of its best accepted category that has one (kb/data/category_themes.yaml). Success: a
service_list whose services belong to an accepted category, within four citizen turns. Anything else
(wrong cards, nothing found, asked to say it again, a person offered) ends the conversation as a failure,
with its reason counted.

The stack (Rasa with models/gbo.tar.gz, the action server, the API on a throwaway SQLite database with
the demo directory) is started as `make run` starts it, on free ports; or, with --url, a running stack
is used (e.g. `make run` in another terminal: --url http://127.0.0.1:8000; raise its rate limits).
Usage: .venvs/app/bin/python bench/intake_success.py [--url URL] [--limit N] [--workers N] [--out FILE]
"""

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sets import NEEDS_DEV, outside_set_label, read_jsonl  # noqa: E402
from dialogue import i18n  # noqa: E402
from kb.taxonomy import category_themes  # noqa: E402

OWN = ROOT / "tests" / "data" / "needs_eval.jsonl"
MAX_TURNS = 4
TARGET = 0.85
LANGS = ("nl", "fr", "en")
WHERE = {"nl": "Ik woon in Schaarbeek.", "fr": "J'habite à Schaerbeek.", "en": "I live in Schaerbeek."}
COMMUNE = {"nl": "Schaarbeek", "fr": "Schaerbeek", "en": "Schaerbeek"}
SOMETHING_ELSE = "/service_something_else"
CHOOSE_PREFIX = "/choose_category"
THEME_PREFIX = "/choose_theme"


def phrasings() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if NEEDS_DEV.exists():
        out[outside_set_label()] = read_jsonl(NEEDS_DEV)
    if OWN.exists():
        out["own test (never tuned on)"] = [i for i in read_jsonl(OWN) if i.get("split") == "test"]
    return out


def _catalog_start(key: str, lang: str) -> str:
    entry = i18n.catalogs()[lang][key]
    text = entry["text"] if isinstance(entry, dict) else entry
    return text.split("{")[0].strip()


def _asked(replies: list[dict], key: str, lang: str) -> bool:
    start = _catalog_start(key, lang)
    return any((r.get("text") or "").startswith(start) for r in replies)


def _theme_choice(payloads: list[str], accept: list[int]) -> str | None:
    """The theme button a citizen with this need would press: the first offered theme of the best accepted
    category that has one offered."""
    offered = {payload: json.loads(payload[len(THEME_PREFIX):]).get("theme") for payload in payloads
               if payload.startswith(THEME_PREFIX)}
    themes = category_themes()
    for category_id in accept:
        for payload, theme in offered.items():
            if theme in themes.get(category_id, ()):
                return payload
    return None


def _category_id(payload: str) -> int | None:
    try:
        return int(json.loads(payload[len(CHOOSE_PREFIX):])["category_id"])
    except (ValueError, KeyError, TypeError):
        return None


class Conversation:
    def __init__(self, client: httpx.Client, lang: str) -> None:
        started = client.post("/api/v1/conversations", json={"lang": lang})
        started.raise_for_status()
        self.client, self.lang = client, lang
        self.id, self.token = started.json()["conversation_id"], started.json()["token"]

    def say(self, text: str) -> list[dict]:
        response = self.client.post(
            "/webhooks/rest/webhook",
            json={"sender": self.id, "message": text, "metadata": {"lang": self.lang}},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        response.raise_for_status()
        return response.json()


def run_one(base_url: str, item: dict) -> dict:
    """One citizen; returns {"id", "lang", "success", "turns", "reason", "asked_back"}."""
    lang, accept = item["lang"], set(item["accept"])
    result = {"id": item["id"], "lang": lang, "success": False, "turns": 0, "reason": "", "asked_back": False}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        talk = Conversation(client, lang)
        message = f"{item['text'].rstrip()} {WHERE[lang]}"
        while result["turns"] < MAX_TURNS:
            replies = talk.say(message)
            result["turns"] += 1
            cards = next((r["custom"] for r in replies if (r.get("custom") or {}).get("type") == "service_list"), None)
            if cards:
                found = {c["id"] for s in cards["services"] for c in s["categories"]}
                result["success"] = bool(found & accept)
                result["reason"] = "" if result["success"] else "cards of another category"
                return result
            payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
            offered = {cid for p in payloads if p.startswith(CHOOSE_PREFIX) and (cid := _category_id(p))}
            if offered:
                result["asked_back"] = True
                chosen = next((c for c in item["accept"] if c in offered), None)
                message = f'{CHOOSE_PREFIX}{{"category_id": {chosen}}}' if chosen else SOMETHING_ELSE
                result["reason"] = "" if chosen else "no accepted category among the buttons"
            elif any(p.startswith(THEME_PREFIX) for p in payloads):
                result["asked_back"] = True
                message = _theme_choice(payloads, item["accept"])
                if message is None:
                    result["reason"] = "no accepted category's theme among the buttons"
                    return result
            elif _asked(replies, "utter_ask_commune", lang):
                message = COMMUNE[lang]
            else:
                for key, reason in (("utter_no_service_found", "no service in the region"),
                                    ("utter_ask_describe_again", "asked to say it again"),
                                    ("utter_need_not_understood", "need not understood"),
                                    ("utter_offer_handover", "a person offered"),
                                    ("api_emergency_numbers", "crisis numbers")):
                    if _asked(replies, key, lang):
                        result["reason"] = result["reason"] or reason
                        return result
                result["reason"] = result["reason"] or "other reply: " + " | ".join(
                    (r.get("text") or "")[:60] for r in replies)
                return result
        result["reason"] = result["reason"] or "no cards within four turns"
        return result


def start_stack(tmp: Path):
    from api.stack import Stack, scratch_settings
    from common.config import REPO_ROOT

    if not (REPO_ROOT / "models" / "gbo.tar.gz").exists():
        sys.exit("no trained Rasa model: run `make train` first")
    settings = scratch_settings(tmp, rasa_timeout_seconds=60, rate_limit_per_ip=1_000_000,
                                rate_limit_per_conversation=1_000)
    stack = Stack(settings, log_dir=tmp / "log")
    stack.start()
    stack.wait_until_healthy(timeout_seconds=600)
    return stack, f"http://127.0.0.1:{settings.api_port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running stack's API (default: start one)")
    parser.add_argument("--limit", type=int, default=0, help="at most N phrasings per set (0: all)")
    parser.add_argument("--workers", type=int, default=3, help="citizens talking at the same time")
    parser.add_argument("--out", type=Path, help="write every conversation's result as JSON lines")
    args = parser.parse_args()
    sets = phrasings()
    if not sets:
        sys.exit(f"no phrasings: neither {NEEDS_DEV} nor {OWN} exists")
    stack, tmp = None, None
    base_url = args.url
    if not base_url:
        tmp = tempfile.TemporaryDirectory(prefix="intake-bench-")
        stack, base_url = start_stack(Path(tmp.name))
    try:
        all_results = []
        for name, items in sets.items():
            if args.limit:
                items = items[: args.limit]
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
                results = list(pool.map(lambda item: run_one(base_url, item), items))
            all_results += [{**r, "set": name} for r in results]
            print(f"{name}: {len(results)} conversations in {time.monotonic() - started:.0f} s")
            per_lang: dict[str, list[dict]] = defaultdict(list)
            for r in results:
                per_lang[r["lang"]].append(r)
            for lang in LANGS:
                rs = per_lang.get(lang) or []
                if not rs:
                    continue
                ok = sum(r["success"] for r in rs)
                asked = sum(r["asked_back"] for r in rs)
                turns = sum(r["turns"] for r in rs if r["success"]) / max(ok, 1)
                print(f"  {lang}: success {ok}/{len(rs)} = {ok / len(rs):.0%} (target {TARGET:.0%}); "
                      f"asked back {asked}; mean turns when successful {turns:.1f}")
                for reason, n in Counter(r["reason"] for r in rs if not r["success"]).most_common(5):
                    print(f"      {n:3d} x {reason}")
        if args.out:
            args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in all_results))
    finally:
        if stack is not None:
            stack.stop()
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
