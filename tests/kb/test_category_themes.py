"""The themes asked after "something else" (kb/data/category_themes.yaml): every category has one, and a
category meant for workers only is never under a theme a citizen can choose."""

import pytest
import yaml

from kb import taxonomy
from kb.taxonomy import CITIZEN_THEMES, PROFESSIONAL_THEME, categories, category_themes


def test_every_category_has_a_theme_and_every_citizen_theme_has_categories():
    themes = category_themes()
    assert set(themes) == set(categories())
    for theme in CITIZEN_THEMES:
        assert sum(theme in names for names in themes.values()) >= 10, theme


def test_categories_for_workers_only_are_never_offered_to_a_citizen():
    themes = category_themes()
    assert all(names == {PROFESSIONAL_THEME} for names in themes.values() if PROFESSIONAL_THEME in names)
    # the matcher's own list of categories for professionals agrees with the file
    flagged = [c.id for c in categories().values() if c.for_professionals]
    assert sum(PROFESSIONAL_THEME in themes[cid] for cid in flagged) >= 0.8 * len(flagged)


@pytest.mark.parametrize(("content", "error"), [
    ({"health": [35], "hobbies": [62]}, "unknown themes"),
    ({"health": [35, 999999]}, "categories without a theme"),
])
def test_a_wrong_theme_file_is_refused_with_what_is_wrong(tmp_path, monkeypatch, content, error):
    path = tmp_path / "themes.yaml"
    path.write_text(yaml.safe_dump(content))
    monkeypatch.setattr(taxonomy, "THEMES_DATA", path)
    category_themes.cache_clear()
    try:
        with pytest.raises(ValueError, match=error):
            category_themes()
    finally:
        category_themes.cache_clear()
