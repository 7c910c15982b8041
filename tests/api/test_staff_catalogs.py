"""The browser side's texts and vocabularies, checked on the files themselves (no browser, no server):
the staff catalogs (api/static/staff/i18n/<lang>.json) are complete in every language and hold every text
the staff screens ask for; their vocabulary labels match the vocabularies the API serves; the widget
dispatches on exact custom.type values of that vocabulary; no script or stylesheet outgrows 500 lines."""

import json
import re
from pathlib import Path

import pytest

from api.channel.widget_routes import widget_texts
from common.config import REPO_ROOT
from dialogue import vocabularies
from kb.editing.fields import STATUSES as SERVICE_STATUSES
from kb.editing.review import REASONS as REVIEW_REASONS

STATIC = REPO_ROOT / "api" / "static"
CATALOGS = STATIC / "staff" / "i18n"
LANGS = ("nl", "fr")
# The catalog section each staff script and page reads its texts from (staff.js: t()).
SCREENS = {
    "login/login.js": "login", "login/index.html": "login",
    "elz/elz.js": "elz", "elz/index.html": "elz",
    "onthaal/onthaal.js": "onthaal", "onthaal/wrong_data.js": "onthaal", "onthaal/index.html": "onthaal",
    "kaart/kaart.js": "kaart", "kaart/index.html": "kaart",
}
# staff.js asks on behalf of whichever screen it serves (its title, for one).
SHELL = ("staff/staff.js", ("login", "elz", "onthaal", "kaart"))
# Vocabularies the API does not serve (yet): their values from the modules that define them.
LOCAL_VOCABULARIES = {"service_statuses": SERVICE_STATUSES, "review_reasons": REVIEW_REASONS}


def catalog(lang: str) -> dict:
    return json.loads((CATALOGS / f"{lang}.json").read_text(encoding="utf-8"))


def leaves(node, prefix: str = "") -> dict[str, object]:
    """Every text of a catalog by its dotted path; a list (canned replies) counts as one text per item."""
    if isinstance(node, dict):
        return {k: v for key, child in node.items() for k, v in leaves(child, f"{prefix}{key}.").items()}
    if isinstance(node, list):
        return {k: v for i, child in enumerate(node) for k, v in leaves(child, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): node}


def lookup(texts: dict, section: str, key: str):
    """As t() in staff.js: the screen's section, then "common", then the full path."""
    for root in (texts.get(section, {}), texts["common"], texts):
        node = root
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            return node
    return None


def test_every_language_has_the_same_texts():
    paths = {lang: leaves(catalog(lang)) for lang in LANGS}
    assert paths["nl"], "empty catalog"
    for lang in LANGS:
        assert set(paths[lang]) == set(paths["nl"]), (lang, set(paths[lang]) ^ set(paths["nl"]))
        empty = [path for path, text in paths[lang].items() if not isinstance(text, str) or not text.strip()]
        assert empty == [], (lang, empty)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("name", "sections"), [*((n, (s,)) for n, s in sorted(SCREENS.items())), SHELL])
def test_every_text_a_screen_asks_for_exists(name, sections, lang):
    source = (STATIC / name).read_text(encoding="utf-8")
    if name.endswith(".html"):
        keys = re.findall(r'\sdata-t(?:-label)?="([\w.]+)"', source)
    else:
        keys = re.findall(r'\bt\("([\w.]*\w)"', source)  # "fields." + field: the next test
    assert keys, f"{name} asks for no text: is the pattern still right?"
    texts = catalog(lang)
    for section in sections:
        missing = sorted({key for key in keys if not isinstance(lookup(texts, section, key), str)})
        assert missing == [], (name, section, lang, missing)


@pytest.mark.parametrize("lang", LANGS)
def test_every_field_of_the_kaart_form_has_a_label(lang):
    source = (STATIC / "kaart" / "kaart.js").read_text(encoding="utf-8")
    fields = re.findall(r'\["(\w+)", "(?:input|textarea|select)"\]', source)
    assert len(fields) > 5 and set(fields) <= set(catalog(lang)["kaart"]["fields"])


def served_or_local(name: str) -> tuple[str, ...] | None:
    served = vocabularies.as_json()
    if name in served:
        return tuple(served[name])
    return LOCAL_VOCABULARIES.get(name)


@pytest.mark.parametrize("lang", LANGS)
def test_vocabulary_labels_match_the_vocabularies(lang):
    labels = catalog(lang)["vocab"]
    for name, by_value in labels.items():
        values = served_or_local(name)
        assert values is not None, f"vocab.{name}: no such vocabulary in dialogue.vocabularies"
        assert set(by_value) == set(values), (name, set(by_value) ^ set(values))


def test_every_vocabulary_a_screen_uses_has_labels():
    used = set()
    for name in SCREENS:
        if name.endswith(".js"):
            source = (STATIC / name).read_text(encoding="utf-8")
            used |= set(re.findall(r'\b(?:label|vocabulary)\("(\w+)"', source))
    assert {"barriers", "outcomes", "urgencies", "signal_statuses"} <= used
    assert used <= set(catalog("nl")["vocab"]), used - set(catalog("nl")["vocab"])


def test_staff_scripts_type_no_vocabulary_again():
    """A value list in JavaScript would drift from the API's: the screens read /api/vocabularies."""
    tell_tales = ['"waiting_list"', '"no_contact"', '"resolved_locally"', '"temporarily closed"']
    for name in SCREENS:
        if name.endswith(".js"):
            source = (STATIC / name).read_text(encoding="utf-8")
            assert [word for word in tell_tales if word in source] == [], name


# --- the widget -------------------------------------------------------------------------------------

WIDGET_SCRIPTS = sorted((STATIC / "widget").glob("*.js"))


def test_the_widget_dispatches_on_exact_custom_types_of_the_vocabulary():
    messages = (STATIC / "widget" / "gbo-widget-messages.js").read_text(encoding="utf-8")
    table = re.search(r"var RENDERERS = \{(.*?)\};", messages, re.S)
    assert table, "the lookup table of custom.type renderers is gone"
    drawn = set(re.findall(r"(\w+): render\w+", table.group(1)))
    socket = (STATIC / "widget" / "gbo-widget-socket.js").read_text(encoding="utf-8")
    drawn |= set(re.findall(r'custom\.type === "(\w+)"', socket))
    assert {"emergency_numbers", "service_list", "handover_ended", "assistant_slow"} <= drawn
    assert drawn <= set(vocabularies.CUSTOM_TYPES), drawn - set(vocabularies.CUSTOM_TYPES)
    for script in WIDGET_SCRIPTS:  # no dispatch on a part of the type any more
        assert not re.search(r"type\.indexOf\(|type\.includes\(", script.read_text(encoding="utf-8")), script.name


def test_every_text_the_widget_parts_ask_for_exists():
    known = set(widget_texts("nl"))
    for script in WIDGET_SCRIPTS:
        used = set(re.findall(r"\bt\(\"(\w+)\"\)", script.read_text(encoding="utf-8")))
        assert used <= known, (script.name, used - known)


def test_no_browser_script_writes_html():
    for script in STATIC.rglob("*.js"):
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source), script


@pytest.mark.parametrize("path", sorted(p for p in STATIC.rglob("*") if p.suffix in (".js", ".css")),
                         ids=lambda p: str(Path(p).relative_to(STATIC)))
def test_no_script_or_stylesheet_over_500_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500
