"""Need matching against the labelled evaluation sets (floors set at what the matcher reaches)."""

from pathlib import Path

import pytest
import yaml

from kb.matching import CategoryMatch, match_needs
from kb.taxonomy import categories

DATA = Path(__file__).parent / "data"
# Floors: measured figures minus a small margin (see bench/needs_eval.py for the numbers).
FLOORS = {
    "needs_eval.yaml": {"top1": 0.82, "top3": 0.90},
    "needs_eval_heldout.yaml": {"top1": 0.75, "top3": 0.90},
}


def _items(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["items"]


def test_evaluation_sets_are_big_enough_and_labelled_with_real_categories():
    known = categories()
    all_items = _items("needs_eval.yaml") + _items("needs_eval_heldout.yaml")
    for lang in ("nl", "fr"):
        assert sum(1 for i in all_items if i["lang"] == lang) >= 100
    for item in all_items:
        assert item["ok"] and all(cid in known for cid in item["ok"]), item


@pytest.mark.parametrize("name", sorted(FLOORS))
@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_matching_reaches_its_floor(name, lang):
    items = [i for i in _items(name) if i["lang"] == lang]
    top1 = top3 = 0
    for item in items:
        ids = [c.id for c in match_needs(item["text"], lang, limit=3)]
        top1 += bool(ids) and ids[0] in item["ok"]
        top3 += bool(set(ids) & set(item["ok"]))
    assert top1 / len(items) >= FLOORS[name]["top1"]
    assert top3 / len(items) >= FLOORS[name]["top3"]


def test_match_shape_names_and_languages():
    nl = match_needs("thuisverpleging", "nl")
    fr = match_needs("soins infirmiers à domicile", "fr")
    assert isinstance(nl[0], CategoryMatch) and nl[0].id == 346 and nl[0].name == "Thuisverpleging"
    assert fr[0].id == 346 and fr[0].name == "Soins infirmiers à domicile"
    en = match_needs("thuisverpleging", "en")
    assert en[0].id == 346 and "Thuisverpleging" in en[0].name and "domicile" in en[0].name
    assert [c.score for c in nl] == sorted((c.score for c in nl), reverse=True)
    assert len(match_needs("schulden", "nl", limit=2)) <= 2


def test_mixed_language_and_typos():
    assert match_needs("ik zoek een aide familiale", "nl")[0].id in (35, 62)
    assert match_needs("thuisverpleeging", "nl")[0].id == 346
    assert match_needs("infirmiere a domicile", "fr")[0].id == 346


def test_nonsense_and_empty_give_nothing():
    assert match_needs("qsdfghjk", "nl") == []
    assert match_needs("", "fr") == []
    assert match_needs("bonjour merci", "fr") == []


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        match_needs("schulden", "de")
