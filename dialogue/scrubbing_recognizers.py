"""Presidio recognizers for Belgian personal data written as numbers and codes.

Every pattern is compiled with RE2 (google-re2), which runs in time linear in the text whatever the pattern,
and every repetition is bounded as well. RE2 has no look-around: boundaries and checks (national number,
IBAN and VAT check digits, phone plausibility, dates) are done in Python on each candidate, so a candidate
costs O(its length). Each recognizer first checks the scrub's deadline (`check_deadline`), so a text past its
time budget stops at the next recognizer.

What the numeric recognizer guarantees: no run of six or more digits joined by spaces, dots, dashes,
slashes or brackets survives, except a calendar date after 2010 (an appointment) and a range of years
("2024-2025"). Such a run becomes [rrn], [phone], [number] (mutualiteit, enterprise, card or file numbers);
dates of birth become [date].
"""

import threading
import time

import phonenumbers
import re2
from presidio_analyzer import LocalRecognizer, RecognizerResult
from stdnum import iban as std_iban
from stdnum.be import bis as std_bis
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_vat

# Entity names (Presidio's where one exists) and the markers that replace them.
MARKERS = {
    "BE_NATIONAL_NUMBER": "[rrn]",
    "PHONE_NUMBER": "[phone]",
    "IBAN_CODE": "[iban]",
    "EMAIL_ADDRESS": "[email]",
    "BE_NUMBER": "[number]",
    "DATE_OF_BIRTH": "[date]",
    "BE_PLATE": "[plate]",
    "STREET_ADDRESS": "[address]",
    "PERSON": "[name]",
}


class ScrubTimeout(Exception):
    """The text's time budget ran out before every recognizer had run."""


_deadline = threading.local()


def set_deadline(seconds_from_now: float | None) -> None:
    _deadline.at = None if seconds_from_now is None else time.perf_counter() + seconds_from_now


def check_deadline() -> None:
    at = getattr(_deadline, "at", None)
    if at is not None and time.perf_counter() > at:
        raise ScrubTimeout


def compile_re2(pattern: str, case_sensitive: bool = True):
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False
    options.max_mem = 64 << 20  # room for the DFA of the Latin-1 letter classes, so RE2 need not fall back
    return re2.compile(pattern, options)


class Re2Recognizer(LocalRecognizer):
    """A recognizer over RE2 patterns; subclasses turn a match into a span (or None) in `accept`."""

    ENTITY = ""
    SCORE = 0.9

    def __init__(self, language: str):
        super().__init__(supported_entities=[self.ENTITY], supported_language=language,
                         name=f"{type(self).__name__}_{language}")

    def load(self) -> None:  # patterns are compiled at import
        pass

    def patterns(self) -> list:
        raise NotImplementedError

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        return match.start(), match.end(), self.ENTITY

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        check_deadline()
        results = []
        for pattern in self.patterns():
            for match in pattern.finditer(text):
                span = self.accept(match, text, pattern)
                if span is not None:
                    start, end, entity = span
                    results.append(RecognizerResult(entity, start, end, self.SCORE))
        return results


def _alnum_before(text: str, i: int) -> bool:
    return i > 0 and text[i - 1].isalnum()


def _alnum_after(text: str, i: int) -> bool:
    return i < len(text) and text[i].isalnum()


# ----------------------------------------------------------------------------------------- numbers
# A digit, then up to 40 groups of (up to three separators, a digit): phone numbers, national numbers,
# mutualiteit and enterprise numbers in any of their written forms. "(0)" after a country code is covered
# by the brackets among the separators.
_DIGIT_RUN = compile_re2(r"(?:\+|00)?\d(?:[ \t./\-()]{0,3}\d){0,40}")
_DATE_DMY = compile_re2(r"^(\d{1,2})[./\- ](\d{1,2})[./\- ](\d{4})$")
_DATE_YMD = compile_re2(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YEAR_RANGE = compile_re2(r"^(?:19|20)\d\d ?[-/] ?(?:19|20)\d\d$")
# A date of this year or earlier minus this many years is taken for a date of birth even without a cue.
BIRTH_YEAR_BEFORE = 2011


def _calendar_year(candidate: str) -> int | None:
    """The year when the candidate is a plain calendar date (d/m/yyyy or yyyy-mm-dd), else None."""
    m = _DATE_DMY.search(candidate)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DATE_YMD.search(candidate)
        if not m:
            return None
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if 1 <= day <= 31 and 1 <= month <= 12 and 1900 <= year <= 2099:
        return year
    return None


def harmless_number(candidate: str) -> bool:
    """A run of digits that is no personal data: an appointment date or a range of years."""
    if _YEAR_RANGE.search(candidate):
        return True
    year = _calendar_year(candidate)
    return year is not None and year >= BIRTH_YEAR_BEFORE


def _is_phone(candidate: str, digits: str) -> bool:
    if not (candidate.startswith(("+", "00")) or digits.startswith("0")):
        return False
    if len(digits) < 9 or len(digits) > 15:
        return False
    try:
        number = phonenumbers.parse(candidate.replace("(0)", ""), "BE")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


class NumberRecognizer(Re2Recognizer):
    """Runs of six or more digits: national/BIS numbers, phones, and every other long number."""

    ENTITY = "BE_NUMBER"

    def __init__(self, language: str):
        super().__init__(language)
        self.supported_entities = ["BE_NATIONAL_NUMBER", "PHONE_NUMBER", "BE_NUMBER", "DATE_OF_BIRTH"]

    def patterns(self) -> list:
        return [_DIGIT_RUN]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        start, end = match.start(), match.end()
        candidate = text[start:end]
        # A run ends on a digit; a trailing ")" or separator is not part of it.
        digits = "".join(ch for ch in candidate if ch.isdigit())
        if len(digits) < 6 or harmless_number(candidate):
            return None
        if _calendar_year(candidate) is not None:
            return start, end, "DATE_OF_BIRTH"
        if len(digits) == 11 and (std_nn.is_valid(digits) or std_bis.is_valid(digits)):
            return start, end, "BE_NATIONAL_NUMBER"
        if len(digits) == 10 and digits[0] in "01" and std_vat.is_valid(digits):
            return start, end, "BE_NUMBER"
        if _is_phone(candidate, digits):
            return start, end, "PHONE_NUMBER"
        return start, end, "BE_NUMBER"  # an 11-digit one with a wrong check too: still removed


# Shorter member and file numbers (four digits or more) count only after a cue: mutualiteit/mutuelle
# member numbers, file and client numbers.
_NUMBER_CUE = (
    r"lidnummer|lidnr\.?|lidmaatschapsnummer|aansluitingsnummer|inschrijvingsnummer|klantnummer|"
    r"dossiernummer|dossiernr\.?|mutualiteit|ziekenfonds|mutuelle|mutualité|affiliation|affilié|affiliée|"
    r"membre|numéro de dossier|n° de dossier|member number|membership number|file number|client number"
)
_CUED_NUMBER = compile_re2(
    r"(?i:" + _NUMBER_CUE + r")(?:[ ]{1,2}(?i:[a-zà-ÿ'’()]{1,15}|n°|nr\.?|no\.?)){0,3}[ ]{0,2}[:#]?[ ]{0,2}"
    r"(\d(?:[ ./\-]?\d){3,20})"
)


class CuedNumberRecognizer(Re2Recognizer):
    ENTITY = "BE_NUMBER"

    def patterns(self) -> list:
        return [_CUED_NUMBER]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        start, end = match.start(1), match.end(1)
        if _alnum_after(text, end) or harmless_number(text[start:end]):
            return None
        return start, end, self.ENTITY


# ----------------------------------------------------------------------------------------- IBAN
# Country, check digits, then 11 to 30 letters/digits with at most two separators between them.
_IBAN = compile_re2(r"\b[A-Za-z]{2}\d{2}(?:[ .\-]{0,2}[A-Za-z0-9]){11,30}")


class IbanRecognizer(Re2Recognizer):
    """IBANs in groups of four, with spaces, dashes or dots, in any case; a Belgian-shaped one even with a
    wrong check (a typo still identifies the account)."""

    ENTITY = "IBAN_CODE"

    def patterns(self) -> list:
        return [_IBAN]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        start, end = match.start(), match.end()
        if _alnum_before(text, start):
            return None
        # The greedy match may run into the next word ("... 3458 aub"): drop trailing groups of letters.
        while True:
            candidate = text[start:end]
            cut = max(candidate.rfind(" "), candidate.rfind("-"), candidate.rfind("."))
            tail = candidate[cut + 1:] if cut > 0 else ""
            if tail and tail.isalpha() and cut > 4:
                end = start + cut
                end = start + len(text[start:end].rstrip(" .-"))
                continue
            break
        candidate = text[start:end]
        compact = "".join(ch for ch in candidate if ch.isalnum()).upper()
        if std_iban.is_valid(compact):
            return start, end, self.ENTITY
        digits = sum(ch.isdigit() for ch in compact)
        if compact.startswith("BE") and len(compact) == 16 and digits == 16 - 2:
            return start, end, self.ENTITY
        if 15 <= len(compact) <= 34 and digits >= 10:
            return start, end, self.ENTITY  # IBAN-shaped with a wrong check: scrub rather than keep
        return None


# ----------------------------------------------------------------------------------------- e-mail
_LOCAL = r"[A-Za-z0-9_%+\-]{1,64}(?:[ ]{0,2}\.[ ]{0,2}[A-Za-z0-9_%+\-]{1,64}){0,4}"
_DOMAIN_WORD = r"[A-Za-z0-9\-]{1,63}"
_EMAIL_AT = compile_re2(
    _LOCAL + r"[ ]{0,2}(?:@|\(at\)|\[at\]|\(a\)|\(@\)|\[@\])[ ]{0,2}" + _DOMAIN_WORD
    + r"(?:[ ]{0,2}(?:\.|\[dot\]|\(dot\))[ ]{0,2}" + _DOMAIN_WORD + r"){1,4}",
    case_sensitive=False,
)
# Spelled out: "peeters punt an at gmail punt com", "jan at telenet dot be": only with a known ending.
_SPELLED = r"[ ](?:punt|dot|point)[ ]"
_EMAIL_SPELLED = compile_re2(
    _LOCAL + r"(?:" + _SPELLED + _LOCAL + r"){0,3}[ ](?:at|arobase|apenstaart(?:je)?)[ ]" + _DOMAIN_WORD
    + r"(?:" + _SPELLED + _DOMAIN_WORD + r"){0,2}" + _SPELLED
    + r"(?:be|com|fr|net|org|nl|eu|brussels|lu|de|uk|info|ma|tn|dz|tr|es|it|pt|pl|ro)\b",
    case_sensitive=False,
)


class EmailRecognizer(Re2Recognizer):
    ENTITY = "EMAIL_ADDRESS"

    def patterns(self) -> list:
        return [_EMAIL_AT, _EMAIL_SPELLED]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        start, end = match.start(), match.end()
        candidate = text[start:end]
        # The domain ends with letters (the top-level domain), not a dot or a number.
        while end > start and not text[end - 1].isalpha():
            end -= 1
        if "@" not in candidate and "(" not in candidate and "[" not in candidate and " " not in candidate:
            return None
        return start, end, self.ENTITY


# ----------------------------------------------------------------------------------------- plates
# Belgian plates: 1-ABC-123 (since 2010), ABC-123 / 123-ABC (older), with dashes, spaces or nothing.
_PLATE_SHAPE = r"(?:[1-9][ \-]?[A-Z]{3}[ \-]?\d{3}|[A-Z]{3}[ \-]?\d{3}|\d{3}[ \-]?[A-Z]{3})"
_PLATE = compile_re2(r"\b" + _PLATE_SHAPE + r"\b")
# In lower case only after a cue: "nummerplaat 1 abc 123", "plaque 2-xyz-987".
_PLATE_CUED = compile_re2(
    r"(?i:nummerplaat|plaat|kenteken|immatriculation|plaque|plate)[ :]{0,3}(?:(?i:is|de|van|est|:)[ ]{1,2}){0,2}"
    r"(?P<plate>(?i:" + _PLATE_SHAPE + r"))\b"
)


class PlateRecognizer(Re2Recognizer):
    ENTITY = "BE_PLATE"

    def patterns(self) -> list:
        return [_PLATE, _PLATE_CUED]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        if pattern is _PLATE_CUED:
            return match.start(1), match.end(1), self.ENTITY
        return match.start(), match.end(), self.ENTITY


# ----------------------------------------------------------------------------------------- dates of birth
_MONTHS = (
    r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    r"january|february|march|may|june|july|august|october|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|oct|"
    r"nov|dec|déc|janv|févr|avr|juil"
)
_WRITTEN_DATE = r"\d{1,2}(?:er|e|ste|de)?\.?[ ]{1,2}(?:" + _MONTHS + r")\.?[ ]{1,2}\d{4}"
_NUMERIC_DATE = r"\d{1,2}[ ]?[./\-][ ]?\d{1,2}[ ]?[./\-][ ]?\d{2,4}|\d{4}-\d{1,2}-\d{1,2}"
_BIRTH_CUE = (
    r"geboren|geb\.|geboortedatum|geboortedag|née?s?|naissance|date of birth|born|dob|d\.o\.b\.|°"
)
_DOB_WITH_CUE = compile_re2(
    r"(?:" + _BIRTH_CUE + r")[ :,]{0,3}(?:(?:op|le|on|the|in|en)[ ]{1,2}){0,2}(?P<date>"
    + _WRITTEN_DATE + r"|" + _NUMERIC_DATE + r")",
    case_sensitive=False,
)
# "geboren in 1985", "née en 1960": a year of birth alone.
_BIRTH_YEAR = compile_re2(r"(?:" + _BIRTH_CUE + r")[ :,]{0,3}(?:(?i:in|en|op|le|on)[ ]{1,2})?(\d{4})\b",
                          case_sensitive=False)
_OLD_WRITTEN_DATE = compile_re2(r"(?P<date>" + _WRITTEN_DATE + r")", case_sensitive=False)


class BirthDateRecognizer(Re2Recognizer):
    """Dates after a birth cue (geboren, née, date de naissance, °), and written dates before 2011."""

    ENTITY = "DATE_OF_BIRTH"

    def patterns(self) -> list:
        return [_DOB_WITH_CUE, _BIRTH_YEAR, _OLD_WRITTEN_DATE]

    def accept(self, match, text: str, pattern=None) -> tuple[int, int, str] | None:
        start, end = match.start(1), match.end(1)  # the only capturing group
        if _alnum_after(text, end) or _alnum_before(text, start):
            return None
        if pattern is _OLD_WRITTEN_DATE:
            year = int(text[end - 4:end])
            if year >= BIRTH_YEAR_BEFORE:
                return None
        return start, end, self.ENTITY


def number_recognizers(language: str) -> list[Re2Recognizer]:
    return [cls(language) for cls in (EmailRecognizer, IbanRecognizer, PlateRecognizer, BirthDateRecognizer,
                                       NumberRecognizer, CuedNumberRecognizer)]
