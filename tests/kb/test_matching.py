"""Need matching: what the product guarantees (contract, languages, non-needs, limits, cache).

Quality figures (top-1/top-3 per language on sets the team did not tune on) are measured by
bench/needs_eval.py, not asserted here: a model's guess on arbitrary input is not a guarantee.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from kb import semantic
from kb.matching import NEED_THRESHOLD, CategoryMatch, is_confident, match_needs, matcher
from kb.taxonomy import categories

EVAL = Path(__file__).resolve().parents[1] / "data" / "needs_eval.jsonl"

NON_NEEDS = [
    ("", "nl"),
    ("   ", "fr"),
    ("qsdfghjk", "nl"),
    ("hallo", "nl"),
    ("bonjour merci", "fr"),
    ("<script>alert(1)</script>", "en"),
    ("'; DROP TABLE users; --", "en"),
    ("what's the weather tomorrow", "en"),
]


@pytest.mark.parametrize(("text", "lang"), NON_NEEDS)
def test_non_needs_are_not_needs(text, lang):
    matches = match_needs(text, lang)
    assert all(m.score < NEED_THRESHOLD for m in matches)
    assert not is_confident(matches)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [  # the categories' own titles and our synonyms: guaranteed by construction, in each language
        ("thuisverpleging", "nl", 346),
        ("soins infirmiers à domicile", "fr", 346),
        ("schuldbemiddeling", "nl", 458),
        ("médiation de dettes", "fr", 458),
        ("voedselpakket", "nl", 453),
        ("colis alimentaire", "fr", 453),
        ("taxicheques", "nl", 33),
    ],
)
def test_titles_and_synonyms_rank_their_category_in_the_top_three(text, lang, expected):
    assert expected in [m.id for m in match_needs(text, lang, limit=3)]


def test_english_is_supported_and_named_in_both_languages():
    matches = match_needs("home nursing", "en", limit=3)
    assert matches and all(isinstance(m, CategoryMatch) for m in matches)
    cat = categories()[matches[0].id]
    assert matches[0].name == cat.title("en")


def test_names_follow_the_citizens_language():
    nl = match_needs("thuisverpleging", "nl", limit=1)[0]
    fr = match_needs("thuisverpleging", "fr", limit=1)[0]
    assert nl.id == fr.id
    assert nl.name == categories()[nl.id].title_nl
    assert fr.name == categories()[fr.id].title_fr


def test_best_first_limit_and_ids_are_real_categories():
    # best first by the order (evidence, classifier, second encoder: tests/kb/test_classifier.py), which is
    # not always the scores' order: a limit only cuts it
    known = categories()
    longest = match_needs("ik heb schulden en kan mijn huur niet betalen", "nl", limit=5)
    for limit in (1, 2, 5):
        matches = match_needs("ik heb schulden en kan mijn huur niet betalen", "nl", limit=limit)
        assert 1 <= len(matches) <= limit and matches == longest[:limit]
        assert all(m.id in known for m in matches)
        assert len({m.id for m in matches}) == len(matches)
    assert match_needs("schulden", "nl", limit=0) == []


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        match_needs("schulden", "de")
    with pytest.raises(ValueError):
        match_needs("schulden", "")


def test_very_long_text_is_cut_not_refused():
    matches = match_needs("ik zoek hulp bij mijn schulden. " * 200, "nl", limit=3)
    assert matches and matches[0].score >= NEED_THRESHOLD


def test_is_confident_contract():
    def m(cid: int, score: float) -> CategoryMatch:
        return CategoryMatch(cid, str(cid), score)

    strong = NEED_THRESHOLD + 5
    assert not is_confident([])
    assert not is_confident([m(1, NEED_THRESHOLD - 0.01)])
    assert is_confident([m(1, strong)])
    assert not is_confident([m(1, strong), m(2, strong - 0.01)])  # a close runner-up: ask back
    assert is_confident([m(1, strong), m(2, NEED_THRESHOLD - 1)])
    # the order is not the scores': a category put third with as much evidence is a close runner-up too
    assert not is_confident([m(1, strong), m(2, NEED_THRESHOLD - 1), m(3, strong)])
    # the second encoder would have put another category first: not sure
    assert not is_confident([CategoryMatch(1, "1", strong, second_opinion_agrees=False)])


def test_document_embeddings_come_back_the_same_from_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "CACHE_DIR", tmp_path)
    texts = ["thuisverpleging", "aide familiale", "food bank"]
    first = semantic.encode_cached(texts, "test")
    assert first.shape == (3, 512) and first.dtype == np.float32
    np.testing.assert_allclose(first, semantic.encode(texts), atol=1e-5)
    (cache,) = tmp_path.glob("*.npz")

    def no_encoding(_texts, _which=semantic.USE):
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(semantic, "encode", no_encoding)
    np.testing.assert_array_equal(semantic.encode_cached(list(reversed(texts)), "test"), first[::-1])

    encoded: list[list[str]] = []
    monkeypatch.setattr(semantic, "encode",
                        lambda new, _which=semantic.USE: encoded.append(new) or np.ones((len(new), 512), np.float32))
    semantic.encode_cached([*texts, "schulden"], "test")  # only the new text is encoded
    assert encoded == [["schulden"]]
    cache.write_bytes(b"broken")  # a damaged cache file is re-made, not trusted
    semantic.encode_cached(texts, "test")
    assert encoded[-1] == texts


def test_matcher_is_built_once_per_process():
    assert matcher() is matcher()


def test_own_evaluation_set_is_well_formed():
    known = categories()
    items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) >= 300
    assert {i["lang"] for i in items} == {"nl", "fr", "en"}
    assert {i["split"] for i in items} == {"dev", "test"}
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert item["text"].strip() and item["accept"] and all(cid in known for cid in item["accept"]), item
