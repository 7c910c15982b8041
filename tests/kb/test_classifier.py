"""The need classifier (kb/classifier.py): its examples, its cache, and how it enters the fused score."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from kb import classifier, matching, semantic
from kb.matching import matcher
from kb.taxonomy import categories

EVAL = Path(__file__).resolve().parents[1] / "data" / "needs_eval.jsonl"


def test_category_phrasings_cover_every_category_meant_for_citizens_in_three_languages():
    with classifier.EXAMPLES.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh)["phrasings"]
    known = categories()
    covered = {cid for entry in entries for cid in entry["ids"]}
    asked = {c.id for c in known.values() if not c.for_professionals and c.organisations_count >= 8}
    skipped = {int(line.split()[2].rstrip(":")) for line in classifier.EXAMPLES.read_text().splitlines()
               if line.startswith("# skipped ")}
    assert asked - skipped <= covered <= set(known)
    assert all(entry[lang] and all(t.strip() for t in entry[lang]) for entry in entries for lang in classifier.LANGS)
    per_category = {cid: sum(len(e[lang]) for e in entries if cid in e["ids"] for lang in classifier.LANGS)
                    for cid in covered}
    assert min(per_category.values()) >= 9


def test_no_evaluation_phrasing_is_a_training_example():
    texts = {json.loads(line)["text"].casefold() for line in EVAL.read_text(encoding="utf-8").splitlines()}
    assert not texts & {text.casefold() for _, text in classifier.category_examples()}


def test_an_unknown_category_is_refused(tmp_path):
    path = tmp_path / "examples.yaml"
    path.write_text("phrasings:\n  - ids: [99999]\n    nl: [iets]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="99999"):
        classifier.category_examples(path)


def test_the_fitted_weights_come_back_the_same_from_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "CACHE_DIR", tmp_path)
    texts = ["een rusthuis voor mijn moeder", "une maison de repos pour papa", "a care home for my father",
             "ik heb schulden", "j'ai des dettes", "I am in debt", "hallo", "bonjour", "hello"]
    labels = np.array([49, 49, 49, 458, 458, 458, classifier.NOT_A_NEED, classifier.NOT_A_NEED,
                       classifier.NOT_A_NEED])
    vectors = semantic.encode(texts)
    first = classifier.CategoryClassifier(labels, vectors)
    assert list(first.classes) == [classifier.NOT_A_NEED, 49, 458]
    query = semantic.encode(["de deurwaarder komt want ik kan mijn schulden niet betalen"])
    assert first.classes[first.probabilities(query).argmax()] == 458
    (cache,) = tmp_path.glob("category_classifier-*.npz")

    def no_fit(*_args):
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(classifier, "_fit", no_fit)
    again = classifier.CategoryClassifier(labels, vectors)
    np.testing.assert_array_equal(again.probabilities(query), first.probabilities(query))
    cache.write_bytes(b"broken")  # a damaged cache is fitted again, not trusted
    with pytest.raises(AssertionError, match="cache"):
        classifier.CategoryClassifier(labels, vectors)


@pytest.mark.parametrize(("text", "lang"), [
    ("mijn moeder kan zich niet meer alleen wassen", "nl"),
    ("je n'arrive plus à payer mon loyer", "fr"),
    ("wat eten we vanavond", "nl"),
    ("I need a lawyer for my divorce", "en"),
])
def test_the_classifier_orders_the_matches_and_their_scores_stay_the_evidence(text, lang):
    m = matcher()
    query = semantic.encode([m.query_text(text)])
    shift = m.classifier_shift(query)
    assert np.all(shift <= 0) and shift.min() < 0 and np.isclose(shift.max(), 0)
    dense, _ = m.dense.scores(query)
    evidence = m.fused_scores(m.query_text(text), lang, dense)
    second = m.reranker.shift(m.query_text(text))
    found = m.match(text, lang, limit=5)
    position = {int(cid): i for i, cid in enumerate(m.dense.category_ids)}
    ranked = [evidence[position[c.id]] + shift[position[c.id]] + second[position[c.id]] for c in found]
    assert ranked == sorted(ranked, reverse=True)  # the order: evidence, classifier and the second encoder
    for c in found:  # the score: the evidence alone (so NEED_THRESHOLD means what it meant)
        assert c.score == pytest.approx(float(evidence[position[c.id]]) * matching.SCORE_SCALE + matching.SCORE_OFFSET,
                                        abs=1e-3)


def test_a_match_the_classifier_puts_first_against_the_evidence_is_not_confident():
    def m(cid: int, score: float) -> matching.CategoryMatch:
        return matching.CategoryMatch(cid, str(cid), score)

    assert not matching.is_confident([m(1, 6.0), m(2, 7.5)])
