"""The dense category index (kb/semantic.py): per-category scoring from document cosines.

The index is checked against a plain per-category loop over the real encoder's cosines, so the
vectorised top-k and the penalties are what they claim to be; no model guess is asserted.
"""

import numpy as np
import pytest

from kb import semantic
from kb.matching import SECONDARY_PENALTY, matcher
from kb.semantic import DenseIndex, encode

DOCS = [
    (1, "thuisverpleging", 0.0),
    (1, "een verpleegkundige aan huis", 0.0),
    (1, "wondzorg na een operatie", 0.0),
    (2, "schuldbemiddeling", 0.0),
    (2, "ik kan mijn rekeningen niet betalen", 0.0),
    (3, "voedselpakket", 0.0),
    (3, "thuisverpleging", 0.05),  # shared with category 1, listed second there
]
QUERIES = ["een verpleegster die thuis komt", "de deurwaarder staat aan de deur", "we hebben niets te eten"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "CACHE_DIR", tmp_path)  # why: never rewrite the real document cache


def _reference(docs, query, top_k, top_weight):
    """Per category id: (1 - w) * best + w * mean of the top_k best penalised cosines, by a plain loop."""
    vectors = encode([text for _, text, _ in docs])
    q = encode([query])[0]
    per_cat: dict[int, list[float]] = {}
    for (cid, _, penalty), v in zip(docs, vectors, strict=True):
        per_cat.setdefault(cid, []).append(float(v @ q) - penalty)
    out = {}
    for cid, sims in per_cat.items():
        top = sorted(sims, reverse=True)[:top_k]
        out[cid] = (1 - top_weight) * top[0] + top_weight * sum(top) / len(top)
    return out


@pytest.mark.parametrize(("top_k", "top_weight"), [(1, 0.0), (2, 0.3), (5, 0.5)])
@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_a_plain_per_category_loop(cache, query, top_k, top_weight):
    index = DenseIndex(DOCS, top_k, top_weight, cache="test_docs")
    blended, best = index.scores(encode([query]))
    expected = _reference(DOCS, query, top_k, top_weight)
    assert index.category_ids.tolist() == [1, 2, 3]
    np.testing.assert_allclose(blended, [expected[c] for c in (1, 2, 3)], atol=1e-5)
    best_only = _reference(DOCS, query, 1, 0.0)
    np.testing.assert_allclose(best, [best_only[c] for c in (1, 2, 3)], atol=1e-5)


def test_a_shared_document_counts_less_where_it_carries_a_penalty(cache):
    index = DenseIndex([(1, "thuisverpleging", 0.0), (2, "thuisverpleging", 0.05)], cache="test_docs")
    _, best = index.scores(encode(["thuisverpleging"]))
    assert best[0] - best[1] == pytest.approx(0.05, abs=1e-5)


def test_a_document_listed_twice_for_one_category_keeps_its_smallest_penalty(cache):
    docs = [(1, "voedselpakket", 0.05), (1, "voedselpakket ", 0.0), (2, "schulden", 0.0)]
    index = DenseIndex(docs, cache="test_docs")
    assert index.texts == ["voedselpakket", "schulden"]
    assert index.penalties.tolist() == [0.0, 0.0]


def test_the_matcher_penalises_only_the_categories_listed_after_the_first():
    dense = matcher().dense
    ids = dense.doc_ids.tolist()
    # "aide familiale" is a synonym of [35, 62] in kb/data/need_synonyms.yaml: main category 35, then 62
    rows = {ids[i]: dense.penalties[i] for i, text in enumerate(dense.texts) if text == "aide familiale"}
    assert rows[35] == 0.0
    assert rows[62] == pytest.approx(SECONDARY_PENALTY)
