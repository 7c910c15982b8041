"""Need matching: a citizen's free text -> the social.brussels categories that answer it.

Four rankings, fused (every step is measured by bench/needs_eval.py):
- dense (kb/semantic.py): a multilingual sentence encoder puts the citizen's words and short documents
  of every category (titles and first description sentence nl/fr, our synonyms and citizen phrasings
  in nl/fr/en from kb/data/) in one space; a category scores 0.7 x the cosine of its closest document
  to the whole text + 0.3 x the mean of its five closest (a kNN vote over its example phrasings), and a
  phrasing shared by several categories counts a little less for all but the first listed (its main
  one). Per-sentence queries measured worse or no better. This carries paraphrases, English, wording;
- a classifier (kb/classifier.py): a logistic regression over the same sentence vectors, trained on the
  documents and on twenty texts per category meant for citizens; it weighs in the order of the matches (a
  category loses its distance to the classifier's best), never in their scores. On 197 outside-written
  needs never tuned on: top-1 51.3 -> 56.9, top-3 69.0 -> 73.1; own test 80.1 / 91.6 -> 87.3 / 92.2;
  tried beside it and not kept: a second classifier over words (hashed tf-idf n-grams, a linear SVM) mixed in
  (dev sets +1 to +3 points; held out: own test top-1 87.3 -> 83.1, top-3 92.2 -> 94.0, web texts +0.9 / +0.9),
  and 1,520 more training texts told as testimonies (no change on the dev sets);
- lexical: BM25 (Lucene's, from bm25s) per field of the same category texts (title, keywords, description,
  synonyms), summed with field weights, after folding, stop words, Dutch compound splitting, typo
  correction and Snowball stems, in Dutch and French (best of both), so rare exact words ("THAB", "svk",
  "logopedie") and typos still count. It is normalised by its best score and added;
- character 4-grams: BM25 over the 4-grams of titles, keywords, synonyms and phrasings, in the query's
  language (English: our synonyms and phrasings only), normalised and added the same way. It reaches
  inside Dutch compounds, diminutives and inflections ("kinderopvang" / "opvang voor kinderen",
  "kindje", "schulden" / "schuldhulp") where whole stems miss; it is what lifted Dutch on the dev sets.
A second encoder, multilingual-e5-small (kb/reranking.py), weighs in the order of the matches, never in their
scores, and a best match it would not put first is not sure (is_confident).
What frames the need is left out first (kb/need_query.py): a greeting, one's age or thanks in a message of
several sentences, and the language the citizen wants to be helped in. A small prior ranks down categories
meant for professionals. Small talk and keyboard mashing give no
match: texts without a plausible word, or closer to kb/data/not_needs.yaml than to any category.
Everything is built once per process from files in kb/data (no database needed); the document
embeddings are cached on disk (var/cache/).
"""

import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from kb import classifier
from kb.need_query import need_text
from kb.reranking import Reranker
from kb.semantic import DenseIndex, encode, encode_cached
from kb.taxonomy import Category, categories
from kb.text import LANGS, CharNgramIndex, Vocabulary, content_words, is_stop, lucene_bm25, stem, words

DATA = Path(__file__).parent / "data"
SYNONYMS = DATA / "need_synonyms.yaml"
PHRASINGS = DATA / "need_phrasings.yaml"
NOT_NEEDS = DATA / "not_needs.yaml"
SUPPORTED_LANGS = ("nl", "fr", "en")

FIELD_WEIGHTS = {"title": 3.0, "keywords": 1.2, "synonyms": 4.0, "description": 0.5}
K1, B = 1.2, 0.6
# Each field's BM25 comes from bm25s since it replaced our hand-written BM25F: the same figures on the
# dev sets within a point (needs-dev top-1 87.6 both, own dev 84.6 -> 85.1); the floor is the former 8
# divided by k1 + 1, which Lucene's variant leaves out.
OTHER_LANGUAGE_FACTOR = 0.85  # a match in the other language counts a bit less (mixed speech is common)
PHRASE_BONUS = 2.5

# Fusion (tuned on needs-dev and the dev part of tests/data/needs_eval.jsonl; see bench/needs_eval.py).
# Whole-text queries beat per-sentence ones, and keyword documents added nothing to the dense side
# (they stay in the lexical one), so the dense side embeds titles, descriptions, synonyms and phrasings.
DENSE_KEYWORDS = False
DENSE_DESCRIPTIONS = True
# Chosen on the dev sets only (own dev + needs-dev, bench/needs_eval.py): together they moved top-1 by 5-8 points
# there, and the neighbouring values (penalty 0.02-0.05, k 3-8, weight 0.3-0.5) measured the same within noise.
SECONDARY_PENALTY = 0.04  # a phrasing counts this much less for the 2nd, 3rd... category it lists
TOP_K, TOP_WEIGHT = 5, 0.3  # a category = 0.7 * its best document + 0.3 * the mean of its 5 best
LEXICAL_WEIGHT = 0.1  # the best lexical category gets this much on top of its cosine
LEXICAL_FLOOR = 3.6  # lexical scores are divided by max(best, this)
# Measured on the dev sets: 4-grams at 0.03-0.15 all helped (Dutch top-1 +3 to +4 points), 0.2 less;
# 3- and 5-grams the same within noise; descriptions in the n-gram documents added nothing.
CHAR_NGRAM = 4
CHAR_WEIGHT = 0.1  # the best n-gram category gets this much on top
# why a floor (about the median best n-gram score of a real need): a few stray n-grams shared with
# small talk or code ("SELECT ... patients") must not count as a full hit; without it one more of
# bench/needs_eval.py's non-needs reached NEED_THRESHOLD. Dev cost: half a point of top-3. (It was 60 with
# the former BM25, whose scores were k1 + 1 = 2.2 times Lucene's.)
CHAR_FLOOR = 27.3  # n-gram scores (Lucene BM25) are divided by max(best, this)
# The classifier (kb/classifier.py) orders the matches with the evidence: each category loses this much x (the
# classifier's best probability - its own). Dev sets, top-1 / top-3 needs-dev and own dev: 87.1 / 97.6 and
# 86.3 / 95.4 without it, 89.4 / 98.2 and 90.0 / 97.1 with it (with its first 14 texts per category: 2.0
# measured 87.6 / 98.2 and 85.9 / 97.1; softening the probabilities, temperature 2-3, undid the gain).
CLASSIFIER_WEIGHT = 1.0
ORGANISATIONS_WEIGHT = 0.0  # per log(1 + organisations offering the category): measured, did not help
PROFESSIONAL_PENALTY = 0.15
NOT_NEED_MARGIN = 0.05  # a text this much closer to a non-need than to every category is dropped
# Scores shown as 10 * fused - 1, so that 3.0 (fused 0.40) stays the need threshold of the dialogue.
SCORE_SCALE = 10.0
SCORE_OFFSET = -1.0
MIN_SCORE = 1.0  # below this a category is not even a candidate
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_VOWEL = re.compile(r"[aeiouy]")
_REPEATED = re.compile(r"(.{1,3})\1+.{0,2}")


@dataclass(frozen=True)
class CategoryMatch:
    id: int  # social.brussels category id
    name: str
    score: float
    matched: tuple[str, ...] = ()  # the citizen's words that made it match (for "why matched")
    # False when the second encoder (kb/reranking.py) would put another category first: then it is not sure
    second_opinion_agrees: bool = True


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
        self.ids = list(texts)
        field_docs: dict[str, list[list[str]]] = {f: [] for f in FIELD_WEIGHTS}
        for cid, fields in texts.items():
            for fname, parts in fields.items():
                terms: list[str] = []
                for text in parts:
                    stems = self.stems(text, correct=False)
                    terms += _terms(stems)
                    if fname == "synonyms" and len(stems) > 1:
                        self.phrases[tuple(stems)].add(cid)
                field_docs[fname].append(terms)
        # One BM25 (Lucene's, from bm25s) per field; a category's score is their weighted sum.
        self.fields = {fname: lucene_bm25(docs, K1, B) for fname, docs in field_docs.items()}
        for order, phrase in enumerate(self.phrases):
            self.phrases_by_first[phrase[0]].append((order, phrase))

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
        terms = sorted(set(_terms(stems)))
        if terms:
            total = sum(FIELD_WEIGHTS[f] * index.get_scores(terms) for f, index in self.fields.items())
            for row in np.flatnonzero(total):
                scores[self.ids[row]] = float(total[row])
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
        synonyms = _load_phrases(SYNONYMS, "synonyms")
        self.indexes = {lang: _LanguageIndex(lang, self.categories, synonyms[lang]) for lang in LANGS}
        documents = _dense_documents(self.categories)
        self.dense = DenseIndex(documents, TOP_K, TOP_WEIGHT)
        not_needs = _not_needs()
        self.not_needs = encode_cached(not_needs, "not_needs")
        ids = self.dense.category_ids
        self.classifier = classifier.build(self.dense.doc_ids, self.dense.matrix, self.not_needs)
        self.position = {int(cid): i for i, cid in enumerate(ids)}
        self._classifier_shift = classifier.CategoryShift(self.classifier, ids)
        self.reranker = Reranker(documents, not_needs, ids, TOP_K, TOP_WEIGHT)
        phrasings = _load_phrases(PHRASINGS, "phrasings")
        self.char_indexes = {
            lang: CharNgramIndex(
                {int(cid): _category_texts(self.categories[int(cid)], lang, synonyms, phrasings) for cid in ids},
                CHAR_NGRAM,
            )
            for lang in SUPPORTED_LANGS
        }
        cats = [self.categories[int(cid)] for cid in ids]
        # why: professional categories (training, federations) are almost never a citizen's need, and
        # well-served categories are the ones people ask for most: both are priors, not evidence.
        self.prior = np.array(
            [
                ORGANISATIONS_WEIGHT * math.log1p(c.organisations_count) - PROFESSIONAL_PENALTY * c.for_professionals
                for c in cats
            ],
            dtype=np.float32,
        )

    def lexical_scores(self, text: str, lang: str) -> dict[int, float]:
        """BM25F over titles, keywords, descriptions and synonyms, in Dutch and French (best of both)."""
        total: dict[int, float] = defaultdict(float)
        for index_lang, index in self.indexes.items():
            other = self.indexes["fr" if index_lang == "nl" else "nl"].vocab
            stems = index.stems(text, correct=True, other=other)
            factor = 1.0 if lang in (index_lang, "en") else OTHER_LANGUAGE_FACTOR
            for cid, s in index.score(stems).items():
                total[cid] = max(total[cid], s * factor)
        return total

    def fused_scores(self, text: str, lang: str, dense: np.ndarray) -> np.ndarray:
        """Per category (self.dense.category_ids order): dense cosine + normalised lexical + priors."""
        scores = dense + self.prior
        lexical = self.lexical_scores(text, lang)
        if lexical:
            # why a floor: one weak lexical hit (a corrected typo, a stray word) must not count as a full one
            scale = LEXICAL_WEIGHT / max(max(lexical.values()), LEXICAL_FLOOR)
            for cid, s in lexical.items():
                scores[self.position[cid]] += s * scale
        if lang in self.char_indexes:
            grams = self.char_indexes[lang].scores(text)
            best = float(grams.max())
            if best > 0:
                scores += grams * (CHAR_WEIGHT / max(best, CHAR_FLOOR))
        return scores

    def classifier_shift(self, query: np.ndarray) -> np.ndarray:
        """Per category (self.dense.category_ids order), <= 0: CLASSIFIER_WEIGHT x (the classifier's best
        probability - this category's). Added to the evidence for the order only (see match)."""
        return CLASSIFIER_WEIGHT * self._classifier_shift(query)

    def _is_wordlike(self, word: str) -> bool:
        """A known word, or one that could be a word: keyboard mashing ("qsdfghjk", "jkljkl") is not, nor a
        number ("15" answering "how old?" matched categories for ages)."""
        if word.isdigit():
            return False
        if any(word in index.vocab.known for index in self.indexes.values()):
            return True
        return bool(_VOWEL.search(word)) and not _REPEATED.fullmatch(word)

    def query_text(self, text: str) -> str:
        """What is matched of a citizen's text (kb/need_query.py): the need, without what frames it."""
        return need_text(text)

    def match(self, text: str, lang: str, limit: int = 5, rerank: bool = True) -> list[CategoryMatch]:
        if lang not in SUPPORTED_LANGS:
            raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(SUPPORTED_LANGS)}")
        text = self.query_text(text)
        content = content_words(text, "nl" if lang == "nl" else "fr")
        if limit <= 0 or not any(self._is_wordlike(w) for w in content):
            return []
        query = _query_vector(text)
        # why: short small talk ("ok", "merci", "asdf") always lands near *some* category; a text closer to
        # a known non-need than to every category is not a need at all.
        dense, best = self.dense.scores(query)
        if float((self.not_needs @ query.T).max()) >= float(best.max()) + NOT_NEED_MARGIN:
            return []
        # The order weighs the classifier too; the score stays the evidence without it. So a category the
        # classifier prefers may come first with a lower score than the next: is_confident then asks back
        # (the two disagree), and small talk reaches NEED_THRESHOLD no more often than without a classifier.
        evidence = self.fused_scores(text, lang, dense)
        order_by = evidence + self.classifier_shift(query)
        second_best = None
        if rerank:  # the second encoder (kb/reranking.py) has its say in the order too, never in the scores
            second = self.reranker.shift(text)
            order_by, second_best = order_by + second, int(np.argmax(second))
        order = np.argsort(-order_by, kind="stable")[:limit]
        matched_words = tuple(content)[:8]
        out = []
        for i in order:
            score = float(evidence[i]) * SCORE_SCALE + SCORE_OFFSET
            if score < MIN_SCORE:
                continue
            cid = int(self.dense.category_ids[i])
            out.append(CategoryMatch(cid, self.categories[cid].title(lang), round(score, 3), matched_words,
                                     second_best is None or int(i) == second_best))
        return out


# A turn's texts (the need, then each of its clauses) encoded in one call to the encoder: half the CPU of
# one call per text. Kept for the next few matches only, in this process.
_RECENT_QUERIES = 64
_recent: dict[str, np.ndarray] = {}
_recent_lock = threading.Lock()


def prepare_queries(texts: list[str]) -> None:
    """Encode texts about to be matched (match_needs) in one call to the encoder."""
    prepared = [matcher().query_text(text) for text in texts]
    with _recent_lock:
        missing = [text for text in dict.fromkeys(prepared) if text and text not in _recent]
    if not missing:
        return
    vectors = encode(missing)
    with _recent_lock:
        _recent.update(zip(missing, vectors, strict=True))
        while len(_recent) > _RECENT_QUERIES:
            _recent.pop(next(iter(_recent)))


def _query_vector(text: str) -> np.ndarray:
    with _recent_lock:
        vector = _recent.get(text)
    return encode([text]) if vector is None else vector[None, :]


def _not_needs() -> list[str]:
    with NOT_NEEDS.open(encoding="utf-8") as fh:
        per_lang = yaml.safe_load(fh)["not_needs"]
    return [str(text) for lang in SUPPORTED_LANGS for text in per_lang.get(lang) or []]


def _dense_documents(cats: dict[int, Category]) -> list[tuple[int, str, float]]:
    """Short documents per category, with a penalty: titles, descriptions, our synonyms and phrasings."""
    docs: list[tuple[int, str, float]] = []
    for cid, cat in cats.items():
        docs += [(cid, cat.title_nl, 0.0), (cid, cat.title_fr, 0.0)]
        if DENSE_KEYWORDS:
            docs += [(cid, k, 0.0) for k in (*cat.keywords_nl, *cat.keywords_fr)]
        if DENSE_DESCRIPTIONS:
            docs += [(cid, _first_sentence(d), 0.0) for d in (cat.description_nl, cat.description_fr) if d]
    for path, key in ((SYNONYMS, "synonyms"), (PHRASINGS, "phrasings")):
        with path.open(encoding="utf-8") as fh:
            entries = yaml.safe_load(fh)[key] or []
        for entry in entries:
            for rank, cid in enumerate(entry["ids"]):
                if cid not in cats:
                    raise ValueError(f"{path.name}: unknown category id {cid}")
                penalty = SECONDARY_PENALTY if rank else 0.0
                docs += [(cid, str(p), penalty) for lang in SUPPORTED_LANGS for p in entry.get(lang) or []]
    return docs


def _first_sentence(text: str) -> str:
    return _SENTENCE.split(text, maxsplit=1)[0][:200]


def _category_texts(
    cat: Category, lang: str, synonyms: dict[str, dict[int, list[str]]], phrasings: dict[str, dict[int, list[str]]]
) -> list[str]:
    """Title, keywords, our synonyms and citizen phrasings of one category in one language.

    English has no taxonomy texts, only our synonyms and phrasings (measured: +5 points top-1 on the dev
    sets' English, where the n-grams of nl/fr texts would only add noise).
    """
    ours = [*synonyms[lang].get(cat.id, []), *phrasings[lang].get(cat.id, [])]
    if lang not in LANGS:
        return ours
    keywords = cat.keywords_nl if lang == "nl" else cat.keywords_fr
    return [cat.title(lang), *keywords, *ours]


def _load_phrases(path: Path, key: str) -> dict[str, dict[int, list[str]]]:
    """Per language (nl, fr, en), per category id: the phrases of `path` that list that category."""
    out: dict[str, dict[int, list[str]]] = {lang: defaultdict(list) for lang in SUPPORTED_LANGS}
    with path.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)[key]
    known = categories()
    for entry in entries:
        for cid in entry["ids"]:
            if cid not in known:
                raise ValueError(f"{path.name}: unknown category id {cid}")
            for lang in SUPPORTED_LANGS:
                out[lang][cid].extend(entry.get(lang) or [])
    return out


@lru_cache(maxsize=1)
def matcher() -> NeedMatcher:
    return NeedMatcher()


def match_needs(text: str, lang: str, limit: int = 5, rerank: bool = True) -> list[CategoryMatch]:
    """The categories that best answer a citizen's need, best first (empty when nothing fits). Without
    `rerank`, the second encoder's opinion on the order is left out (about 15 ms less per short text)."""
    return matcher().match(text, lang, limit, rerank)


# The dialogue's contract with the matcher (dialogue/intake.py): match_needs, NEED_THRESHOLD, is_confident.
# Tuned on needs-dev + own dev: when confident, the top-1 was right about 9 times out of 10; when not, the
# answer was in the top 3 about 9 times out of 10 too (bench/needs_eval.py prints the current figures).
NEED_THRESHOLD = 3.0  # a match scoring below this is a guess, not a need
CONFIDENT_SCORE = 5.0  # the best match must score at least this ...
CONFIDENT_MARGIN = 0.5  # ... and lead the runner-up by at least this much


def is_confident(matches: list[CategoryMatch]) -> bool:
    """True when the best match is sure enough to search on without asking the citizen back."""
    if not matches or matches[0].score < max(NEED_THRESHOLD, CONFIDENT_SCORE) or not matches[0].second_opinion_agrees:
        return False
    # why the best score of the others, not the next one's: the classifiers and the second encoder reorder the
    # matches, and a category they put lower may still have as much evidence as the first
    return len(matches) == 1 or matches[0].score - max(m.score for m in matches[1:]) >= CONFIDENT_MARGIN
