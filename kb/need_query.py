"""What of a citizen's message is matched as the need (kb/matching.py): not what the citizen wraps around it.

Left out, each measured on the needs sets (bench/needs_eval.py):
- the language to be helped in ("... in het Nederlands?", "en français svp"), and the language a service
  should speak ("een huisarts die Spaans spreekt", "un médecin qui parle arabe", "a GP who speaks Spanish"):
  both pulled needs towards language courses. A text about learning a language keeps them;
- sentences that only frame the need (a greeting, one's age, how long one has lived here, thanks:
  kb/data/framing_words.yaml), in a message of several sentences.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from spacy.lang.en.lex_attrs import like_num as en_like_number
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fr.lex_attrs import like_num as fr_like_number
from spacy.lang.nl.lex_attrs import like_num as nl_like_number

from kb.geo import communes
from kb.text import fold, is_stop, words

FRAMING_WORDS = Path(__file__).parent / "data" / "framing_words.yaml"
SPOKEN_LANGUAGES = Path(__file__).parent / "data" / "social_brussels_languages.json"
MAX_QUERY_CHARS = 500
LANGS = ("nl", "fr", "en")

_LIKE_NUMBER = (nl_like_number, fr_like_number, en_like_number)  # "52", "tien", "vingt", "ten"
_TIME_UNITS = {"jaar", "jarige", "maand", "maanden", "weken", "ans", "an", "mois", "semaines", "years", "year",
               "months", "weeks"}
_QUALIFIER = re.compile(r"\s*\(.*?\)")
_MESSAGE_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*")
_SERVICE_LANGUAGE = re.compile(
    r"\b(in het|en|in) (nederlands|frans|engels|fran[cç]ais|n[eé]erlandais|anglais|dutch|french|english)\b",
    re.IGNORECASE,
)
_LEARNING = re.compile(
    r"\b(leren|les|lessen|cursus|taalles|cours|apprendre|learn|learning|lessons?|class(es)?|courses?|"
    r"alfabetisering|alphab[eé]tisation|alpha|literacy|lezen|lire|read)\b",
    re.IGNORECASE,
)


def need_text(text: str) -> str:
    """The part of a citizen's message that says the need (at most MAX_QUERY_CHARS of it)."""
    return without_framing(without_service_language((text or "")[:MAX_QUERY_CHARS]))


def without_service_language(text: str) -> str:
    """The text without the language to be helped in or spoken by the service, unless it is about learning one."""
    if _LEARNING.search(text):
        return text
    stripped = _SERVICE_LANGUAGE.sub(" ", text)
    stripped = _spoken_language_clause().sub(" ", stripped)
    return text if stripped == text else " ".join(stripped.split())


@lru_cache(maxsize=1)
def _spoken_language_clause() -> re.Pattern[str]:
    """"die Spaans spreekt", "qui parle (l')arabe", "who speaks Turkish", "speaking Polish": the social map's
    112 languages (Dutch and French names) plus the English names of kb/data/framing_words.yaml."""
    with SPOKEN_LANGUAGES.open(encoding="utf-8") as fh:
        rows = json.load(fh)
    # "arabe (maghrébin)" is asked for as "arabe"
    names = {_QUALIFIER.sub("", name).strip().lower() for row in rows for name in (row["nameNl"], row["nameFr"])}
    names.discard("")
    names |= {fold(name) for name in names}
    # a name that is also a common word ("more", folded from Mooré) would cut "someone who understands more"
    names = {name for name in names
             if name not in EN_STOP_WORDS and not is_stop(name, "nl") and not is_stop(name, "fr")}
    names |= {str(name).lower() for name in _framing_data()["spoken_language_names_en"]}
    language = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(
        rf"\b(?:die|dat) (?:\w+ ){{0,2}}?(?:{language}) (?:\w+ )?(?:spreekt|spreken|praat|praten|verstaat)\b"
        rf"|\b(?:qui|que) (?:\w+ ){{0,2}}?(?:parle|parlent|comprend|comprennent) (?:le |la |l'|bien |aussi )?"
        rf"(?:{language})\b"
        rf"|\b(?:who|that) (?:\w+ ){{0,2}}?(?:speaks?|understands?) (?:{language})\b"
        rf"|\b(?:speaking|sprekend|sprekende|parlant) (?:{language})\b",
        re.IGNORECASE,
    )


def without_framing(text: str) -> str:
    """The need's sentences of a message: "Goeiedag, ik ben 52 jaar. Ik kan mijn huur niet betalen."
    without its first sentence, which pulled the whole text towards job seekers over 45 (FRAMING_WORDS).
    A message of one sentence, or of framing sentences only, stays whole."""
    sentences = [s for s in _MESSAGE_SENTENCE.split(text) if s.strip()]
    kept = [s for s in sentences if not is_framing(s)]
    return " ".join(kept) if kept and len(kept) < len(sentences) else text


def is_framing(sentence: str) -> bool:
    tokens = words(sentence)
    numbers = [any(like(w) for like in _LIKE_NUMBER) for w in tokens]
    framing = _framing()
    # a marker: a greeting, thanks, an apology, "since", or an age or a duration ("52 jaar", "dix ans")
    marked = any(w in framing.markers for w in tokens) or any(
        numbers[i] and tokens[i + 1] in _TIME_UNITS for i in range(len(tokens) - 1))
    allowed = framing.allowed
    if marked and framing.language_names & set(tokens) and not _LEARNING.search(sentence):
        allowed |= framing.language_apology  # "Excuseer voor mijn Nederlands, het is niet zo goed."
    return marked and all(
        number or w in allowed or is_stop(w, "nl") or is_stop(w, "fr") or w in EN_STOP_WORDS
        for w, number in zip(tokens, numbers, strict=True))


@dataclass(frozen=True)
class _Framing:
    """The words of FRAMING_WORDS, folded; the names of Brussels, Belgium and the communes are framing."""

    markers: frozenset[str]
    allowed: frozenset[str]  # the markers, the other framing words and the place names
    language_names: frozenset[str]
    language_apology: frozenset[str]


@lru_cache(maxsize=1)
def _framing_data() -> dict:
    with FRAMING_WORDS.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def _framing() -> _Framing:
    data = _framing_data()
    markers, framing = ({fold(str(w)) for lang in LANGS for w in data[key].get(lang) or []}
                        for key in ("markers", "words"))
    framing |= {"brussel", "bruxelles", "brussels", "belgie", "belgique", "belgium"}
    framing |= {part for c in communes() for name in (c.name_nl, c.name_fr) for part in words(name)}
    apology = data["language_apology"]
    names, apology_words = ({fold(str(w)) for w in apology[key]} for key in ("names", "words"))
    return _Framing(frozenset(markers), frozenset(markers | framing), frozenset(names), frozenset(apology_words))
