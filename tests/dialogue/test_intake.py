"""dialogue.intake: the parts of the intake that do not need a model."""

import pytest

from dialogue.intake import age_band


@pytest.mark.parametrize("age, band", [
    (17, "0-17"), (17.0, "0-17"), ("17", "0-17"), (" 78 ", "65-79"), ("44,0", "30-44"), (80, "80+"),
    (None, None), ("", None), ("zeventien", None), (-3, None), (400, None),
])
def test_age_band_takes_a_number_or_the_entity_text(age, band):
    assert age_band(age) == band
