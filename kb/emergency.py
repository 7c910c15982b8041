"""Emergency and helpline numbers, kept as data (kb/data/emergency_numbers.yaml), never in code."""

from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "emergency_numbers.yaml"
KINDS = ("suicide", "violence", "danger", "medical", "general")
LANGS = ("nl", "fr", "en")


@lru_cache(maxsize=1)
def _numbers() -> list[dict]:
    with DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["numbers"]


def numbers_for(kind: str, lang: str) -> list[dict]:
    """The numbers to give for a crisis kind, in the citizen's language.

    Lines that answer in the citizen's language come first; for "en" both language lines are given,
    because neither answers in English. Each item: {"number", "name", "description"}.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown crisis kind {kind!r}; expected one of {', '.join(KINDS)}")
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    chosen = []
    for entry in _numbers():
        if kind not in entry["kinds"]:
            continue
        langs = entry.get("langs")
        if langs and lang != "en" and lang not in langs:
            continue
        chosen.append(entry)
    # 112 first when life is at stake; otherwise the specialised lines before the general one.
    chosen.sort(
        key=lambda e: (
            (e["id"] != "emergency_112") if kind in ("danger", "medical") else e["id"] == "emergency_112"
        )
    )
    return [
        {"number": e["number"], "name": e["name"][lang], "description": e["description"][lang]}
        for e in chosen
    ]
