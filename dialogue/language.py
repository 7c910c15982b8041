"""Which language a citizen writes in, and which language the conversation keeps.

Short chat messages carry little: one statistical model alone misreads them. A message is judged by
three things, each limited to the supported languages:
- lingua (character n-grams up to five, trained on large corpora; the strongest alone on short text),
- langdetect (another model of character statistics: a second opinion), and
- words that belong to one language only (spaCy's stop-word lists plus common chat words), which carry
  messages too short or too misspelt for character statistics ("mn mama is ziek", "merci").
Weights were chosen on Debian's translations (bench/language_detection.py measures them on packages never
tuned on) and checked on tests/data/language_short_messages.yaml.

lingua's models for the three languages take about 110 MB and 2 s to load: they are loaded once per
process, on the first message (`preload()` does it earlier, e.g. when a process starts). A process that
only estimates now and then (the API, when Rasa cannot say) passes `light=True`: langdetect and marker
words alone, as good as before lingua came (bench/language_detection.py prints both).
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from threading import Lock

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS
from spacy.lang.nl.stop_words import STOP_WORDS as NL_STOP_WORDS

SUPPORTED = ("nl", "fr", "en")

# Chat words that spaCy's stop-word lists lack and that mark one language clearly.
CHAT_WORDS = {
    "nl": {"hallo", "hoi", "dag", "goeiedag", "goedendag", "goeiemorgen", "goedemorgen", "goedemiddag",
           "goeienavond", "goedenavond", "dank", "bedankt", "aub", "alstublieft", "alsjeblieft",
           "hulp", "help", "zoek", "zoeken", "nodig", "mijn", "mn", "mama", "papa", "moeder", "vader",
           "kan", "kunnen", "wil", "ik", "nee", "ja", "wat", "waar", "hoe", "iemand", "nederlands",
           "huisarts", "ziek", "geld", "huur", "wonen", "woon", "kinderen", "zoon", "dochter", "eten"},
    "fr": {"bonjour", "bonsoir", "salut", "coucou", "merci", "svp", "stp", "aide", "aider", "besoin",
           "cherche", "chercher", "mon", "ma", "mes", "maman", "papa", "mère", "mere", "père", "pere",
           "je", "jsuis", "j'ai", "jai", "suis", "oui", "non", "quoi", "où", "ou", "comment", "quelqu'un",
           "français", "francais", "médecin", "medecin", "malade", "argent", "loyer", "logement",
           "enfants", "fils", "fille", "manger"},
    "en": {"hello", "hi", "hey", "thanks", "thank", "please", "help", "need", "looking", "my", "mum",
           "mom", "dad", "mother", "father", "yes", "no", "what", "where", "how", "someone", "english",
           "doctor", "sick", "money", "rent", "housing", "children", "son", "daughter", "food",
           "i'm", "don't", "can't", "i've", "got", "live"},
}
STOP_WORDS = {"nl": NL_STOP_WORDS, "fr": FR_STOP_WORDS, "en": EN_STOP_WORDS}
WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)

LINGUA_LANGUAGES = {Language.DUTCH: "nl", Language.FRENCH: "fr", Language.ENGLISH: "en"}
LANGDETECT_WEIGHT = 0.2  # next to lingua's 1: a second opinion, not an equal vote
MARKER_WEIGHT = 0.4  # share of the score given to marker words, when the message has any
MARKER_WEIGHT_LIGHT = 0.5  # the same without lingua (langdetect alone is weaker on short text)

SWITCH_CONFIDENCE = 0.7  # how sure we must be before leaving the conversation's language (with marker words)
SWITCH_MIN_WORDS = 3


@dataclass(frozen=True)
class Detection:
    lang: str | None  # None: no letters to go on
    confidence: float
    marker_words: int = 0  # words of the detected language that belong to it alone


@lru_cache
def _marker_words() -> dict[str, frozenset[str]]:
    """Words that occur in one supported language's lists only."""
    words = {lang: set(STOP_WORDS[lang]) | CHAT_WORDS[lang] for lang in SUPPORTED}
    return {
        lang: frozenset(w for w in words[lang] if not any(w in words[o] for o in SUPPORTED if o != lang))
        for lang in SUPPORTED
    }


@lru_cache
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    profiles = [Path(PROFILES_DIRECTORY, lang).read_text(encoding="utf-8") for lang in SUPPORTED]
    factory.load_json_profile(profiles)
    factory.set_seed(0)  # deterministic answers for the same text
    return factory


def _langdetect_probabilities(text: str) -> dict[str, float]:
    detector = _factory().create()
    detector.append(text)
    try:
        return {p.lang: p.prob for p in detector.get_probabilities()}
    except LangDetectException:
        return {}


_lingua_lock = Lock()
_lingua_detector: LanguageDetector | None = None


def _lingua() -> LanguageDetector:
    """Built once per process (its models are large); the lock keeps two threads from loading them twice."""
    global _lingua_detector
    with _lingua_lock:
        if _lingua_detector is None:
            _lingua_detector = (
                LanguageDetectorBuilder.from_languages(*LINGUA_LANGUAGES).with_preloaded_language_models().build()
            )
        return _lingua_detector


def preload() -> None:
    """Load the models now rather than on the first message."""
    _lingua()


def _lingua_confidences(text: str) -> dict[str, float]:
    return {LINGUA_LANGUAGES[c.language]: c.value for c in _lingua().compute_language_confidence_values(text)}


def detect_language(text: str, *, light: bool = False) -> Detection:
    """The most likely supported language; `light`: without lingua (see the module's doc)."""
    words = [w.lower() for w in WORD_RE.findall(text or "")]
    if not words:
        return Detection(None, 0.0)
    markers = _marker_words()
    hits = {lang: sum(w in markers[lang] for w in words) for lang in SUPPORTED}
    total_hits = sum(hits.values())
    langdetect = _langdetect_probabilities(" ".join(words))
    if light:
        statistics = langdetect
    else:
        lingua = _lingua_confidences(text)
        statistics = {
            lang: (lingua.get(lang, 0.0) + LANGDETECT_WEIGHT * langdetect.get(lang, 0.0)) / (1 + LANGDETECT_WEIGHT)
            for lang in SUPPORTED
        }
    marker_weight = (MARKER_WEIGHT_LIGHT if light else MARKER_WEIGHT) if total_hits else 0.0
    scores = {
        lang: (1 - marker_weight) * statistics.get(lang, 0.0)
        + (marker_weight * hits[lang] / total_hits if total_hits else 0.0)
        for lang in SUPPORTED
    }
    best = max(scores, key=scores.get)
    return Detection(best, round(scores[best], 3), hits[best]) if scores[best] > 0 else Detection(None, 0.0)


def conversation_language(
    text: str, current: str | None, requested: str | None = None, default: str = "nl", *, light: bool = False
) -> str:
    """The language to answer in: the channel's choice wins; otherwise keep the conversation's
    language unless the citizen clearly writes in another one."""
    if requested in SUPPORTED:
        return requested
    detection = detect_language(text, light=light)
    if current not in SUPPORTED:
        # A first message of code, numbers or gibberish says nothing about the citizen's language.
        plausible_words = {w for w in WORD_RE.findall(text) if 2 <= len(w) <= 30}
        telling = detection.marker_words >= 1 or (
            detection.confidence >= SWITCH_CONFIDENCE and len(plausible_words) >= 2
        )
        return detection.lang if detection.lang and telling else default
    # Clearly another language: confident, long enough, and with words of that language alone
    # (character statistics alone switch on code, names or "<script>alert</script>").
    clearly_other = (
        detection.lang not in (None, current)
        and detection.confidence >= SWITCH_CONFIDENCE
        and len(WORD_RE.findall(text)) >= SWITCH_MIN_WORDS
        and detection.marker_words >= 1
    )
    return detection.lang if clearly_other else current
