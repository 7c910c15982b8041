"""Citizen-facing texts: one catalog per language in bot/catalog/<lang>.yml.

The same catalogs feed Rasa (turned into responses by scripts/build_domain.py) and the API's own
messages, so a text is written once per language.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# No import of the settings here: scripts/build_domain.py runs this module in the Rasa image too.
CATALOG_DIR = Path(__file__).resolve().parents[1] / "bot" / "catalog"
LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "nl"


class CatalogError(Exception):
    pass


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: a catalog is a mapping of keys to texts")
    return data


@lru_cache
def catalogs() -> dict[str, dict[str, Any]]:
    """All catalogs, checked to have exactly the same keys in every language."""
    loaded = {lang: _load(CATALOG_DIR / f"{lang}.yml") for lang in LANGUAGES}
    reference = set(loaded[DEFAULT_LANGUAGE])
    for lang, catalog in loaded.items():
        missing, extra = reference - set(catalog), set(catalog) - reference
        if missing or extra:
            raise CatalogError(
                f"catalog {lang}.yml: missing {sorted(missing)}, not in {DEFAULT_LANGUAGE}.yml {sorted(extra)}"
            )
    return loaded


def text(key: str, lang: str | None, **values: str) -> str:
    """The text for key in lang (Dutch when the language is unknown), placeholders filled."""
    entry = catalogs()[lang if lang in LANGUAGES else DEFAULT_LANGUAGE][key]
    template = entry["text"] if isinstance(entry, dict) else entry
    return template.format(**values)
