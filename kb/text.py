"""Text normalisation shared by need matching and search: folding, tokens, stems, compounds, typos.

Citizens type without accents, with typos and in two languages at once, so every comparison is made
on accent-folded, lower-cased Snowball stems (Dutch Porter / French), and Dutch compounds are split
against the known vocabulary ("huurachterstal" -> "huur" + "achterstal"). Edit distances and the
nearest-word search come from rapidfuzz. CharNgramIndex ranks by shared character n-grams (BM25 from bm25s),
which reaches inside compounds, diminutives and inflections that whole-word stems miss.
"""

import re
import unicodedata
from functools import lru_cache

import bm25s
import numpy as np
import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP
from spacy.lang.nl.stop_words import STOP_WORDS as NL_STOP

LANGS = ("nl", "fr")
_TOKEN = re.compile(r"[a-z0-9]+")

# Words citizens wrap around a need that carry no meaning for matching (on top of spaCy's stop words).
_FILLER = {
    "nl": {
        "zoek",
        "zoeken",
        "nodig",
        "graag",
        "willen",
        "wil",
        "kan",
        "kunnen",
        "moet",
        "moeten",
        "iemand",
        "waar",
        "hoe",
        "wie",
        "mijn",
        "help",
        "helpen",
        "hulp",
        "vind",
        "vinden",
        "krijgen",
        "krijg",
        "weet",
        "ik",
        "dringend",
        "alstublieft",
        "aub",
        "please",
        "dag",
        "hallo",
        "goeiedag",
        "bedankt",
        "mag",
        "zou",
        "echt",
        "heel",
        "erg",
        "beetje",
        "soort",
        "info",
        "informatie",
        "vraag",
        "vragen",
    },
    "fr": {
        "cherche",
        "chercher",
        "besoin",
        "voudrais",
        "veux",
        "vouloir",
        "peux",
        "pouvoir",
        "faut",
        "quelqu",
        "quelqu'un",
        "trouver",
        "comment",
        "ou",
        "qui",
        "mon",
        "ma",
        "mes",
        "aider",
        "svp",
        "bonjour",
        "merci",
        "aimerais",
        "souhaite",
        "vraiment",
        "tres",
        "un",
        "une",
        "des",
        "d",
        "l",
        "j",
        "m",
        "s",
        "n",
        "qu",
        "c",
        "info",
        "infos",
        "information",
        "informations",
        "question",
    },
}


def fold(text: str) -> str:
    """Lower-case and strip accents: 'Infirmière' -> 'infirmiere'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    return _TOKEN.findall(fold(text).replace("'", " ").replace("’", " "))


@lru_cache(maxsize=2)
def _stop_words(lang: str) -> frozenset[str]:
    base = NL_STOP if lang == "nl" else FR_STOP
    return frozenset({fold(w) for w in base} | _FILLER[lang])


def is_stop(word: str, lang: str) -> bool:
    return word in _stop_words(lang) or len(word) < 2


_STEMMERS = {"nl": snowballstemmer.stemmer("dutch_porter"), "fr": snowballstemmer.stemmer("french")}


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    return _STEMMERS[lang].stemWord(word)


def content_words(text: str, lang: str) -> list[str]:
    """Folded words without stop words of that language."""
    return [w for w in words(text) if not is_stop(w, lang)]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of two letters counts once); limit + 1 once it exceeds `limit`."""
    return OSA.distance(a, b, score_cutoff=limit)


class Vocabulary:
    """The known surface words of one language, for typo correction and compound splitting."""

    def __init__(self, known: set[str]) -> None:
        self.known = {w for w in known if len(w) >= 2}
        self._by_prefix: dict[str, list[str]] = {}
        for w in self.known:
            if len(w) >= 4:
                self._by_prefix.setdefault(w[:1], []).append(w)

    def correct(self, word: str) -> str | None:
        """The closest known word for a typo, or None (short words are never 'corrected')."""
        if word in self.known or len(word) < 5:
            return None
        limit = 1 if len(word) < 8 else 2
        # why: typos rarely hit the first letter; restricting to it keeps this fast and precise.
        close = process.extract(
            word, self._by_prefix.get(word[:1], ()), scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        if not close:
            return None
        return min((d, abs(len(cand) - len(word)), cand) for cand, d, _ in close)[2]

    def split_compound(self, word: str) -> list[str] | None:
        """Split a Dutch compound into two known words ('thuisverpleging' -> thuis + verpleging)."""
        if len(word) < 7:
            return None
        for i in range(len(word) - 3, 2, -1):  # longest known right part first
            left, right = word[:i], word[i:]
            if right not in self.known or len(right) < 4:
                continue
            for joint in (
                left,
                left[:-1] if left.endswith("s") else None,
                left[:-1] if left.endswith("e") else None,
            ):
                if joint and len(joint) >= 3 and joint in self.known:
                    return [joint, right]
        return None


def char_ngrams(text: str, n: int = 4) -> list[str]:
    """Character n-grams of the content words (stop words of both languages dropped), word edges marked."""
    out: list[str] = []
    for w in words(text):
        if is_stop(w, "nl") or is_stop(w, "fr"):
            continue
        padded = f"<{w}>"
        out += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
    return out


def lucene_bm25(docs: list[list[str]], k1: float, b: float) -> bm25s.BM25:
    """BM25 (Lucene's variant, from bm25s) over documents given as token lists, one row per document."""
    index = bm25s.BM25(method="lucene", k1=k1, b=b)
    index.index(docs, show_progress=False)
    return index


class CharNgramIndex:
    """BM25 (Lucene's variant, from the bm25s library) over character n-grams of short documents, one
    document per key (a category).

    Whole-word stems miss "kinderopvang" for "opvang voor kinderen", "kindje" for "kind", "schuldhulp"
    for "schulden"; shared 4-grams catch them. A query counts each of its n-grams once.
    """

    def __init__(self, docs: dict[int, list[str]], n: int = 4, k1: float = 1.2, b: float = 0.75) -> None:
        self.n = n
        self.keys = list(docs)
        self._bm25 = lucene_bm25([[g for text in docs[key] for g in char_ngrams(text, n)] for key in self.keys], k1, b)

    def scores(self, text: str) -> np.ndarray:
        """One score per key (self.keys order); zeros when nothing is shared."""
        grams = sorted(set(char_ngrams(text, self.n)))  # why sorted: the same sum to the last bit every time
        if not grams:
            return np.zeros(len(self.keys), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(grams), dtype=np.float32)
