"""Scrubbing of personal data: start-up time, memory, and time per text.

Prints: the analyzer's load time and the resident memory it adds (fr_core_news_md included); p50/p95/max
milliseconds per text over tests/data/scrubbing_pii.jsonl and over ten crafted 5 000-character texts (shapes
that make backtracking patterns explode, and long realistic messages); recall and over-scrubbing on both
splits of the data set; how many texts would have been dropped at the configured budget (SCRUB_BUDGET_MS).
"""

import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "scrubbing_pii.jsonl"
RUNS = 3


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _crafted() -> list[str]:
    realistic_nl = ("Goedendag, ik heet Marie-Rose Van den Bossche en woon Kerkstraat 12 bus 3 in Schaarbeek. "
                    "Bel me op 0470/12.34.56. Ik zoek al 3 maanden een huisarts, de wachtlijst is lang. ")
    realistic_fr = ("Bonjour, je m'appelle Fatima El Amrani, j'habite rue de la Loi 16. Mon numéro national est "
                    "85.07.30-033.28 et mon compte BE48 0011 2345 6727. Je cherche une aide à domicile. ")
    texts = [
        "-".join(["Aaaa"] * 1000),  # the shape that stalled the old address pattern
        " ".join(["Rue-De-La-Paix-Sint-Jans"] * 200),
        "Kerkstraat " * 455,
        " ".join(["rue", "de", "la"] * 1700),
        "0470 12 34 56 - " * 313,
        "1." * 2500,
        "a@b " * 1250,
        "Mme Van " * 625,
        realistic_nl * 30,
        realistic_fr * 30,
    ]
    return [t[:5000] for t in texts]


def _timings(scrub, texts: list[tuple[str, str | None]]) -> tuple[list[float], int]:
    times, dropped = [], 0
    for _ in range(RUNS):
        for text, lang in texts:
            started = time.perf_counter()
            if scrub(text, lang, budget=60.0) is None:
                dropped += 1
            times.append((time.perf_counter() - started) * 1000)
    return times, dropped


def _line(label: str, times: list[float], budget_ms: float) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    over = sum(t > budget_ms for t in times)
    return (f"{label:34s} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  max {max(times):7.1f} ms"
            f"  over the {budget_ms:.0f} ms budget: {over}/{len(times)}")


def main() -> None:
    import os

    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings grow with it)")
    before = _rss_mb()
    started = time.perf_counter()
    from dialogue import scrubbing
    scrubbing.warm_up()
    load_s = time.perf_counter() - started
    after = _rss_mb()
    budget_ms = scrubbing.budget_seconds() * 1000
    print(f"analyzer start-up: {load_s:.1f} s; resident memory {before:.0f} -> {after:.0f} MB "
          f"(+{after - before:.0f} MB, fr_core_news_md and Presidio included)")

    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    times, _ = _timings(scrubbing.scrub, [(r["text"], r["lang"]) for r in records])
    print(_line(f"data set ({len(records)} texts x {RUNS})", times, budget_ms))
    crafted = _crafted()
    times, _ = _timings(scrubbing.scrub, [(t, None) for t in crafted])
    print(_line(f"crafted 5 000 chars ({len(crafted)} x {RUNS})", times, budget_ms))
    signal_path = []
    for _ in range(RUNS):
        for text in crafted:
            started = time.perf_counter()
            scrubbing.scrub(text, budget=60.0, max_chars=1000)  # as record_signal does (500 chars are kept)
            signal_path.append((time.perf_counter() - started) * 1000)
    print(_line("crafted, signal path (1 000 chars)", signal_path, budget_ms))
    for text in crafted:
        started = time.perf_counter()
        scrubbing.scrub(text, budget=60.0)
        print(f"  {(time.perf_counter() - started) * 1000:7.1f} ms  {text[:40]!r}")

    for split in ("dev", "test"):
        hit = total = clean = unchanged = 0
        for record in (r for r in records if r["split"] == split):
            out = scrubbing.scrub(record["text"], record["lang"], budget=60.0)
            if not record["pieces"]:
                clean += 1
                unchanged += out == record["text"]
            for piece in record["pieces"]:
                total += 1
                survived = piece["text"] in out or any(
                    re.search(rf"(?<!\d){g}(?!\d)", out) for g in re.findall(r"\d{3,}", piece["text"]))
                if re.fullmatch(r"[\w'’-]+", piece["text"]) and not piece["text"].isdigit():
                    survived = re.search(rf"(?<![\w-]){re.escape(piece['text'])}(?![\w-])", out) is not None
                hit += not survived
        print(f"{split}: recall {hit}/{total} = {hit / total:.3f}; clean sentences unchanged {unchanged}/{clean}")


if __name__ == "__main__":
    main()
