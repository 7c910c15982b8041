"""Need matching costs: start-up time, memory added per process, latency per query (p50/p95).

Targets (issue 11): p95 <= 25 ms per query, encoder RSS <= 300 MB per process. Each measurement runs in
a fresh interpreter so that imports and caches of one do not flatter the other. The service search over
50 000 services is measured separately by bench/kb_search.py.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, ROOT)

def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

out = {"rss_start": rss_mb()}
t = time.perf_counter()
from kb.semantic import encode
encode(["warm up"])
out["encoder_s"] = time.perf_counter() - t
out["rss_encoder"] = rss_mb()
t = time.perf_counter()
from kb.matching import match_needs
match_needs("warm up", "nl")
out["matcher_s"] = time.perf_counter() - t
out["rss_matcher"] = rss_mb()
items = [json.loads(line) for line in open(EVAL, encoding="utf-8") if line.strip()]
times, cpu = [], []
for item in items:
    t, c = time.perf_counter(), time.process_time()
    match_needs(item["text"], item["lang"], limit=3)
    times.append((time.perf_counter() - t) * 1000)
    cpu.append((time.process_time() - c) * 1000)
cpu.sort()
out["cpu_p95"] = cpu[int(0.95 * (len(cpu) - 1))]
out["load"] = open("/proc/loadavg").read().split()[0]
short = [ms for ms, i in zip(times, items) if len(i["text"]) <= 120]
times.sort()
short.sort()
out["n"] = len(times)
out["p50"] = statistics.median(times)
out["p95"] = times[int(0.95 * (len(times) - 1))]
out["p95_short"] = short[int(0.95 * (len(short) - 1))]
out["max"] = times[-1]
out["rss_end"] = rss_mb()
print(json.dumps(out))
"""


def run(cache_dir: str | None) -> dict:
    code = f"ROOT = {str(ROOT)!r}\nEVAL = {str(ROOT / 'tests' / 'data' / 'needs_eval.jsonl')!r}\n" + _CHILD
    env = None
    if cache_dir is not None:
        import os

        env = {**os.environ, "GBO_CACHE_DIR": cache_dir}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        cold = run(empty)
    warm = run(None)
    print(f"matcher start-up, no cache (var/): {cold['matcher_s']:.1f} s (encodes the documents, fits the classifier)")
    print(f"matcher start-up, with cache (var/): {warm['matcher_s']:.2f} s (+ encoder {warm['encoder_s']:.2f} s)")
    print(
        f"RSS: interpreter {warm['rss_start']:.0f} MB, + encoder {warm['rss_encoder'] - warm['rss_start']:.0f} MB, "
        f"+ matcher {warm['rss_matcher'] - warm['rss_encoder']:.0f} MB, after {warm['n']} queries "
        f"{warm['rss_end']:.0f} MB  (target: encoder <= 300 MB)"
    )
    print(
        f"latency per query over {warm['n']} queries: p50 {warm['p50']:.1f} ms, p95 {warm['p95']:.1f} ms "
        f"(texts <= 120 chars: p95 {warm['p95_short']:.1f} ms), max {warm['max']:.1f} ms  (target: p95 <= 25 ms)"
    )
    print(f"CPU time per query p95 {warm['cpu_p95']:.1f} ms (load average {warm['load']}: wall time grows with load)")


if __name__ == "__main__":
    main()
