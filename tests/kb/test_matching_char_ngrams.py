"""Character n-gram ranking in need matching (kb/text.py CharNgramIndex, used by kb/matching.py).

Checked against a plain loop of Lucene's BM25 over the same n-grams (what we ask of bm25s), and on the
matcher's real category texts for what n-grams are there for: Dutch compounds and inflections that whole-word
stems do not join.
"""

import math
from collections import Counter

import numpy as np
import pytest

from kb.matching import CHAR_NGRAM, SUPPORTED_LANGS, matcher
from kb.text import CharNgramIndex, char_ngrams

DOCS = {
    10: ["thuisverpleging", "een verpleegkundige aan huis"],
    20: ["schuldbemiddeling", "ik kan mijn rekeningen niet betalen"],
    30: ["voedselpakket", "een pakket eten voor mijn gezin"],
}


def test_ngrams_mark_word_edges_and_skip_stop_words():
    assert char_ngrams("de kind", 4) == ["<kin", "kind", "ind>"]
    assert char_ngrams("le la de het", 4) == []
    assert char_ngrams("ok", 4) == ["<ok>"]  # a word shorter than n is one n-gram


def _plain_bm25(docs: dict[int, list[str]], query: str, n: int, k1: float = 1.2, b: float = 0.75) -> list[float]:
    counters = {key: Counter(g for t in texts for g in char_ngrams(t, n)) for key, texts in docs.items()}
    avg = sum(sum(c.values()) for c in counters.values()) / len(counters)
    out = []
    for counter in counters.values():
        norm = 1 - b + b * sum(counter.values()) / avg
        total = 0.0
        for gram in set(char_ngrams(query, n)):
            if gram in counter:
                df = sum(gram in c for c in counters.values())
                idf = math.log(1 + (len(counters) - df + 0.5) / (df + 0.5))
                tf = counter[gram]
                total += idf * tf / (tf + k1 * norm)
        out.append(total)
    return out


@pytest.mark.parametrize("query", ["verpleging aan huis", "schulden", "pakketje eten", "niets gemeen", "zzz"])
def test_scores_are_plain_bm25_over_ngrams(query):
    index = CharNgramIndex(DOCS, n=4)
    assert index.keys == [10, 20, 30]
    np.testing.assert_allclose(index.scores(query), _plain_bm25(DOCS, query, 4), rtol=1e-5)


def test_inflections_and_compound_parts_reach_their_document():
    index = CharNgramIndex(DOCS, n=4)
    assert int(np.argmax(index.scores("verpleging"))) == 0  # a part of "thuisverpleging"
    assert int(np.argmax(index.scores("schulden"))) == 1  # "schuld..." without the same stem
    assert not index.scores("xyzw").any()


def test_the_matcher_has_one_ngram_index_per_language_over_every_category():
    m = matcher()
    assert set(m.char_indexes) == set(SUPPORTED_LANGS)
    for index in m.char_indexes.values():
        assert index.n == CHAR_NGRAM
        assert index.keys == [int(c) for c in m.dense.category_ids]  # aligned with the fused score vector


def test_a_dutch_compound_shares_ngrams_with_the_category_title_it_contains():
    m = matcher()
    scores = m.char_indexes["nl"].scores("schuldbemiddelaar")
    best = m.categories[m.char_indexes["nl"].keys[int(np.argmax(scores))]]
    assert "schuld" in best.title_nl.lower()
