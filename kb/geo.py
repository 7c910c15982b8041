"""Brussels geography: resolve what a citizen calls their place to a commune (and part, postcode).

"Laken", "Laeken" and "1020" are the same place (a part of the City of Brussels); "Schaarbeek" and
"Schaerbeek" too; "Woluwe" alone is ambiguous (Sint-Lambrechts- or Sint-Pieters-Woluwe). The data
lives in kb/data/geography.yaml.
"""

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

from kb.text import edit_distance, fold

DATA = Path(__file__).parent / "data" / "geography.yaml"
_POSTCODE = re.compile(r"^\d{4}$")
# Saint/Sint/St/Ste/Sainte/Sinte are written every which way; compare them as one token.
_SAINT = {"st", "ste", "sint", "sinte", "saint", "sainte", "sts"}
# Words after which a single-word neighbourhood name in a sentence is taken as a place.
_PLACE_CUES = {
    "in",
    "te",
    "a",
    "au",
    "aux",
    "bij",
    "wijk",
    "quartier",
    "naar",
    "vers",
    "near",
    "uit",
    "de",
    "van",
}


@dataclass(frozen=True)
class Commune:
    code: str  # NIS code, e.g. "21015" for Schaarbeek/Schaerbeek
    slug: str
    name_nl: str
    name_fr: str
    postcodes: tuple[str, ...]
    lat: float
    lon: float

    def name(self, lang: str) -> str:
        return self.name_fr if lang == "fr" else self.name_nl

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name_nl": self.name_nl,
            "name_fr": self.name_fr,
            "postcodes": list(self.postcodes),
        }


@dataclass(frozen=True)
class CityPart:
    """A part of the City of Brussels with its own postcode (Laken 1020, Neder-Over-Heembeek 1120, ...)."""

    name_nl: str
    name_fr: str
    postcode: str
    lat: float
    lon: float


@dataclass(frozen=True)
class _Target:
    commune: Commune
    part: CityPart | None = None
    neighbourhood: tuple[str, str] | None = None  # (nl, fr)
    postcode: str | None = None


@dataclass
class PlaceMatch:
    status: Literal["found", "ambiguous", "unknown"]
    commune: Commune | None = None
    part: CityPart | None = None
    neighbourhood: str | None = None
    postcode: str | None = None
    candidates: list[Commune] = field(default_factory=list)
    matched_text: str | None = None

    @property
    def lat(self) -> float | None:
        if self.part:
            return self.part.lat
        return self.commune.lat if self.commune else None

    @property
    def lon(self) -> float | None:
        if self.part:
            return self.part.lon
        return self.commune.lon if self.commune else None

    def label(self, lang: str) -> str:
        """Human name of the place in lang, e.g. 'Laken (Brussel)'."""
        if not self.commune:
            return ""
        if self.part and self.part.postcode != "1000":
            part_name = self.part.name_fr if lang == "fr" else self.part.name_nl
            return f"{part_name} ({self.commune.name(lang)})"
        return self.commune.name(lang)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "commune": self.commune.as_dict() if self.commune else None,
            "part": {
                "name_nl": self.part.name_nl,
                "name_fr": self.part.name_fr,
                "postcode": self.part.postcode,
            }
            if self.part
            else None,
            "neighbourhood": self.neighbourhood,
            "postcode": self.postcode,
            "candidates": [c.as_dict() for c in self.candidates],
        }


def _key(text: str) -> str:
    tokens = re.findall(r"[a-z0-9]+", fold(text))
    return " ".join("st" if t in _SAINT else t for t in tokens)


class Geography:
    def __init__(self, data: dict) -> None:
        self.communes: list[Commune] = []
        self.by_slug: dict[str, Commune] = {}
        self.by_postcode: dict[str, _Target] = {}
        self.names: dict[str, list[_Target]] = {}
        self.hood_keys: set[str] = set()
        for c in data["communes"]:
            commune = Commune(
                c["code"], c["slug"], c["name_nl"], c["name_fr"], tuple(c["postcodes"]), c["lat"], c["lon"]
            )
            self.communes.append(commune)
            self.by_slug[commune.slug] = commune
            for name in (c["name_nl"], c["name_fr"], *c.get("aliases", [])):
                self._add(name, _Target(commune, postcode=commune.postcodes[0]))
            for pc in commune.postcodes:
                self.by_postcode[pc] = _Target(commune, postcode=pc)
        brussels = self.by_slug["bruxelles"]
        for p in data["city_parts"]:
            part = CityPart(p["name_nl"], p["name_fr"], p["postcode"], p["lat"], p["lon"])
            target = _Target(brussels, part=part, postcode=part.postcode)
            for name in (p["name_nl"], p["name_fr"], *p.get("aliases", [])):
                self._add(name, target)
            self.by_postcode[part.postcode] = target
        self.ambiguous = {
            _key(k): [self.by_slug[s] for s in slugs] for k, slugs in (data.get("ambiguous") or {}).items()
        }
        for h in data["neighbourhoods"]:
            commune = self.by_slug[h["commune"]]
            part = None
            if h.get("postcode"):
                part = self.by_postcode[h["postcode"]].part
            target = _Target(
                commune, part=part, neighbourhood=(h["name_nl"], h["name_fr"]), postcode=h.get("postcode")
            )
            for name in {h["name_nl"], h["name_fr"]}:
                key = _key(name)
                if key not in self.names:  # a commune's own name wins over a namesake neighbourhood
                    self._add(name, target)
                    self.hood_keys.add(key)
        self.max_words = max(len(k.split()) for k in self.names)

    def _add(self, name: str, target: _Target) -> None:
        key = _key(name)
        if key and target not in self.names.setdefault(key, []):
            self.names[key].append(target)

    # ------------------------------------------------------------------ resolution
    def _from_targets(self, targets: list[_Target], text: str) -> PlaceMatch:
        communes = list(dict.fromkeys(t.commune for t in targets))
        if len(communes) > 1:
            return PlaceMatch("ambiguous", candidates=communes, matched_text=text)
        t = targets[0]
        hood = t.neighbourhood[0] if t.neighbourhood else None
        return PlaceMatch("found", t.commune, t.part, hood, t.postcode, matched_text=text)

    def resolve(self, text: str) -> PlaceMatch:
        raw = (text or "").strip()
        key = _key(raw)
        if not key:
            return PlaceMatch("unknown")
        if _POSTCODE.match(key):
            target = self.by_postcode.get(key)
            if not target:
                return PlaceMatch("unknown", matched_text=raw)
            return PlaceMatch("found", target.commune, target.part, None, key, matched_text=raw)
        if key in self.ambiguous:
            return PlaceMatch("ambiguous", candidates=self.ambiguous[key], matched_text=raw)
        if key in self.names:
            return self._from_targets(self.names[key], raw)
        # A typo ("Schaarbeeck", "Anderleht"): the single closest known name, if it is close enough.
        limit = 1 if len(key) < 8 else 2
        close = [(edit_distance(key, k, limit), k) for k in self.names if abs(len(k) - len(key)) <= limit]
        close = [c for c in close if c[0] <= limit]
        if close:
            best = min(d for d, _ in close)
            keys = [k for d, k in close if d == best]
            targets = [t for k in keys for t in self.names[k]]
            return self._from_targets(targets, raw)
        return PlaceMatch("unknown", matched_text=raw)

    def find_in_text(self, text: str) -> PlaceMatch:
        """The first place named in a sentence: 'ik woon in Laken', "j'habite à 1030"."""
        tokens = _key(text).split()
        for i, tok in enumerate(tokens):
            if _POSTCODE.match(tok) and tok.startswith("1"):
                target = self.by_postcode.get(tok)
                if target:
                    return PlaceMatch("found", target.commune, target.part, None, tok, matched_text=tok)
            for n in range(min(self.max_words, len(tokens) - i), 0, -1):
                key = " ".join(tokens[i : i + n])
                if key in self.ambiguous and (
                    i + n == len(tokens) or " ".join(tokens[i : i + n + 1]) not in self.names
                ):
                    # "Woluwe" alone, not the start of "Woluwe Saint-Lambert"
                    longer = [
                        k
                        for k in self.names
                        if k.startswith(key + " ") and " ".join(tokens[i:]).startswith(k)
                    ]
                    if not longer:
                        return PlaceMatch("ambiguous", candidates=self.ambiguous[key], matched_text=key)
                if key not in self.names:
                    continue
                # why: one-word neighbourhood names are often ordinary words ("Paix", "Globe", "Delta");
                # take them only after a place cue ("in", "à", "quartier").
                if key in self.hood_keys and n == 1 and (i == 0 or tokens[i - 1] not in _PLACE_CUES):
                    continue
                return self._from_targets(self.names[key], key)
        return PlaceMatch("unknown")


@lru_cache(maxsize=1)
def geography() -> Geography:
    with DATA.open(encoding="utf-8") as fh:
        return Geography(yaml.safe_load(fh))


def resolve_place(text: str) -> PlaceMatch:
    """Resolve a place name or postcode ('Laeken', '1030', 'St-Gilles', 'Woluwe') to a commune."""
    return geography().resolve(text)


def find_place_in_text(text: str) -> PlaceMatch:
    """Find the first Brussels place mentioned in a longer sentence."""
    return geography().find_in_text(text)


def communes() -> list[Commune]:
    return list(geography().communes)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; plenty precise within one city."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
