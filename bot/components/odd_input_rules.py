"""Which citizen messages are odd input: text that carries no need, whatever a model would guess.

The rule (pure Python, no Rasa, so the application's tests import it too). A message is odd when it
1. contains markup or code: an HTML tag, a `javascript:` URL or an SQL statement / injection pattern;
2. is mostly written in a script other than Latin (Cyrillic, Chinese, Arabic ...): the assistant reads
   Dutch, French and English only;
3. has no word left once URLs and e-mail addresses are taken out. A word is a lone letter ("à", "u"), a
   number of up to four digits (a postcode, an age) or a run of Latin letters that is not gibberish once
   runs of three or more of the same letter are collapsed ("jaaaa" is "ja", but "xxxxxx" is only "x").
   Gibberish: five or more letters without a vowel ("qsdkjfh", "zxcvbn"; acronyms in capitals such as
   "LGBTQ" are words, and so are short ones like "thx", "svp", "gsm"), or five neighbouring keys of a
   keyboard row ("poiuyt", "asdfgh", "azerty"). So emoji, symbols, long numbers and keyboard mashing alone
   are odd.

Messages that are button payloads ("/intent") are never odd. `odd_input_reason` says why a message is odd,
or None; bot/components/odd_input.py turns that into the intent `out_of_scope` in the NLU pipeline.
"""

from __future__ import annotations

import re
import unicodedata

# Tags a browser would treat as markup; "<3" or "<Schaarbeek>" are not markup.
_HTML_TAGS = (
    "a|abbr|audio|b|base|body|br|button|code|div|em|embed|form|frame|h[1-6]|head|hr|html|i|iframe|img|input|"
    "link|li|marquee|math|meta|object|ol|p|pre|script|select|source|span|strong|style|svg|table|td|textarea|"
    "th|title|tr|u|ul|video"
)
_MARKUP = re.compile(
    rf"</?\s*(?:{_HTML_TAGS})\b[^<>]*>|<!--|<\?php|javascript\s*:|\bon(?:error|load|click|mouseover)\s*=",
    re.IGNORECASE,
)
# SQL statements and the classic injection patterns; each needs SQL's structure, not a single word
# (Dutch "drop" is liquorice, "select" and "update" are English words).
_SQL = re.compile(
    r"\bselect\s+(?:\*|distinct\b|count\s*\()|\bselect\b[^.?!]{0,200}\bfrom\b[^.?!]{0,200}\bwhere\b"
    r"|\binsert\s+into\b|\bdelete\s+from\b|\bdrop\s+(?:table|database)\b|\bupdate\s+\w+\s+set\b"
    r"|\bunion\s+(?:all\s+)?select\b|\btruncate\s+table\b"
    r"|'\s*(?:or|and)\s+'?\w+'?\s*=\s*'?\w+|;\s*--|\bexec(?:ute)?\s*\(|\bsleep\s*\(\s*\d+\s*\)",
    re.IGNORECASE,
)
# Programming code: statements no citizen message has.
_CODE = re.compile(
    r"\b(?:function\s*\w*\s*\(|console\.log\s*\(|document\.(?:cookie|write|location|getElementById)"
    r"|window\.(?:location|alert|open)|eval\s*\(|def\s+\w+\s*\(|print\s*\(|System\.out|public\s+static\s+void)"
    r"|^\s*(?:from\s+[\w.]+\s+)?import\s+[\w.]+(?:\s+as\s+\w+)?\s*;?\s*$|#include\s*<"
    r"|=>\s*\{|\$\{[^}]*\}|\{\{[^}]*\}\}",
    re.IGNORECASE | re.MULTILINE,
)
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)\S+"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:be|brussels|com|org|net|eu|fr|nl|info|io)\b(?:/\S*)?",
    re.IGNORECASE,
)
_PAYLOAD = re.compile(r"^/\w+")
_REPEATS = re.compile(r"(.)\1{2,}", re.DOTALL)
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_MAX_NUMBER_DIGITS = 4

_VOWELS = set("aeiouyàáâäãåæèéêëìíîïòóôöõøœùúûüýÿ")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn")
_KEYBOARD_RUN = 5
_KEYBOARD_SEQUENCES = frozenset(
    row[i:i + _KEYBOARD_RUN][::direction]
    for row in _KEYBOARD_ROWS
    for i in range(len(row) - _KEYBOARD_RUN + 1)
    for direction in (1, -1)
)
_MIN_VOWELLESS = 5
# Below this share of Latin letters the message is in another script.
_MIN_LATIN_SHARE = 0.5


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def _looks_like_gibberish(word: str) -> bool:
    lower = word.lower()
    if not any(c in _VOWELS for c in lower):
        # Short ones are abbreviations ("thx", "svp", "gsm", "nl"), capitals are acronyms ("SNCB").
        return len(word) >= _MIN_VOWELLESS and not word.isupper()
    return any(lower[i:i + _KEYBOARD_RUN] in _KEYBOARD_SEQUENCES for i in range(len(lower) - _KEYBOARD_RUN + 1))


def words(text: str) -> list[str]:
    """The words of a message, in the rule's sense: a lone letter ("à", "u"), a number of up to four digits
    (a postcode, an age, a house number) or a run of Latin letters that is not gibberish once repeats are
    collapsed ("jaaaa" is "ja", but "xxxxxx" is only "x")."""
    found: list[str] = []
    for token in _TOKEN.findall(text):
        if token.isdigit():
            if len(token) <= _MAX_NUMBER_DIGITS:
                found.append(token)
            continue
        if not all(map(_is_latin_letter, token)):
            continue
        collapsed = _REPEATS.sub(r"\1", token)
        if len(token) == 1 or (len(collapsed) >= 2 and not _looks_like_gibberish(collapsed)):
            found.append(token)
    return found


def odd_input_reason(text: str | None) -> str | None:
    """Why the message is odd input ("empty", "markup", "code", "other_script", "no_words"), or None."""
    if text is None or not text.strip():
        return "empty"
    if _PAYLOAD.match(text):
        return None
    if _MARKUP.search(text):
        return "markup"
    if _SQL.search(text) or _CODE.search(text):
        return "code"
    letters = [c for c in text if c.isalpha()]
    if letters and sum(map(_is_latin_letter, letters)) / len(letters) < _MIN_LATIN_SHARE:
        return "other_script"
    if not words(_URL.sub(" ", text)):
        return "no_words"
    return None
