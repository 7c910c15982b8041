"""Need matching: a citizen's free text -> the social.brussels categories that answer it.

How it ranks (every step is measured by bench/needs_eval.py):
- each category is a small document per language: its title, keywords and description from
  social.brussels, plus our own citizen synonyms (kb/data/need_synonyms.yaml);
- text is folded (case, accents), stop words and filler dropped, Dutch compounds split, typos
  corrected against the known vocabulary, then Snowball-stemmed; adjacent words also count as pairs;
- BM25F over those fields (synonyms and titles weigh most), scored in Dutch and in French, the
  citizen's language first, so mixed sentences ("ik zoek een aide familiale") still land;
- a whole synonym phrase found in the text adds a bonus; categories meant for professionals
  (training, federations, networks) are ranked down.
Everything is built once per process from files in kb/data (no database needed) and cached.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kb.taxonomy import Category, categories
from kb.text import LANGS, Vocabulary, content_words, is_stop, stem, words

SYNONYMS = Path(__file__).parent / "data" / "need_synonyms.yaml"
MAX_QUERY_CHARS = 500
SUPPORTED_LANGS = ("nl", "fr", "en")

FIELD_WEIGHTS = {"title": 3.0, "keywords": 1.2, "synonyms": 4.0, "description": 0.5}
K1, B = 1.2, 0.6
OTHER_LANGUAGE_FACTOR = 0.85  # a match in the other language counts a bit less (mixed speech is common)
PHRASE_BONUS = 2.5
PROFESSIONAL_FACTOR = 0.3
MIN_SCORE = 1.0


@dataclass(frozen=True)
class CategoryMatch:
    id: int  # social.brussels category id
    name: str
    score: float
    matched: tuple[str, ...] = ()  # the citizen's words that made it match (for "why matched")


def _terms(stems: list[str]) -> list[str]:
    """Unigrams plus adjacent pairs ('aide familial' -> aid, familial, aid_familial)."""
    return stems + [f"{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)]


class _LanguageIndex:
    def __init__(self, lang: str, cats: dict[int, Category], synonyms: dict[int, list[str]]) -> None:
        self.lang = lang
        texts: dict[int, dict[str, list[str]]] = {}
        surface: set[str] = set()
        for cid, cat in cats.items():
            fields = {
                "title": [cat.title(lang)],
                "keywords": list(cat.keywords_nl if lang == "nl" else cat.keywords_fr),
                "description": [cat.description_nl if lang == "nl" else cat.description_fr],
                "synonyms": synonyms.get(cid, []),
            }
            texts[cid] = fields
            for parts in fields.values():
                for text in parts:
                    surface.update(words(text))
        self.vocab = Vocabulary(surface)
        # phrase -> category ids, for the whole-phrase bonus
        self.phrases: dict[tuple[str, ...], set[int]] = defaultdict(set)
        # why: a query only needs the phrases starting with one of its stems (speed, not meaning)
        self.phrases_by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        field_terms: dict[str, dict[int, Counter]] = {f: {} for f in FIELD_WEIGHTS}
        for cid, fields in texts.items():
            for fname, parts in fields.items():
                counter: Counter = Counter()
                for text in parts:
                    stems = self.stems(text, correct=False)
                    counter.update(_terms(stems))
                    if fname == "synonyms" and len(stems) > 1:
                        self.phrases[tuple(stems)].add(cid)
                field_terms[fname][cid] = counter
        # BM25F: per term, per category, the weighted saturated frequency; idf over categories.
        self.weights: dict[str, dict[int, float]] = defaultdict(dict)
        for fname, per_cat in field_terms.items():
            lengths = [sum(c.values()) for c in per_cat.values()]
            avg = (sum(lengths) / len(lengths)) or 1.0
            for cid, counter in per_cat.items():
                length = sum(counter.values())
                norm = 1 - B + B * length / avg
                for term, tf in counter.items():
                    value = FIELD_WEIGHTS[fname] * tf * (K1 + 1) / (tf + K1 * norm)
                    self.weights[term][cid] = self.weights[term].get(cid, 0.0) + value
        for order, phrase in enumerate(self.phrases):
            self.phrases_by_first[phrase[0]].append((order, phrase))
        n = len(cats)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.weights.items()}

    def stems(self, text: str, correct: bool, other: "Vocabulary | None" = None) -> list[str]:
        out = []
        for w in words(text):
            if is_stop(w, "nl") or is_stop(w, "fr"):
                continue
            candidates = [w]
            if correct and w not in self.vocab.known and (other is None or w not in other.known):
                split = self.vocab.split_compound(w) if self.lang == "nl" else None
                if split:
                    candidates = split
                else:
                    fixed = self.vocab.correct(w)
                    if fixed:
                        candidates = [fixed]
            elif not correct and self.lang == "nl":
                split = self.vocab.split_compound(w) if len(w) >= 9 else None
                if split:
                    candidates = [w, *split]
            out.extend(stem(c, self.lang) for c in candidates)
        return out

    def score(self, stems: list[str]) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for term in set(_terms(stems)):
            postings = self.weights.get(term)
            if not postings:
                continue
            idf = self.idf[term]
            for cid, w in postings.items():
                scores[cid] += idf * w
        seq = tuple(stems)
        found = sorted(
            (order, phrase)
            for first in set(seq)
            for order, phrase in self.phrases_by_first.get(first, ())
            if _contains(seq, phrase)
        )
        for _, phrase in found:  # in the phrases' own order, so the sums are the same to the last bit
            for cid in self.phrases[phrase]:
                scores[cid] += PHRASE_BONUS * len(phrase)
        return scores


def _contains(seq: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(seq[i : i + n] == phrase for i in range(len(seq) - n + 1))


class NeedMatcher:
    def __init__(self) -> None:
        self.categories = categories()
        synonyms = _load_synonyms()
        self.indexes = {lang: _LanguageIndex(lang, self.categories, synonyms[lang]) for lang in LANGS}
        self.professional = {cid for cid, cat in self.categories.items() if cat.for_professionals}

    def match(self, text: str, lang: str, limit: int = 5) -> list[CategoryMatch]:
        if lang not in SUPPORTED_LANGS:
            raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(SUPPORTED_LANGS)}")
        text = (text or "")[:MAX_QUERY_CHARS]
        total: dict[int, float] = defaultdict(float)
        for index_lang, index in self.indexes.items():
            other = self.indexes["fr" if index_lang == "nl" else "nl"].vocab
            stems = index.stems(text, correct=True, other=other)
            factor = 1.0 if lang in (index_lang, "en") else OTHER_LANGUAGE_FACTOR
            for cid, s in index.score(stems).items():
                total[cid] = max(total[cid], s * factor)
        ranked = []
        for cid, s in total.items():
            cat = self.categories[cid]
            s *= 1 + 0.04 * math.log1p(cat.organisations_count)  # why: well-served needs are asked more
            if cid in self.professional:
                s *= PROFESSIONAL_FACTOR
            if s >= MIN_SCORE:
                ranked.append((s, cid))
        ranked.sort(key=lambda x: (-x[0], x[1]))
        matched_words = tuple(w for w in content_words(text, "nl" if lang == "nl" else "fr"))[:8]
        return [
            CategoryMatch(cid, self.categories[cid].title(lang), round(s, 3), matched_words)
            for s, cid in ranked[: max(0, limit)]
        ]


def _load_synonyms() -> dict[str, dict[int, list[str]]]:
    out: dict[str, dict[int, list[str]]] = {lang: defaultdict(list) for lang in LANGS}
    with SYNONYMS.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)["synonyms"]
    known = categories()
    for entry in entries:
        for cid in entry["ids"]:
            if cid not in known:
                raise ValueError(f"need_synonyms.yaml: unknown category id {cid}")
            for lang in LANGS:
                out[lang][cid].extend(entry.get(lang) or [])
    return out


@lru_cache(maxsize=1)
def matcher() -> NeedMatcher:
    return NeedMatcher()


def match_needs(text: str, lang: str, limit: int = 5) -> list[CategoryMatch]:
    """The categories that best answer a citizen's need, best first (empty when nothing fits)."""
    return matcher().match(text, lang, limit)
