"""A linear classifier over sentence embeddings: a citizen's text -> a probability per category.

Why beside the nearest-document vote of kb/semantic.py: that vote is won by whichever single document is
closest, so every phrasing added for a rare category is one more chance to take a text that only shares its
setting ("my son of 15", "we just arrived"). Measured on the dev sets: 918 per-category phrasings added as
documents cost needs-dev 13 points of top-1. A logistic regression weighs all examples of a category against
all the others and learns which directions tell them apart, so the same phrasings help instead (figures in
kb/matching.py).

Examples: every document of the dense index (titles, descriptions, synonyms, phrasings) with its category,
plus kb/data/category_phrasings.yaml (for every category meant for citizens, 20 texts: three phrasings per
language, five messages that tell a situation, six chat messages as typed on a phone; used only here), plus
kb/data/not_needs.yaml as one more class, NOT_A_NEED: small talk then puts its probability there instead of
on some category. The fitted weights are cached on disk (var/cache/) under a digest of the examples and the
settings, so a process fits only when the data changed (about 30 s of CPU).
"""

import hashlib
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

from kb import array_cache, semantic
from kb.taxonomy import categories

EXAMPLES = Path(__file__).parent / "data" / "category_phrasings.yaml"
LANGS = ("nl", "fr", "en")
# Inverse regularisation, chosen on the dev sets: C = 0.5, 1, 2, 4, 8, 16 gave needs-dev top-1 87.1, 88.8, 89.4,
# 88.8, 87.6, 85.9 and own dev 88.0, 89.2, 90.0, 89.6, 88.4, 87.1.
C = 2.0
MAX_ITER = 1000
NOT_A_NEED = -1  # the class of small talk, tests and junk (no category has a negative id)


def category_examples(path: Path = EXAMPLES) -> list[tuple[int, str]]:
    """(category id, phrasing) for every phrasing of the file, for each category it lists."""
    with path.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)["phrasings"] or []
    known = categories()
    unknown = sorted({cid for entry in entries for cid in entry["ids"] if cid not in known})
    if unknown:
        raise ValueError(f"{path.name}: unknown category ids {unknown}")
    return [(int(cid), str(text)) for entry in entries for cid in entry["ids"] for lang in LANGS
            for text in entry.get(lang) or []]


class CategoryClassifier:
    """Multinomial logistic regression from unit sentence vectors to category ids."""

    def __init__(self, labels: np.ndarray, vectors: np.ndarray, which: str = semantic.USE, c: float = C) -> None:
        path = self._cache_path(labels, vectors, which, c)
        weights = _read(path, vectors.shape[1])
        if weights is None:
            weights = _fit(labels, vectors, c)
            _write(path, weights)
        self.classes, self.coef, self.intercept = weights

    @staticmethod
    def _cache_path(labels: np.ndarray, vectors: np.ndarray, which: str, c: float) -> Path:
        digest = hashlib.sha256()
        for part in (semantic.encoder_version(which), _sklearn_version(), f"C={c}", labels.astype(np.int64).tobytes(),
                     np.ascontiguousarray(vectors, dtype=np.float32).tobytes()):
            digest.update(part if isinstance(part, bytes) else part.encode())
        return semantic.CACHE_DIR / f"category_classifier-{digest.hexdigest()[:16]}.npz"

    def probabilities(self, query_vectors: np.ndarray) -> np.ndarray:
        """(queries, classes) probabilities, classes in self.classes order."""
        logits = query_vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


class CategoryShift:
    """A classifier's say in the order of an index's categories: per category (in `category_ids` order), its
    probability minus the best category's, so <= 0 (0 also for a category the classifier does not know)."""

    def __init__(self, model: CategoryClassifier, category_ids: np.ndarray) -> None:
        self.model, self.size = model, len(category_ids)
        position = {int(cid): i for i, cid in enumerate(category_ids)}
        # why: the classifier's columns are in its own order, and one of them is "not a need"
        self.columns = np.flatnonzero(model.classes != NOT_A_NEED)
        self.positions = np.array([position[int(c)] for c in model.classes[self.columns]])

    def __call__(self, query_vector: np.ndarray) -> np.ndarray:
        shift = np.zeros(self.size, dtype=np.float32)
        probabilities = self.model.probabilities(query_vector)[0][self.columns]
        shift[self.positions] = probabilities - probabilities.max()
        return shift


def build(doc_ids: np.ndarray, doc_vectors: np.ndarray, not_needs: np.ndarray, which: str = semantic.USE,
          c: float = C) -> CategoryClassifier:
    """The classifier of the dense index's documents, kb/data/category_phrasings.yaml and the non-needs, over
    the vectors of the encoder `which` (the documents' and the non-needs' must come from it too)."""
    extra = category_examples()
    vectors = semantic.encode_cached([text for _, text in extra], "category_phrasings", which)
    labels = np.concatenate([doc_ids, np.array([cid for cid, _ in extra], dtype=np.int64),
                             np.full(len(not_needs), NOT_A_NEED, dtype=np.int64)])
    return CategoryClassifier(labels, np.vstack([doc_vectors, vectors, not_needs]), which, c)


def _fit(labels: np.ndarray, vectors: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression  # why here: only a process without a cache fits

    model = LogisticRegression(C=c, max_iter=MAX_ITER).fit(vectors, labels)
    return (model.classes_.astype(np.int64), model.coef_.astype(np.float32), model.intercept_.astype(np.float32))


def _sklearn_version() -> str:
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "scikit-learn"


def _read(path: Path, dimensions: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    arrays = array_cache.read(path, ("classes", "coef", "intercept"))
    if arrays is None:
        return None  # why: no cache yet, or a damaged one: fit again rather than trust it
    classes, coef, intercept = arrays["classes"], arrays["coef"], arrays["intercept"]
    if coef.shape != (len(classes), dimensions) or intercept.shape != (len(classes),):
        return None
    return classes, coef, intercept


def _write(path: Path, weights: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    classes, coef, intercept = weights
    array_cache.write(path, classes=classes, coef=coef, intercept=intercept)
