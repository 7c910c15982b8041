"""What a citizen may type: printable text. Control characters (other than tab and line breaks) and lone
surrogates are refused with a clear error rather than stored, logged or sent on to Rasa, where they break
terminals, log lines and JSON consumers. Metadata sent along with a message is small and flat."""

import json
import re
import unicodedata
from typing import Any

ALLOWED_CONTROLS = frozenset("\t\n\r")
MAX_METADATA_KEYS = 16
MAX_METADATA_BYTES = 2048
# A quick pre-check: only texts with a character in these ranges need the per-character look-up.
_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_forbidden_characters(text: str) -> bool:
    """True when the text holds a control character (except tab, CR, LF) or a lone surrogate."""
    if not _SUSPECT.search(text):
        return False
    return any(
        unicodedata.category(ch) in ("Cc", "Cs") and ch not in ALLOWED_CONTROLS for ch in text
    )


def metadata_problem(metadata: Any) -> str | None:
    """Why this message metadata is refused, or None when it is fine."""
    if not isinstance(metadata, dict):
        return "metadata must be an object"
    if len(metadata) > MAX_METADATA_KEYS:
        return f"metadata has too many keys (at most {MAX_METADATA_KEYS})"
    try:
        size = len(json.dumps(metadata, ensure_ascii=False).encode())
    except (TypeError, ValueError):
        return "metadata must be plain JSON"
    if size > MAX_METADATA_BYTES:
        return f"metadata too large (at most {MAX_METADATA_BYTES} bytes)"
    return None
