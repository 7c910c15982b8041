"""The intake of a citizen's need: what they need (sociale kaart categories), where, for whom, and
whether the case is complex enough to offer a person. Used by the bot's actions; no Rasa here."""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dialogue import i18n
from dialogue.understanding import Understanding, understand
from kb.geo import PlaceMatch, find_place_in_text, resolve_place
from kb.matching import NEED_THRESHOLD, CategoryMatch, is_confident, match_needs, prepare_queries
from kb.taxonomy import CITIZEN_THEMES, category_themes
from kb.taxonomy import categories as taxonomy

# Scores belong to the matcher: this module only uses its contract (match_needs, NEED_THRESHOLD, is_confident),
# so a new matcher with another score scale needs no change here.
MAX_CATEGORIES = 3
MAX_CANDIDATES = 3  # categories offered as buttons when the match is unsure, and again within a theme
PLAUSIBLE_RANKS = 6  # a clause's need is one of several only when the whole message ranks it this high
# When the citizen answers "something else" to them, the assistant asks what the need is mostly about (a
# theme, kb/data/category_themes.yaml) and offers the best three categories of that theme. On outside web
# texts (development part), a right category was among the first three for 66 %, among the first six
# (the next three offered instead, before) for 75 %, and among the first three or the theme's next three
# for 90 %.
# Below this confidence an out_of_scope message is read by the matcher too: the model took "ik heb honger"
# for small talk (0.5), while small talk it was trained on scores above 0.9 ("wat eten we vanavond" 0.96).
OUT_OF_SCOPE_DOUBT = 0.7
# Clause boundaries: several needs in one message are usually separate clauses.
CLAUSE_SPLIT = re.compile(r"[.;!?\n]|,|\s(?:en|et|and|maar|mais|ook|aussi|also)\s", re.IGNORECASE)
SENTENCE_SPLIT = re.compile(r"(?<=[.;!?])\s+|\n")
MIN_CLAUSE_WORDS = 2
MAX_PLACE_CLAUSE_WORDS = 5
# The taxonomy has titles in Dutch and French only; English names of the categories citizens ask for
# most live here. Any other category falls back to its "Dutch / French" title in English.
CATEGORY_NAMES_EN = Path(__file__).resolve().parents[1] / "bot" / "catalog" / "category_names_en.yml"
# A category button's payload: Rasa maps it to intent choose_category and entity category_id, so the
# choice never depends on the NLU model.
CHOOSE_CATEGORY = '/choose_category{{"category_id": {id}}}'
CHOOSE_THEME = '/choose_theme{{"theme": "{theme}"}}'


@dataclass
class NeedAnalysis:
    categories: list[CategoryMatch]
    place: PlaceMatch
    understanding: Understanding
    needs_found: int = 0  # distinct needs, one per clause that names its own
    complex_reasons: list[str] = field(default_factory=list)
    # Unsure (no confident category): what to offer the citizen to choose from, best first.
    candidates: list[CategoryMatch] = field(default_factory=list)


def _need_clauses(text: str) -> list[str]:
    """The clauses long enough to name a need of their own ("ik woon in Laken" says where, not what)."""
    return [clause for clause in CLAUSE_SPLIT.split(text)
            if len(clause.split()) >= MIN_CLAUSE_WORDS and not _is_place_clause(clause)]


def _distinct_needs(text: str, lang: str) -> list[list[CategoryMatch]]:
    """One list of matches per clause that names a need of its own (not one already found)."""
    needs: list[list[CategoryMatch]] = []
    seen: set[int] = set()
    for clause in _need_clauses(text):
        # only a clause whose match is sure names a need of its own: below that, "several needs" was
        # mostly a wrong guess (bench/intake_success.py), and the whole text is asked back instead.
        # Without the second encoder: a story has several clauses, and they are checked against the whole.
        matches = match_needs(clause, lang, limit=3, rerank=False)
        if is_confident(matches) and matches[0].id not in seen:
            needs.append(matches)
            seen.update(m.id for m in matches)
    return needs


def _with_first(first: list[CategoryMatch], matches: list[CategoryMatch]) -> list[CategoryMatch]:
    """`first`, then the matches that are not in it."""
    ids = {m.id for m in first}
    return first + [m for m in matches if m.id not in ids]


def _is_place_clause(clause: str) -> bool:
    words = clause.split()
    return len(words) <= MAX_PLACE_CLAUSE_WORDS and find_place_in_text(clause).status == "found"


def _without_place_sentences(text: str) -> str:
    """"... Ik woon in Schaarbeek." says where, not what: matched as a need it pulls towards housing.
    Whole short sentences only: a clause cut at a comma or "en" ("maison médicale Schaerbeek, how to
    register?") or a "for whom" phrase ("mijn ouders hebben me buitengezet") is part of the need
    (on the development sets, cutting those lost 2-17 points of intake success per language)."""
    sentences = [s for s in SENTENCE_SPLIT.split(text) if s.strip()]
    kept = [s for s in sentences if not _is_place_clause(s)]
    return " ".join(kept) if kept else text


def analyse_need(text: str, lang: str) -> NeedAnalysis:
    understanding = understand(text, lang)
    # A bare place ("Anderlecht", "1030" answering "which help?") names no need; "thuishulp in Jette" does.
    # Nor does a bare "for whom" ("voor mijn moeder" was matched to crèches).
    bare_for_whom = understanding.target_group is not None and not understanding.other_words
    need_text = "" if bare_for_whom or resolve_place(text).status != "unknown" else _without_place_sentences(text)
    if need_text.strip():
        prepare_queries([need_text, *_need_clauses(need_text)])  # one call to the encoder for the turn
    whole = match_needs(need_text, lang, limit=PLAUSIBLE_RANKS) if need_text.strip() else []
    needs = _distinct_needs(need_text, lang)
    # why: in a long story a clause of context is often sure of some category ("my husband and I work" ->
    # partner violence); a need of its own is one the whole message ranks among its candidates too. On
    # needs-dev, 23 of 25 "several needs" were partly wrong; with this, intake success 155 -> 161 of 170.
    plausible = {m.id for m in whole}
    several = [matches for matches in needs if matches[0].id in plausible]
    categories: list[CategoryMatch] = []
    candidates: list[CategoryMatch] = []
    if len(several) >= 2:  # several needs, each clear in its own clause: the best category of each
        categories = [matches[0] for matches in several][:MAX_CATEGORIES]
    elif is_confident(whole):
        categories = whole[:1]
    else:
        # Unsure, two categories close, or only guesses (below NEED_THRESHOLD): nothing is searched on or
        # signalled; the citizen chooses, or says "something else". Offering guesses too: on needs-dev,
        # 26 of the 31 phrasings whose best match stayed below the threshold had a right one in the top 3.
        # A clause that is sure of its need ("... and I need a GP") is offered first, whatever the rest says.
        candidates = _with_first([needs[0][0]] if needs else [], whole)[:MAX_CANDIDATES]
    reasons = []
    if len(several) >= 2:
        reasons.append("several_needs")
    reasons.extend(f"vulnerable:{marker}" for marker in understanding.vulnerability)
    if understanding.crisis_kind:
        reasons.append(f"crisis:{understanding.crisis_kind}")
    return NeedAnalysis(
        categories=categories,
        place=find_place_in_text(text),
        understanding=understanding,
        needs_found=max(len(several), 1 if categories else 0),
        complex_reasons=reasons,
        candidates=candidates,
    )


def theme_candidates(need_text: str, lang: str, theme: str, refused: list[int]) -> list[int]:
    """The best categories of `theme` for the need, less those the citizen already said were not it."""
    if theme not in CITIZEN_THEMES:
        return []
    need_text = _without_place_sentences(need_text)
    if not need_text.strip():
        return []
    themes, refused_ids = category_themes(), set(refused)
    ranked = match_needs(need_text, lang, limit=len(themes))
    return [m.id for m in ranked if theme in themes.get(m.id, ()) and m.id not in refused_ids][:MAX_CANDIDATES]


def theme_buttons(lang: str) -> list[dict[str, str]]:
    """One button per theme a citizen can choose (its payload chooses it, whatever the NLU model thinks),
    then "talk to a person"."""
    buttons = [{"title": i18n.text(f"theme_{theme}", lang), "payload": CHOOSE_THEME.format(theme=theme)}
               for theme in CITIZEN_THEMES]
    buttons.append(person_button(lang))
    return buttons


def may_be_a_need(intent: str | None, confidence: float) -> bool:
    """A message the NLU model did not understand, or only doubtfully took for off-topic, may still
    name a need in words it never saw; the matcher then decides (names_a_need)."""
    return intent == "nlu_fallback" or (intent == "out_of_scope" and confidence < OUT_OF_SCOPE_DOUBT)


def names_a_need(analysis: NeedAnalysis) -> bool:
    """A category sure enough to search on, or one to offer that is more than a guess."""
    return bool(analysis.categories) or any(c.score >= NEED_THRESHOLD for c in analysis.candidates)


def place_answer(text: str) -> PlaceMatch:
    """A citizen's answer to "where do you live": a bare name or postcode, or a sentence."""
    place = resolve_place(text)
    return place if place.status != "unknown" else find_place_in_text(text)


def age_band(age: float | str | None) -> str | None:
    """The signal age band of an age in years (bands of dialogue.signal_models.AGE_BANDS).

    Rasa fills the float `age` slot from the entity's text ("17") without converting it, so text is
    accepted too; anything that is not a plausible age gives no band.
    """
    try:
        age = float(str(age).strip().replace(",", ".")) if age is not None else None
    except ValueError:
        return None
    if age is None or not 0 <= age < 130:
        return None
    for upper, band in ((17, "0-17"), (29, "18-29"), (44, "30-44"), (64, "45-64"), (79, "65-79")):
        if age <= upper:
            return band
    return "80+"


def urgency(crisis_kind: str | None, complex_reasons: list[str]) -> str:
    if crisis_kind:
        return "crisis"
    return "high" if complex_reasons else "normal"


# --- how the conversation names needs --------------------------------------------------------------------


@lru_cache(maxsize=1)
def english_names() -> dict[int, str]:
    with CATEGORY_NAMES_EN.open(encoding="utf-8") as fh:
        names = {int(k): str(v) for k, v in (yaml.safe_load(fh) or {}).items()}
    unknown = set(names) - set(taxonomy())
    if unknown:
        raise ValueError(f"{CATEGORY_NAMES_EN.name}: unknown category ids {sorted(unknown)}")
    return names


def category_name(category_id: int, lang: str) -> str:
    if lang == "en" and category_id in english_names():
        return english_names()[category_id]
    return taxonomy()[category_id].title(lang)


def category_names(category_ids: list[int], lang: str) -> list[dict[str, Any]]:
    known = taxonomy()
    return [{"id": cid, "name": category_name(cid, lang)} for cid in category_ids if cid in known]


def category_id(value: Any) -> int | None:
    """A category id from a button's entity (an int, or its digits as text), if the taxonomy knows it."""
    try:
        cid = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return cid if cid in taxonomy() else None


def choice_buttons(category_ids: list[int], lang: str, person: bool = False) -> list[dict[str, str]]:
    """One button per category (its payload chooses it, whatever the NLU model thinks), then
    "something else", which asks the citizen to say it in other words (and "talk to a person")."""
    buttons = [{"title": c["name"], "payload": CHOOSE_CATEGORY.format(id=c["id"])}
               for c in category_names(category_ids, lang)]
    buttons.append({"title": i18n.text("button_something_else", lang), "payload": "/service_something_else"})
    if person:
        buttons.append(person_button(lang))
    return buttons


def person_button(lang: str) -> dict[str, str]:
    return {"title": i18n.text("button_talk_to_person", lang), "payload": "/request_human"}


def km_text(km: float, lang: str) -> str:
    """1.5 -> "1,5" in Dutch and French, "1.5" in English; whole kilometres without decimals."""
    text = f"{km:.0f}" if km >= 10 or float(km).is_integer() else f"{km:.1f}"
    return text if lang == "en" else text.replace(".", ",")


def need_label(category_ids: list[int], lang: str) -> str:
    names = [c["name"].lower() for c in category_names(category_ids, lang)]
    return ", ".join(names[:2]) if names else "?"


def place_label(postcode_or_commune: str, lang: str) -> str:
    """The citizen's place as the reply names it; English speakers in Brussels mostly know the French
    names (Schaerbeek, Ixelles)."""
    place = place_answer(postcode_or_commune)
    return place.label("nl" if lang == "nl" else "fr") if place.status == "found" else ""
