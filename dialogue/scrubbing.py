"""Remove Belgian personal data from a short free text before it is stored (signals, triage notes).

Built on Presidio's analyzer with our own recognizers (dialogue/scrubbing_recognizers.py and
scrubbing_names.py), each replaced by a marker staff can read in Dutch and French:
- e-mail addresses, also "jan (at) x.be", "jan @ x.be", "peeters punt an at gmail punt com" -> [email]
- IBANs with spaces, dashes or dots, any case (check digits via python-stdnum)            -> [iban]
- national register and BIS numbers, any separators, both check variants (2000+)          -> [rrn]
- phone numbers: 0470/12.34.56, 02  512 34 56, +32(0)2 ..., 0032 ... (phonenumbers)      -> [phone]
- every other run of six or more digits (mutualiteit, enterprise, card, file numbers)     -> [number]
- dates of birth (after geboren/née/°/date de naissance, or any date before 2011)          -> [date]
- Belgian number plates (1-ABC-123, ABC-123)                                              -> [plate]
- street addresses with a house number, Dutch and French word orders                      -> [address]
- names after cues (heet, s'appelle, Mme, M., dokter, docteur, Dr, meneer, mevrouw, a relative,
  a closing greeting), common first names, and in French texts fr_core_news_md's PERSON  -> [name]

Linear time: every pattern runs on RE2 with bounded repetitions; the French NER is linear in the text.
A time budget per text (SCRUB_BUDGET_MS, default 250) fails closed: past it `scrub` returns None and the
caller stores no text at all. The analyzer (with fr_core_news_md, ~10 s and ~200 MB to load) is built once
per process, on first use or by `warm_up()` / `warm_up_in_background()` at start-up; the budget counts only
the scrubbing itself. Callers that keep only the beginning of the result pass `max_chars` (record_signal
keeps 500 characters and scrubs the first 1 000), which bounds the French NER's share of the budget.
"""

import logging
import os
import re
import threading
import time

from dialogue.scrubbing_names import plausible_person, text_recognizers
from dialogue.scrubbing_recognizers import (
    MARKERS,
    ScrubTimeout,
    check_deadline,
    number_recognizers,
    set_deadline,
)

logger = logging.getLogger(__name__)

EMAIL, IBAN, RRN, PHONE, ADDRESS, NAME = "[email]", "[iban]", "[rrn]", "[phone]", "[address]", "[name]"
DEFAULT_BUDGET_MS = 250
LANGUAGES = ("nl", "fr")
_FR_MODEL = "fr_core_news_md"

_lock = threading.Lock()
_analyzer = None


def budget_seconds() -> float:
    """The time budget per text: SCRUB_BUDGET_MS (milliseconds, > 0), else the default."""
    raw = os.environ.get("SCRUB_BUDGET_MS", "")
    try:
        value = int(raw) if raw else DEFAULT_BUDGET_MS
    except ValueError:
        logger.warning("SCRUB_BUDGET_MS=%r is no whole number; using %d", raw, DEFAULT_BUDGET_MS)
        value = DEFAULT_BUDGET_MS
    return max(value, 1) / 1000


def _build_analyzer():
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    class LocalSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine over pipelines we load ourselves (never a download at run time):
        a blank Dutch pipeline (our rules do the work) and fr_core_news_md's tokenizer and NER."""

        def load(self) -> None:
            french = spacy.load(_FR_MODEL, exclude=["morphologizer", "parser", "senter", "attribute_ruler",
                                                    "lemmatizer"])
            self.nlp = {"nl": spacy.blank("nl"), "fr": french}

    engine = LocalSpacyEngine(models=[{"lang_code": "nl", "model_name": "blank:nl"},
                                      {"lang_code": "fr", "model_name": _FR_MODEL}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for language in LANGUAGES:
        for recognizer in number_recognizers(language) + text_recognizers(language):
            registry.add_recognizer(recognizer)
    registry.add_recognizer(SpacyRecognizer(supported_language="fr", supported_entities=["PERSON"]))
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=list(LANGUAGES))


def warm_up():
    """Load the analyzer now (at process start), so the first citizen's text does not wait for it."""
    global _analyzer
    with _lock:
        if _analyzer is None:
            started = time.perf_counter()
            _analyzer = _build_analyzer()
            logger.info("scrubbing analyzer loaded in %.1f s", time.perf_counter() - started)
    return _analyzer


def warm_up_in_background() -> threading.Thread:
    """Start loading the analyzer in a daemon thread (for a server's start-up: it keeps serving meanwhile;
    a scrub that comes before the load is done waits for it)."""
    thread = threading.Thread(target=warm_up, name="scrubbing-warm-up", daemon=True)
    thread.start()
    return thread


_FRENCH_WORDS = frozenset(
    "je j' tu il elle nous vous ils le la les l' un une des du et est pour pas avec dans qui que mon ma mes "
    "suis ai au aux sur mais ou chez très plus ne n' c'est d' s'il merci bonjour".split())
_DUTCH_WORDS = frozenset(
    "ik je jij hij zij wij het een en is niet van voor met op die dat zijn mijn heb heeft bij ook maar of "
    "naar geen wil kan er hallo goedendag dank".split())


def guess_language(text: str) -> str:
    """nl or fr from function words (enough to choose the NER; the rules cover both languages)."""
    words = re.findall(r"[a-zà-ÿ']+", text.lower()[:2000])
    french = sum(w in _FRENCH_WORDS for w in words)
    dutch = sum(w in _DUTCH_WORDS for w in words)
    return "fr" if french > dutch else "nl"


def _spans(text: str, language: str) -> list[tuple[int, int, str]]:
    analyzer = warm_up()
    results = analyzer.analyze(text=text, language=language)
    check_deadline()
    spans = []
    for result in results:
        if result.entity_type == "PERSON" and result.recognition_metadata.get("recognizer_name") == \
                "SpacyRecognizer":
            result = plausible_person(text, result)
            if result is None:
                continue
        if result.entity_type in MARKERS:
            spans.append((result.start, result.end, result.entity_type))
    return spans


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace the spans by their markers; overlapping spans merge (the longest one names the marker)."""
    merged: list[list] = []
    for start, end, entity in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            if end - start > last[1] - last[0]:
                last[2] = entity
            last[1] = max(last[1], end)
        else:
            merged.append([start, end, entity])
    out, position = [], 0
    for start, end, entity in merged:
        out.append(text[position:start])
        out.append(MARKERS[entity])
        position = end
    out.append(text[position:])
    return "".join(out)


def _beginning(text: str, max_chars: int) -> str:
    """The text up to the last whitespace before max_chars, so no piece of data is cut in two (a digit run
    cut in two could leave fewer than six digits on our side)."""
    cut = max(text.rfind(" ", 0, max_chars), text.rfind("\n", 0, max_chars), text.rfind("\t", 0, max_chars))
    if cut > 0:
        return text[:cut]
    return text[:max_chars].rstrip("0123456789 .-/()+")


def scrub(text: str, language: str | None = None, budget: float | None = None,
          max_chars: int | None = None) -> str | None:
    """The text with personal data replaced by markers, or None when scrubbing took longer than the budget
    (seconds; SCRUB_BUDGET_MS by default): then the text must not be stored. `language` (nl, fr, en)
    chooses the NER; guessed when missing. A caller that keeps only the beginning of the result passes
    max_chars: only that much of the text (cut at a whitespace) is scrubbed and returned.
    Raises nothing on odd input: "" and whitespace come back as is."""
    if not text or not text.strip():
        return text
    if max_chars is not None and len(text) > max_chars:
        text = _beginning(text, max_chars)
    warm_up()  # loading is not part of the budget
    if language not in LANGUAGES:
        language = "nl" if language == "en" else guess_language(text)  # English: the rules only
    started = time.perf_counter()
    set_deadline(budget if budget is not None else budget_seconds())
    try:
        spans = _spans(text, language)
        clean = _replace(text, spans)
        check_deadline()
    except ScrubTimeout:
        logger.warning("text of %d characters not scrubbed within %.0f ms: dropped", len(text),
                       (time.perf_counter() - started) * 1000)
        return None
    finally:
        set_deadline(None)
    return clean
