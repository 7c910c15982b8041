"""The social.brussels category list: the taxonomy every service and every need is mapped onto."""

import json
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "social_brussels_categories.json"
TAXONOMY_NAME = "social.brussels"
TAXONOMY_URI = "https://social.brussels/"
# Stable ids: the same category always gets the same HSDS uuid, in every database and every export.
_NAMESPACE = uuid.UUID("6f1d3c52-9b7e-4c1a-8d1e-2b7f0c5a9e11")
TAXONOMY_ID = str(uuid.uuid5(_NAMESPACE, "taxonomy:social.brussels"))

# Categories meant for professionals (training, federations, networks, supervision, documentation):
# a citizen's need is almost never one of these, so matching ranks them down.
_PROFESSIONAL = re.compile(
    r"professionel|federatie|fédération|netwerken, coördinatie|réseaux, coordinations|supervisie|"
    r"supervision|methodologische|appui méthodologique|ondersteuning van het beheer|soutien à la gestion|"
    r"ondersteuning van de communicatie|ondersteuning van het beleid|coördinaties$|coordinations sociales",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Category:
    id: int
    title_nl: str
    title_fr: str
    description_nl: str
    description_fr: str
    keywords_nl: tuple[str, ...]
    keywords_fr: tuple[str, ...]
    organisations_count: int

    @property
    def term_id(self) -> str:
        return term_uuid(self.id)

    @property
    def for_professionals(self) -> bool:
        return bool(_PROFESSIONAL.search(self.title_nl) or _PROFESSIONAL.search(self.title_fr))

    def title(self, lang: str) -> str:
        """Title in lang; English falls back to the Dutch and French titles together."""
        if lang == "fr":
            return self.title_fr or self.title_nl
        if lang == "nl":
            return self.title_nl or self.title_fr
        if self.title_nl == self.title_fr:
            return self.title_nl
        return f"{self.title_nl} / {self.title_fr}"


def term_uuid(category_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"term:{category_id}"))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


@lru_cache(maxsize=1)
def categories() -> dict[int, Category]:
    with DATA.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    out = {}
    for r in raw:
        out[int(r["id"])] = Category(
            id=int(r["id"]),
            title_nl=_clean(r.get("titleNl")),
            title_fr=_clean(r.get("titleFr")),
            description_nl=_clean(r.get("descriptionNl")),
            description_fr=_clean(r.get("descriptionFr")),
            keywords_nl=tuple(_clean(k) for k in r.get("keywordsNl") or [] if _clean(k)),
            keywords_fr=tuple(_clean(k) for k in r.get("keywordsFr") or [] if _clean(k)),
            organisations_count=int(r.get("organisationsCount") or 0),
        )
    return out


# --- themes: what a need is mostly about, asked when the categories offered first were not it ------------

THEMES_DATA = Path(__file__).parent / "data" / "category_themes.yaml"
# In the order the citizen sees them; "professional" (workers only) is never offered.
CITIZEN_THEMES = ("health", "home_care", "mental", "addiction", "disability", "money", "housing", "family",
                  "violence", "legal", "migration", "work", "social")
PROFESSIONAL_THEME = "professional"


@lru_cache(maxsize=1)
def category_themes() -> dict[int, frozenset[str]]:
    """Every category's theme(s). Raises ValueError when the file misses a category or names an unknown
    theme or category: a category without a theme could never be offered after the theme question."""
    with THEMES_DATA.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    known_themes = {*CITIZEN_THEMES, PROFESSIONAL_THEME}
    if set(raw) - known_themes:
        raise ValueError(f"{THEMES_DATA.name}: unknown themes {sorted(set(raw) - known_themes)}")
    themes: dict[int, set[str]] = {}
    for theme, ids in raw.items():
        for category_id in ids or []:
            themes.setdefault(int(category_id), set()).add(theme)
    known = set(categories())
    if set(themes) != known:
        raise ValueError(f"{THEMES_DATA.name}: categories without a theme {sorted(known - set(themes))[:10]}, "
                         f"unknown categories {sorted(set(themes) - known)[:10]}")
    return {category_id: frozenset(names) for category_id, names in themes.items()}
