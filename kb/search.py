"""Service search: which services answer a need, nearest first, in the citizen's language first.

1. The need: explicit category ids, or the categories kb.matching finds in the free text.
2. The place: the postcode given, else a place named in the text ("... in Laken").
3. Candidates: services linked to those categories, plus a full-text match on the services' own
   names and descriptions (SQLite FTS5 / PostgreSQL dutch+french tsvector).
4. Order: in SQL on the denormalised search table (kb.models.ServiceSearch: service x category x
   location with coordinates and language flags, under covering indexes), by a distance key —
   squared km from the citizen's place, multiplied by 2.25 (i.e. distance x1.5) when the service
   does not help in the citizen's language, plus a small penalty for the second-best categories
   and for text-only matches. With a place, boxes around it are tried first (see _ranked).
"""

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Float, Integer, bindparam, case, func, literal, or_, select, text
from sqlalchemy.orm import Session

from common.errors import InvalidInput
from kb import models as m
from kb.geo import PlaceMatch, find_place_in_text, resolve_place
from kb.matching import CategoryMatch, match_needs
from kb.taxonomy import categories, term_uuid
from kb.text import LANGS, is_stop, stem, words

S = m.ServiceSearch  # what the ranking reads (kb.search_index keeps it in step)

MAX_LIMIT = 50
KM_PER_DEG_LAT = 110.57
NO_PLACE_KEY = 1.0e6  # services without coordinates come after all located ones
OTHER_LANGUAGE_FACTOR = 2.25
SECOND_CATEGORY_PENALTY = 1.0  # km²
TEXT_ONLY_PENALTY = 4.0  # km²
BOX_RADII_KM = (2.0, 5.0, 12.0)  # boxes tried around the citizen's place, then the whole table
NEAREST_BOX_RADII_KM = (0.5, *BOX_RADII_KM)  # no need given: every service counts, start smaller
_FTS_WORD = re.compile(r"^[a-z0-9]+$")
REGION_EXTENTS = ("BE-BRU",)  # a service area with this extent serves the whole Brussels-Capital Region


class SearchInputError(InvalidInput):
    """The search request cannot be answered as asked (unknown postcode, unknown category, ...)."""


@dataclass
class Hit:
    service_id: str
    key: float
    category_ids: list[int] = field(default_factory=list)
    text_match: bool = False
    speaks_language: bool = False
    distance_km: float | None = None


@dataclass
class SearchResult:
    hits: list[Hit]
    categories: list[CategoryMatch]
    place: PlaceMatch | None


def _place(postcode: str | None, q: str | None) -> PlaceMatch | None:
    if postcode:
        place = resolve_place(postcode)
        if place.status != "found":
            raise SearchInputError(f"unknown Brussels postcode or place: {postcode!r}")
        return place
    if q:
        place = find_place_in_text(q)
        if place.status == "found":
            return place
    return None


def _distance_key(located: bool):
    """Squared km from the citizen's place (:lat, :lon; :km_per_deg_lon at that latitude), flat-earth."""
    if not located:
        return literal(0.0)
    dy = (S.latitude - bindparam("lat", type_=Float)) * KM_PER_DEG_LAT
    dx = (S.longitude - bindparam("lon", type_=Float)) * bindparam("km_per_deg_lon", type_=Float)
    return func.coalesce(dy * dy + dx * dx, NO_PLACE_KEY)


def _speaks(lang: str):
    if lang == "nl":
        return S.speaks_nl
    if lang == "fr":
        return S.speaks_fr
    return literal(True)


@lru_cache(maxsize=64)
def _ranking_statement(kind: str, located: bool, lang: str, boxed: bool):
    """The ranking query, built once per shape; everything that varies is a bound parameter.

    kind: "terms" (rows of :terms, the first one ranked before the others), "ids" (rows of the services
    :ids, found by their texts) or "all". boxed: only rows within :lat_min..:lat_max, :lon_min..:lon_max.
    """
    dist = _distance_key(located)
    speaks = _speaks(lang)
    base_key = dist * case((speaks, 1.0), else_=OTHER_LANGUAGE_FACTOR) + case((speaks, 0.0), else_=0.5)
    where = []
    if kind == "terms":
        rank = case((S.taxonomy_term_id == bindparam("first_term"), 0.0), else_=SECOND_CATEGORY_PENALTY)
        where.append(S.taxonomy_term_id.in_(bindparam("terms", expanding=True)))
    elif kind == "ids":
        rank = literal(TEXT_ONLY_PENALTY)
        where.append(S.service_id.in_(bindparam("ids", expanding=True)))
    else:
        rank = literal(0.0)
    if boxed:
        where.append(S.latitude.between(bindparam("lat_min", type_=Float), bindparam("lat_max", type_=Float)))
        where.append(S.longitude.between(bindparam("lon_min", type_=Float), bindparam("lon_max", type_=Float)))
    key = func.min(base_key + rank).label("key")
    return (
        select(S.service_id, key, func.min(dist).label("d2"), func.max(case((speaks, 1), else_=0)))
        .where(*where)
        .group_by(S.service_id)
        .order_by(key, S.service_id)
        .limit(bindparam("limit", type_=Integer))
    )


def _ranked(session: Session, place: PlaceMatch | None, lang: str, limit: int, kind: str, params: dict) -> list:
    """(service id, key, squared km, speaks) of the best `limit` services among the rows `kind` selects.

    With a place, first only within growing boxes around it: a service whose key is at most r² has its
    nearest location within r km (the key is never less than the squared distance), so once the
    `limit`-th key found in the box of half-side r is <= r², no service outside can come before it.
    """
    located = place is not None and place.lat is not None
    lang = lang if lang in LANGS else "any"  # every other language ranks alike (one cached statement)
    params = {**params, "limit": limit}
    if located:
        km_per_deg_lon = 111.32 * math.cos(math.radians(place.lat))
        params.update(lat=place.lat, lon=place.lon, km_per_deg_lon=km_per_deg_lon)
        boxed = _ranking_statement(kind, True, lang, True)
        for radius in NEAREST_BOX_RADII_KM if kind == "all" else BOX_RADII_KM:
            half = radius * 1.01  # a hair more than the circle, against rounding
            box = {
                "lat_min": place.lat - half / KM_PER_DEG_LAT,
                "lat_max": place.lat + half / KM_PER_DEG_LAT,
                "lon_min": place.lon - half / km_per_deg_lon,
                "lon_max": place.lon + half / km_per_deg_lon,
            }
            rows = session.execute(boxed, {**params, **box}).all()
            if len(rows) == limit and rows[-1][1] <= radius * radius:
                return rows
    return session.execute(_ranking_statement(kind, located, lang, False), params).all()


def _fts_ids(session: Session, q: str, limit: int) -> list[str]:
    """Service ids whose own texts match the query words (prefix match on stems)."""
    dialect = session.get_bind().dialect.name
    terms = []
    for w in words(q):
        if is_stop(w, "nl") or is_stop(w, "fr") or not _FTS_WORD.match(w):
            continue
        for lang in LANGS:
            s = stem(w, lang)
            if len(s) >= 3:
                terms.append(s)
    terms = list(dict.fromkeys(terms))[:12]
    if not terms:
        return []
    if dialect == "sqlite":
        match = " OR ".join(f'"{t}"*' for t in terms)
        rows = session.execute(
            text("SELECT service_id FROM service_fts WHERE service_fts MATCH :q ORDER BY rank LIMIT :n"),
            {"q": match, "n": limit},
        )
        return [r[0] for r in rows]
    if dialect == "postgresql":
        tsq = " | ".join(f"{t}:*" for t in terms)
        ids: list[str] = []
        for lang, config in (("nl", "dutch"), ("fr", "french")):
            doc = (
                f"to_tsvector('{config}'::regconfig, coalesce(name_{lang}, '') || ' ' || "
                f"coalesce(alternate_name_{lang}, '') || ' ' || coalesce(description_{lang}, ''))"
            )
            rows = session.execute(
                text(f"SELECT id FROM service WHERE {doc} @@ to_tsquery('simple', :q) LIMIT :n"),  # noqa: S608
                {"q": tsq, "n": limit},
            )
            ids.extend(r[0] for r in rows)
        return list(dict.fromkeys(ids))[:limit]
    return []


def search(
    session: Session,
    q: str | None = None,
    category_ids: list[int] | None = None,
    postcode: str | None = None,
    lang: str = "nl",
    limit: int = 10,
) -> SearchResult:
    limit = max(1, min(limit, MAX_LIMIT))
    place = _place(postcode, q)
    matched: list[CategoryMatch] = []
    if category_ids:
        known = categories()
        unknown = [c for c in category_ids if c not in known]
        if unknown:
            raise SearchInputError(f"unknown category id(s): {', '.join(map(str, unknown))}")
        cat_ids = list(dict.fromkeys(category_ids))
        matched = [CategoryMatch(c, known[c].title(lang), 1.0) for c in cat_ids]
    elif q:
        need_text = q
        if place is not None and not postcode and place.matched_text:
            # "thuisverpleging in Laken": the place is not part of the need
            place_words = set(place.matched_text.split())
            need_text = " ".join(w for w in words(q) if w not in place_words)
        found = match_needs(need_text, lang, limit=5)
        if found:
            best = found[0].score
            matched = [c for c in found if c.score >= 0.7 * best][:3]
        cat_ids = [c.id for c in matched]
    else:
        cat_ids = []

    hits: dict[str, Hit] = {}
    if cat_ids:
        terms = [term_uuid(c) for c in cat_ids]
        params = {"terms": terms, "first_term": terms[0]}
        for sid, k, d2, sp in _ranked(session, place, lang, limit, "terms", params):
            hits[sid] = Hit(sid, float(k), speaks_language=bool(sp), distance_km=_km(d2, place))

    if q and len(hits) < limit:
        text_ids = [i for i in _fts_ids(session, q, 100) if i not in hits]
        if text_ids:
            for sid, k, d2, sp in _ranked(session, place, lang, limit - len(hits), "ids", {"ids": text_ids}):
                hits[sid] = Hit(sid, float(k), text_match=True, speaks_language=bool(sp), distance_km=_km(d2, place))

    if not cat_ids and not q:
        # no need given: the nearest services in the citizen's language (e.g. "what is near 1020?")
        for sid, k, d2, sp in _ranked(session, place, lang, limit, "all", {}):
            hits[sid] = Hit(sid, float(k), speaks_language=bool(sp), distance_km=_km(d2, place))

    ordered = sorted(hits.values(), key=lambda h: (h.key, h.service_id))[:limit]
    return SearchResult(ordered, matched, place)


def region_wide(session: Session, category_ids: list[int], lang: str, limit: int) -> list[Hit]:
    """Services of these categories that serve the whole region: a service area that is the region
    (HSDS service_area.extent, ISO 3166-2 code), or no place of their own (a helpline, a website, a team
    that comes to the citizen), so distance says nothing about them."""
    known = categories()
    terms = [term_uuid(c) for c in dict.fromkeys(category_ids) if c in known]
    if not terms:
        return []
    speaks = _speaks(lang if lang in LANGS else "any")
    whole_region = select(m.ServiceArea.service_id).where(m.ServiceArea.extent.in_(REGION_EXTENTS))
    statement = (
        select(S.service_id, func.max(case((speaks, 1), else_=0)).label("sp"))
        .where(S.taxonomy_term_id.in_(terms), or_(S.latitude.is_(None), S.service_id.in_(whole_region)))
        .group_by(S.service_id)
        .order_by(func.max(case((speaks, 1), else_=0)).desc(), S.service_id)
        .limit(max(1, min(limit, MAX_LIMIT)))
    )
    return [Hit(sid, NO_PLACE_KEY, speaks_language=bool(sp)) for sid, sp in session.execute(statement)]


def _km(d2: float | None, place: PlaceMatch | None) -> float | None:
    if place is None or d2 is None or d2 >= NO_PLACE_KEY:
        return None
    return round(math.sqrt(max(0.0, float(d2))), 1)
