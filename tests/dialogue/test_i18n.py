"""One catalog per language, complete: every text exists in Dutch, French and English."""

import re

import yaml

from dialogue import i18n
from scripts.build_domain import build_responses

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _texts(entry) -> list[str]:
    if isinstance(entry, dict):
        return [entry["text"], *[b["title"] for b in entry.get("buttons", [])]]
    return [entry]


def test_every_language_has_every_text_and_no_empty_one():
    catalogs = i18n.catalogs()  # raises CatalogError when keys differ between languages
    for lang, catalog in catalogs.items():
        for key, entry in catalog.items():
            assert all(t and t.strip() for t in _texts(entry)), f"{lang}.yml: {key} is empty"


def test_placeholders_are_the_same_in_every_language():
    catalogs = i18n.catalogs()
    for key, entry in catalogs["nl"].items():
        expected = set(PLACEHOLDER.findall(" ".join(_texts(entry))))
        for lang in ("fr", "en"):
            found = set(PLACEHOLDER.findall(" ".join(_texts(catalogs[lang][key]))))
            assert found == expected, f"{lang}.yml: {key} has placeholders {found}, nl.yml has {expected}"


def test_missing_key_in_a_language_is_reported(tmp_path, monkeypatch):
    for lang in i18n.LANGUAGES:
        catalog = yaml.safe_load((i18n.CATALOG_DIR / f"{lang}.yml").read_text())
        if lang == "fr":
            catalog.pop("utter_greet")
        (tmp_path / f"{lang}.yml").write_text(yaml.safe_dump(catalog, allow_unicode=True))
    monkeypatch.setattr(i18n, "CATALOG_DIR", tmp_path)
    i18n.catalogs.cache_clear()
    try:
        try:
            i18n.catalogs()
        except i18n.CatalogError as error:
            assert "fr.yml" in str(error) and "utter_greet" in str(error)
        else:
            raise AssertionError("a missing French text was not reported")
    finally:
        i18n.catalogs.cache_clear()


def test_generated_responses_have_a_variation_per_language():
    responses = build_responses()["responses"]
    assert set(responses) == {k for k in i18n.catalogs()["nl"] if k.startswith("utter_")}
    for name, variations in responses.items():
        conditions = [v["condition"][0]["value"] for v in variations if "condition" in v]
        assert sorted(conditions) == ["en", "fr"], name
        assert variations[-1]["text"] == _texts(i18n.catalogs()["nl"][name])[0]


def test_text_falls_back_to_dutch_for_unknown_language():
    assert i18n.text("utter_greet", "de") == i18n.text("utter_greet", "nl")
