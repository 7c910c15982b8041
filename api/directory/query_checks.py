"""Checks on citizens' query texts shared by the sociale kaart routes: clear 4xx, never a 500."""

import re

from common.errors import InvalidInput
from dialogue.vocabularies import SIGNAL_LANGUAGES

MAX_QUERY_CHARS = 500
LANGS = SIGNAL_LANGUAGES
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
# Statements, comments and tautologies that only SQL injection attempts write; "j'ai" and "d'aide" pass.
_SQL = re.compile(
    r"(;\s*(drop|delete|insert|update|select|alter|create|truncate)\b)|(\bunion\s+(all\s+)?select\b)|(--\s*$)"
    r"|('\s*or\s+'?\d+'?\s*=\s*'?\d+)|(\bdrop\s+table\b)|(/\*.*\*/)",
    re.IGNORECASE,
)


def check_query(q: str | None, required: bool) -> str | None:
    text = (q or "").strip()
    if not text:
        if required:
            raise InvalidInput("q is empty: describe the need in a few words")
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"q is too long: at most {MAX_QUERY_CHARS} characters")
    if _HTML.search(text):
        raise InvalidInput("q must be plain text, not HTML")
    if _SQL.search(text):
        raise InvalidInput("q must be plain words, not a database command")
    return text


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise InvalidInput(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
