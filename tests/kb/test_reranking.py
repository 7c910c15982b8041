"""The second encoder's say in the order of the matches (kb/reranking.py), with the real e5 model."""

import numpy as np
import pytest

from kb import semantic
from kb.matching import is_confident, match_needs, matcher
from kb.reranking import Reranker


def test_e5_vectors_are_unit_rows_of_384_and_close_for_the_same_need_across_languages():
    vectors = semantic.encode(["ik heb schulden", "j'ai des dettes", "mijn fiets is gestolen"], semantic.E5)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.parametrize(("text", "lang"), [("mijn moeder kan zich niet meer alleen wassen", "nl"),
                                            ("I can't pay my rent anymore", "en")])
def test_the_shift_only_ever_lowers_a_category(text, lang):
    # its kNN vote and its classifier each give 0 to their favourite and less to every other category
    shift = matcher().reranker.shift(matcher().query_text(text))
    assert shift.shape == matcher().dense.category_ids.shape
    assert np.all(shift <= 0) and shift.max() - shift.min() > 0.5


def test_a_match_is_sure_only_when_the_second_encoder_puts_it_first_too():
    matches = match_needs("ik heb schulden bij de energieleverancier en de deurwaarder komt", "nl")
    shift = matcher().reranker.shift(matcher().query_text("ik heb schulden bij de energieleverancier en de "
                                                          "deurwaarder komt"))
    favourite = int(matcher().dense.category_ids[int(np.argmax(shift))])
    assert matches[0].second_opinion_agrees == (matches[0].id == favourite)
    if not matches[0].second_opinion_agrees:
        assert not is_confident(matches)


def test_without_rerank_nothing_is_asked_of_the_second_encoder(monkeypatch):
    def no_second_opinion(_text):
        raise AssertionError("the second encoder was asked")

    monkeypatch.setattr(matcher().reranker, "shift", no_second_opinion)
    assert match_needs("ik zoek een huisarts", "nl", rerank=False)
    with pytest.raises(AssertionError, match="second encoder"):
        match_needs("ik zoek een huisarts", "nl")


def test_the_reranker_refuses_categories_other_than_the_matcher_s(tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "CACHE_DIR", tmp_path)  # why: never rewrite the real caches
    documents = [(1, "thuisverpleging", 0.0), (2, "schuldbemiddeling", 0.0)]
    with pytest.raises(ValueError, match="same order"):
        Reranker(documents, ["hallo"], np.array([2, 1]), 1, 0.0, cache="test_docs")
