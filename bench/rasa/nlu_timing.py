"""NLU time per message of a trained Rasa model, run in the Rasa environment (Python 3.10) by
bench/nlu_cross_validation.py: loads the model, parses every example of a `rasa test nlu` file a few times
(the first pass warms up) and prints the median and 95th percentile per message, in wall-clock time and in
CPU time of the process (all its threads; the CPU figure does not depend on what else the machine runs).

Usage: .venvs/rasa/bin/python bench/rasa/nlu_timing.py MODEL.tar.gz tests/test_nlu.yml
"""

import asyncio
import statistics
import sys
import time
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

ROUNDS = 3


async def timings(model: Path, examples: Path) -> tuple[list[float], list[float]]:
    agent = Agent.load(str(model))
    texts = [m.get("text") for m in load_data(str(examples)).intent_examples]
    for text in texts[:10]:  # warm-up: lazy loading, first TensorFlow calls
        await agent.parse_message(text)
    wall, cpu = [], []
    for _ in range(ROUNDS):
        for text in texts:
            started, started_cpu = time.perf_counter(), time.process_time()
            await agent.parse_message(text)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def summary(seconds: list[float]) -> str:
    seconds = sorted(seconds)
    p95 = seconds[int(0.95 * (len(seconds) - 1))]
    return f"median {statistics.median(seconds) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    wall, cpu = asyncio.run(timings(Path(sys.argv[1]), Path(sys.argv[2])))
    print(f"NLU time per message: wall {summary(wall)}; CPU {summary(cpu)} ({len(wall)} parses of {sys.argv[2]})")


if __name__ == "__main__":
    main()
