"""The intake of a citizen's need: what they need (sociale kaart categories), where, for whom, and
whether the case is complex enough to offer a person. Used by the bot's actions; no Rasa here."""

import re
from dataclasses import dataclass, field

from api.services.understanding import Understanding, understand
from kb.geo import PlaceMatch, find_place_in_text, resolve_place
from kb.matching import CategoryMatch, match_needs

MAX_CATEGORIES = 3
RELATIVE_SCORE = 0.7  # for one need, a further category must score close to the best one
MIN_NEED_SCORE = 3.0  # below this, a match is a guess: ask the citizen to say more
# Clause boundaries: several needs in one message are usually separate clauses.
CLAUSE_SPLIT = re.compile(r"[.;!?\n]|,|\s(?:en|et|and|maar|mais|ook|aussi|also)\s", re.IGNORECASE)
MIN_CLAUSE_WORDS = 2
MAX_PLACE_CLAUSE_WORDS = 5


@dataclass
class NeedAnalysis:
    categories: list[CategoryMatch]
    place: PlaceMatch
    understanding: Understanding
    needs_found: int = 0  # distinct needs, one per clause that names its own
    complex_reasons: list[str] = field(default_factory=list)


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def _distinct_needs(text: str, lang: str) -> list[list[CategoryMatch]]:
    """One list of matches per clause that names a need of its own (not one already found)."""
    needs: list[list[CategoryMatch]] = []
    seen: set[int] = set()
    for clause in CLAUSE_SPLIT.split(text):
        words = clause.split()
        if len(words) < MIN_CLAUSE_WORDS:
            continue
        if len(words) <= MAX_PLACE_CLAUSE_WORDS and find_place_in_text(clause).status == "found":
            continue  # "ik woon in Laken" says where, not what
        matches = [m for m in match_needs(clause, lang, limit=3) if m.score >= MIN_NEED_SCORE]
        if matches and matches[0].id not in seen:
            needs.append(matches)
            seen.update(m.id for m in matches)
    return needs


def analyse_need(text: str, lang: str) -> NeedAnalysis:
    understanding = understand(text, lang)
    need_text = _without_spans(text, understanding.context_spans)
    whole = [m for m in match_needs(need_text, lang, limit=5) if m.score >= MIN_NEED_SCORE]
    needs = _distinct_needs(need_text, lang)
    categories: list[CategoryMatch] = []
    if len(needs) >= 2:  # several needs: the best category of each
        categories = [matches[0] for matches in needs][:MAX_CATEGORIES]
    elif whole:
        categories = [m for m in whole if m.score >= RELATIVE_SCORE * whole[0].score][:MAX_CATEGORIES]
    reasons = []
    if len(needs) >= 2:
        reasons.append("several_needs")
    reasons.extend(f"vulnerable:{marker}" for marker in understanding.vulnerability)
    if understanding.crisis_kind:
        reasons.append(f"crisis:{understanding.crisis_kind}")
    return NeedAnalysis(
        categories=categories,
        place=find_place_in_text(text),
        understanding=understanding,
        needs_found=max(len(needs), 1 if categories else 0),
        complex_reasons=reasons,
    )


def place_answer(text: str) -> PlaceMatch:
    """A citizen's answer to "where do you live": a bare name or postcode, or a sentence."""
    place = resolve_place(text)
    return place if place.status != "unknown" else find_place_in_text(text)


def age_band(age: float | None) -> str | None:
    """The signal age band of an age in years (bands of api.models_signals.AGE_BANDS)."""
    if age is None:
        return None
    for upper, band in ((17, "0-17"), (29, "18-29"), (44, "30-44"), (64, "45-64"), (79, "65-79")):
        if age <= upper:
            return band
    return "80+"


def urgency(crisis_kind: str | None, complex_reasons: list[str]) -> str:
    if crisis_kind:
        return "crisis"
    return "high" if complex_reasons else "normal"
