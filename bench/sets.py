"""The evaluation sets the benches share: where the outside-written needs are, how they are labelled, and reading
a JSON-lines set. Imports nothing of the project, so a bench that talks to the stack over HTTP stays light."""

import json
import os
from pathlib import Path

DEFAULT_NEEDS_DEV = Path("/work/shared/data/needs-dev.jsonl")
NEEDS_DEV = Path(os.environ.get("NEEDS_DEV", DEFAULT_NEEDS_DEV))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def outside_set_label() -> str:
    """needs-dev's label, or the path of the set $NEEDS_DEV names instead: its figures are then not compared with
    needs-dev's 'before', and --misses leaves it out when its path says 'test' (a held-out set)."""
    if NEEDS_DEV == DEFAULT_NEEDS_DEV:
        return "needs-dev (outside author)"
    return f"{NEEDS_DEV} (from $NEEDS_DEV)"
