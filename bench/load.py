"""Load benchmark: C concurrent conversations x M need messages, through the API and straight to Rasa.

    python bench/load.py [--conversations 20] [--messages 8] [--rasa-workers N]

Starts the real stack as `make run` does (embedded SQLite defaults, free ports, a throwaway directory),
then runs the same load twice in one run: through the API's REST channel (what citizens meet) and
straight to one Rasa's REST channel (the floor the API adds to). Each conversation sends its next message
as soon as the previous answer arrives. Prints messages/s, p50/p95 latency, fallback answers ("the
assistant cannot answer you"), errors, the ratio of API p95 to bare Rasa p95, the resident memory of
every process, and the CPU seconds each process spent per message (a figure that holds on a busy
machine, where wall-clock throughput does not; the machine's load average is printed with each run).

The per-IP rate limit is raised for the run: every simulated citizen comes from 127.0.0.1.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.stack import Stack, scratch_settings  # noqa: E402
from common.config import REPO_ROOT  # noqa: E402

NEEDS = Path("/work/shared/data/needs-dev.jsonl")
COMMUNES = ["Schaerbeek", "Anderlecht", "Ixelles", "Jette", "Molenbeek", "Uccle", "Etterbeek", "Forest"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def need_texts() -> list[str]:
    """Citizens' own need descriptions (written outside the team), or a few fixed ones without shared/."""
    for candidate in (NEEDS, REPO_ROOT.parent / "shared" / "data" / "needs-dev.jsonl"):
        if candidate.exists():
            rows = [json.loads(line) for line in candidate.read_text(encoding="utf-8").splitlines() if line]
            return [r["text"] for r in rows if r["lang"] in ("nl", "fr")]
    return ["mijn moeder kan zich niet meer alleen wassen", "je n'arrive plus à payer mon loyer",
            "ik zoek een huisarts", "j'ai besoin d'aide alimentaire"]


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    fallbacks: int = 0
    silent: list[str] = field(default_factory=list)  # messages answered with nothing or the fallback
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        n = len(self.latencies)
        if not n:
            return f"{self.name}: no answers; errors {len(self.errors)} {self.errors[:3]}"
        ordered = sorted(self.latencies)
        p95 = ordered[min(n - 1, int(0.95 * n))]
        return (f"{self.name}: {n} answers in {self.seconds:.1f} s = {n / self.seconds:.1f} messages/s; "
                f"p50 {statistics.median(ordered):.2f} s, p95 {p95:.2f} s; fallbacks {self.fallbacks}; "
                f"errors {len(self.errors)}" + (f" {self.errors[:3]}" if self.errors else ""))

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else float("nan")


def _process_stats(pid: int) -> tuple[float, float]:
    """(CPU seconds, RSS MB) of a process and its children (Rasa forks helpers on some platforms)."""
    cpu = rss = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
        except OSError:
            continue
    return cpu, rss


def snapshot(stack: Stack) -> dict[str, tuple[float, float]]:
    return {name: _process_stats(process.pid) for name, process in stack.processes.items()}


async def _conversation(client: httpx.AsyncClient, run: Run, texts: list[str], through_api: bool, i: int,
                        rasa_url: str) -> None:
    if through_api:
        started = (await client.post("/api/v1/conversations")).json()
        sender, headers, url = started["conversation_id"], {"Authorization": f"Bearer {started['token']}"}, \
            "/webhooks/rest/webhook"
    else:
        sender, headers, url = f"bench-rasa-{i}-{time.time_ns()}", {}, f"{rasa_url}/webhooks/rest/webhook"
    for j, text in enumerate(texts):
        message = f"{text} Ik woon in {COMMUNES[(i + j) % len(COMMUNES)]}." if j == 0 else text
        began = time.monotonic()
        try:
            response = await client.post(url, json={"sender": sender, "message": message}, headers=headers)
            elapsed = time.monotonic() - began
            if response.status_code != 200:
                run.errors.append(f"HTTP {response.status_code}")
                continue
            replies = response.json()
            run.latencies.append(elapsed)
            fallback = any((r.get("custom") or {}).get("type") == "assistant_unavailable" for r in replies)
            run.fallbacks += fallback
            # Through the API an empty reply is normal once a conversation is handed over to a worker.
            if fallback or (not replies and not through_api):
                run.silent.append(f"{j}: {message[:60]}")
        except httpx.HTTPError as exc:
            run.errors.append(type(exc).__name__)


async def load(stack: Stack, name: str, through_api: bool, conversations: int, messages: int) -> Run:
    texts = need_texts()
    run = Run(name)
    base = f"http://127.0.0.1:{stack.settings.api_port}"
    limits = httpx.Limits(max_connections=conversations + 5, max_keepalive_connections=conversations + 5)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        began = time.monotonic()
        await asyncio.gather(*(
            _conversation(client, run, [texts[(i * messages + j) % len(texts)] for j in range(messages)],
                          through_api, i, stack.settings.rasa_url)
            for i in range(conversations)
        ))
        run.seconds = time.monotonic() - began
    return run


def report_processes(name: str, before: dict, after: dict, messages: int) -> None:
    parts = []
    for process, (cpu_after, rss) in after.items():
        cpu = cpu_after - before.get(process, (0.0, 0.0))[0]
        parts.append(f"{process} {1000 * cpu / max(messages, 1):.0f} ms CPU/message, {rss:.0f} MB")
    total = sum(rss for _cpu, rss in after.values())
    print(f"  {name} processes: " + "; ".join(parts) + f"; all together {total:.0f} MB")


def print_fallback_reasons(log_dir: Path) -> None:
    """Why the API answered "unavailable", from its log (each fallback logs one reason)."""
    log = log_dir / "api.log"
    reasons: dict[str, int] = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if "assistant unavailable for a message:" in line:
                reason = line.split("assistant unavailable for a message:", 1)[1].strip()
                reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        print(f"  fallback reason: {reason} x {count}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=8)
    parser.add_argument("--rasa-workers", type=int, default=None, help="default: the setting's default")
    args = parser.parse_args()
    model = REPO_ROOT / "models" / "gbo.tar.gz"
    if not model.exists():
        print("no trained model: run `make train` first")
        return 1
    with tempfile.TemporaryDirectory(prefix="gbo-load-") as tmp:
        overrides = {"rasa_workers": args.rasa_workers} if args.rasa_workers else {}
        settings = scratch_settings(
            Path(tmp), gbo_env="development", rate_limit_per_ip=1_000_000, rate_limit_per_conversation=1_000,
            retention_interval_seconds=0, **overrides,
        )
        stack = Stack(settings, log_dir=Path(tmp) / "log")
        began = time.monotonic()
        try:
            stack.start()
            stack.wait_until_healthy(timeout_seconds=300)
            print(f"stack healthy in {time.monotonic() - began:.0f} s; "
                  f"{args.conversations} conversations x {args.messages} messages")
            # One warm-up conversation, so model loading and first-call costs are not measured.
            asyncio.run(load(stack, "warm-up", True, 2, 2))
            results = []
            for name, through_api in (("through the API", True), ("straight to Rasa", False)):
                before = snapshot(stack)
                run = asyncio.run(load(stack, name, through_api, args.conversations, args.messages))
                print(f"{run.line()} (load average {os.getloadavg()[0]:.1f})")
                report_processes(name, before, snapshot(stack), len(run.latencies))
                for message in run.silent:
                    print(f"  no answer or the fallback to message {message!r}")
                results.append(run)
            api_run, rasa_run = results
            print(f"API p95 / bare Rasa p95 = {api_run.p95() / rasa_run.p95():.2f}")
            print_fallback_reasons(stack.log_dir)
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
