"""Service search: which services answer a need, nearest first, in the citizen's language first.

1. The need: explicit category ids, or the categories kb.matching finds in the free text.
2. The place: the postcode given, else a place named in the text ("... in Laken").
3. Candidates: services linked to those categories (attribute index), plus a full-text match on
   the services' own names and descriptions (SQLite FTS5 / PostgreSQL dutch+french tsvector).
4. Order: in SQL, by a distance key — squared km from the citizen's place, multiplied by 2.25
   (i.e. distance x1.5) when the service does not help in the citizen's language, plus a small
   penalty for the second-best categories and for text-only matches.
"""

import math
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, case, exists, func, literal, select, text
from sqlalchemy.orm import Session

from kb import models as m
from kb.geo import PlaceMatch, find_place_in_text, resolve_place
from kb.matching import CategoryMatch, match_needs
from kb.taxonomy import categories, term_uuid
from kb.text import LANGS, is_stop, stem, words

MAX_LIMIT = 50
KM_PER_DEG_LAT = 110.57
NO_PLACE_KEY = 1.0e6  # services without coordinates come after all located ones
OTHER_LANGUAGE_FACTOR = 2.25
SECOND_CATEGORY_PENALTY = 1.0  # km²
TEXT_ONLY_PENALTY = 4.0  # km²
_FTS_WORD = re.compile(r"^[a-z0-9]+$")


class SearchInputError(ValueError):
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


def _distance_key(place: PlaceMatch | None):
    if place is None or place.lat is None:
        return literal(0.0)
    cos = math.cos(math.radians(place.lat))
    dy = (m.Location.latitude - place.lat) * KM_PER_DEG_LAT
    dx = (m.Location.longitude - place.lon) * (111.32 * cos)
    return func.coalesce(dy * dy + dx * dx, NO_PLACE_KEY)


def _speaks(lang: str):
    if lang not in LANGS:
        return literal(True)
    return exists().where(and_(m.Language.service_id == m.Service.id, m.Language.code == lang))


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

    dist = _distance_key(place)
    speaks = _speaks(lang)
    lang_factor = case((speaks, 1.0), else_=OTHER_LANGUAGE_FACTOR)
    base_key = dist * lang_factor + case((speaks, 0.0), else_=0.5)
    hits: dict[str, Hit] = {}

    if cat_ids:
        terms = [term_uuid(c) for c in cat_ids]
        rank = case((m.Attribute.taxonomy_term_id == terms[0], 0.0), else_=SECOND_CATEGORY_PENALTY)
        key = func.min(base_key + rank).label("key")
        stmt = (
            select(m.Service.id, key, func.min(dist).label("d2"), func.max(case((speaks, 1), else_=0)))
            .select_from(m.Attribute)
            .join(m.Service, m.Service.id == m.Attribute.link_id)
            .outerjoin(m.ServiceAtLocation, m.ServiceAtLocation.service_id == m.Service.id)
            .outerjoin(m.Location, m.Location.id == m.ServiceAtLocation.location_id)
            .where(m.Attribute.taxonomy_term_id.in_(bindparam("terms", expanding=True)))
            .where(m.Attribute.link_entity == "service", m.Service.status == "active")
            .group_by(m.Service.id)
            .order_by(key, m.Service.id)
            .limit(limit)
        )
        rows = session.execute(stmt, {"terms": terms}).all()
        for sid, k, d2, sp in rows:
            hits[sid] = Hit(sid, float(k), speaks_language=bool(sp), distance_km=_km(d2, place))

    if q and len(hits) < limit:
        text_ids = [i for i in _fts_ids(session, q, 100) if i not in hits]
        if text_ids:
            key = func.min(base_key + TEXT_ONLY_PENALTY).label("key")
            stmt = (
                select(m.Service.id, key, func.min(dist), func.max(case((speaks, 1), else_=0)))
                .select_from(m.Service)
                .outerjoin(m.ServiceAtLocation, m.ServiceAtLocation.service_id == m.Service.id)
                .outerjoin(m.Location, m.Location.id == m.ServiceAtLocation.location_id)
                .where(m.Service.id.in_(text_ids), m.Service.status == "active")
                .group_by(m.Service.id)
                .order_by(key, m.Service.id)
                .limit(limit - len(hits))
            )
            for sid, k, d2, sp in session.execute(stmt):
                hits[sid] = Hit(
                    sid, float(k), text_match=True, speaks_language=bool(sp), distance_km=_km(d2, place)
                )

    if not cat_ids and not q:
        # no need given: the nearest services in the citizen's language (e.g. "what is near 1020?")
        key = func.min(base_key).label("key")
        stmt = (
            select(m.Service.id, key, func.min(dist), func.max(case((speaks, 1), else_=0)))
            .select_from(m.Service)
            .outerjoin(m.ServiceAtLocation, m.ServiceAtLocation.service_id == m.Service.id)
            .outerjoin(m.Location, m.Location.id == m.ServiceAtLocation.location_id)
            .where(m.Service.status == "active")
            .group_by(m.Service.id)
            .order_by(key, m.Service.id)
            .limit(limit)
        )
        for sid, k, d2, sp in session.execute(stmt):
            hits[sid] = Hit(sid, float(k), speaks_language=bool(sp), distance_km=_km(d2, place))

    ordered = sorted(hits.values(), key=lambda h: (h.key, h.service_id))[:limit]
    return SearchResult(ordered, matched, place)


def _km(d2: float | None, place: PlaceMatch | None) -> float | None:
    if place is None or d2 is None or d2 >= NO_PLACE_KEY:
        return None
    return round(math.sqrt(max(0.0, float(d2))), 1)
