"""Rule-based understanding of a citizen's message, where rules beat the statistical model:
crisis words, vulnerability markers, for whom the citizen asks, and an age.

A blank spaCy pipeline per language (no trained model exists for Dutch here) with an EntityRuler
built from dialogue/data/understanding_patterns.yaml.
"""

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import spacy
import yaml
from spacy.language import Language

PATTERNS_FILE = Path(__file__).parent / "data" / "understanding_patterns.yaml"
LANGUAGES = ("nl", "fr", "en")
# Most urgent first: when a message holds several, the first decides which numbers come first.
CRISIS_ORDER = ("suicide", "medical", "violence", "danger")
ELDERLY_AGE = 65


@dataclass
class Understanding:
    crisis_kinds: list[str] = field(default_factory=list)
    vulnerability: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    target_group: str | None = None
    age: int | None = None
    # The words besides "for whom" (numbers aside): none in "voor mijn moeder van 84", "alleen" in "mijn moeder
    # is alleen".
    other_words: list[str] = field(default_factory=list)

    @property
    def crisis_kind(self) -> str | None:
        return next((k for k in CRISIS_ORDER if k in self.crisis_kinds), None)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache
def _patterns() -> dict:
    return yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))


@lru_cache
def pipeline(lang: str) -> Language:
    """spaCy blank pipeline with the rules of one language (built once per process)."""
    nlp = spacy.blank(lang)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    data = _patterns()
    rules = []
    for label in ("crisis", "vulnerability", "barrier", "target_group"):
        for kind, phrases in data[label].items():
            for phrase in phrases.get(lang, []):
                for variant in {phrase.lower(), _fold(phrase.lower())}:
                    rules.append({"label": label.upper(), "pattern": variant, "id": kind})
    units = data["age_units"][lang]
    rules.append({"label": "AGE", "pattern": [{"LIKE_NUM": True}, {"LOWER": {"IN": units}}]})
    ruler.add_patterns(rules)
    return nlp


def understand(text: str, lang: str) -> Understanding:
    """What rules recognise in one message. Unknown languages are read with the Dutch rules."""
    result = Understanding()
    if not text or not text.strip():
        return result
    doc = pipeline(lang if lang in LANGUAGES else "nl")(text)
    for ent in doc.ents:
        kind = ent.ent_id_
        if ent.label_ == "CRISIS" and kind not in result.crisis_kinds:
            result.crisis_kinds.append(kind)
        elif ent.label_ == "VULNERABILITY" and kind not in result.vulnerability:
            result.vulnerability.append(kind)
        elif ent.label_ == "BARRIER" and kind not in result.barriers:
            result.barriers.append(kind)
        elif ent.label_ == "TARGET_GROUP":
            result.target_group = result.target_group or kind
        elif ent.label_ == "AGE":
            if result.age is None and ent[0].text.isdigit() and 0 <= int(ent[0].text) <= 120:
                result.age = int(ent[0].text)
    around_whom = set(_patterns()["for_whom_words"][lang if lang in LANGUAGES else "nl"])
    result.other_words = [token.lower_ for token in doc if token.ent_type_ not in ("TARGET_GROUP", "AGE") and not (
        token.lower_ in around_whom or token.is_punct or token.is_space or token.like_num)]
    if result.target_group is None:
        self_words = set(_patterns()["self_words"][lang if lang in LANGUAGES else "nl"])
        if any(token.lower_ in self_words for token in doc):
            result.target_group = "self"
    if result.age is not None and result.age >= ELDERLY_AGE and "elderly" not in result.vulnerability:
        result.vulnerability.append("elderly")
    return result
