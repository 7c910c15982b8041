"""The /kaart/ screen in a real browser (Debian's chromium driven by Playwright; no browser download), against
the API alone on a throwaway SQLite database: sign in, the review queue with a reported error, open the
service with the keyboard, a refused edit (422 shown at the field), the diff before saving, save, the
public HSDS API showing the edit, a stale edit (412), history and revert, and the French texts."""

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session

from api.accounts.service import add_user
from api.core.migrate import upgrade_to_head
from api.core.security import create_access_token
from common.config import REPO_ROOT
from common.db import make_engine
from dialogue.signal_recording import record_signal
from dialogue.vocabularies import BARRIERS, ENDINGS, OUTCOMES
from kb.editing.fields import STATUSES
from kb.editing.review import REASONS
from kb.importer import import_path
from tests.api.directory.kaart_support import hsds_document, new_ids, write_file
from tests.support import PASSWORD, chromium, start_api

SCREENSHOT = REPO_ROOT / "var" / "screenshots" / "kaart.png"
EMAIL = "kaart-staff@kaart.test"
ONTHAAL_EMAIL = "onthaal-worker@kaart.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("kaart")
    database_url = f"sqlite:///{tmp / 'gbo.sqlite3'}"
    upgrade_to_head(database_url)
    ids = new_ids()
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = add_user(session, EMAIL, "elz", PASSWORD)
        add_user(session, ONTHAAL_EMAIL, "onthaal", PASSWORD)
        token = create_access_token(user)
        import_path(session, write_file(tmp, hsds_document(ids)))
        session.commit()
        record_signal(session, signal_type="data_quality", category_ids=[], commune=None, language="nl",
                      source="worker", service_id=ids["service"], text="Telefoon klopt niet, zegt Jan 0475 98 76 54")
    engine.dispose()
    api = start_api(database_url, tmp / "api.log")
    yield {"base_url": api.url, "ids": ids, "token": token}
    api.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as browser:
        yield browser


def sign_in(page, email: str, screen_url: str) -> None:
    """Sign in on the login page the browser is at, and wait for the screen it leads to."""
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(screen_url)


def test_review_edit_diff_history_revert(browser, server):
    base_url, sid = server["base_url"], server["ids"]["service"]
    bearer = {"Authorization": f"Bearer {server['token']}"}
    context = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="nl-BE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    page.goto(f"{base_url}/kaart/")
    page.wait_for_url("**/login?next=*")
    sign_in(page, EMAIL, f"{base_url}/kaart/")
    errors.clear()  # the 401s before signing in are expected (and logged by the browser)

    # The queue: the reported error first, its remark scrubbed of the name and phone number.
    first = page.locator("#queue button").first
    first.wait_for()
    assert "Gemeld als fout" in first.inner_text() and "Telefoon klopt niet" in first.inner_text()
    assert "0475" not in page.inner_text("#queue")
    assert "signalen 1" in page.inner_text("#counts")

    # Open it with the keyboard.
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('entity-name').textContent === 'Buurthuis De Linde'")
    assert page.evaluate("() => document.activeElement.id") == "entity-name"
    assert page.input_value("#f-phones") == "02 511 11 11"
    # The service statuses and the review reasons: the vocabularies' values, labelled from the catalog.
    assert page.eval_on_selector_all("#f-status option", "os => os.map(o => o.value)") == list(STATUSES)
    assert page.eval_on_selector_all("#f-reason option", "os => os.map(o => o.value)") == ["", *REASONS]
    active = staff_text("nl", "vocab.service_statuses.active")
    assert page.locator("#f-status option[value='active']").inner_text() == active

    # A wrong phone number: the diff, then the server's refusal shown at the field.
    page.fill("#f-phones", "12")
    page.click("#preview")
    page.wait_for_selector("#diff:not([hidden])")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('e-phones').textContent.includes('phones[0].number')")
    assert page.get_attribute("#f-phones", "aria-invalid") == "true"

    # Corrected: the diff lists both fields, then saving makes version 1.
    page.fill("#f-phones", "02 555 44 33")
    page.fill("#f-name_nl", "Buurthuis Zonnebloem")
    page.fill("#edit-reason", "gebeld met de dienst")
    page.click("#preview")
    rows = page.locator("#diff-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t") == ["Naam (NL)", "Buurthuis De Linde", "Buurthuis Zonnebloem"]
    page.click("#save")
    page.wait_for_function("() => document.getElementById('message').textContent === 'Opgeslagen (versie 1).'")
    assert EMAIL in page.inner_text("#history") and "gebeld met de dienst" in page.inner_text("#history")
    public = httpx.get(f"{base_url}/hsds/services/{sid}").json()
    assert public["name"] == "Buurthuis Zonnebloem" and public["phones"][0]["number"] == "+32 2 555 44 33"
    assert "Gemeld als fout" not in page.inner_text("#queue")  # the edit resolved the signal

    # Someone else edits meanwhile (through the API): saving from the page is refused as stale.
    etag = httpx.get(f"{base_url}/api/v1/directory/services/{sid}", headers=bearer).headers["ETag"]
    response = httpx.patch(f"{base_url}/api/v1/directory/services/{sid}", json={"email": "balie@delinde.example"},
                           headers={**bearer, "If-Match": etag})
    assert response.status_code == 200, response.text
    page.fill("#f-name_nl", "Buurthuis Zonnebloem Laken")
    page.click("#preview")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('message').textContent.startsWith('Iemand anders')")
    assert page.input_value("#f-email") == "balie@delinde.example"  # the newer version was loaded

    # Revert to version 1 from the history.
    page.locator("#history button.revert[data-version='1']").click()
    page.wait_for_function("() => document.getElementById('message').textContent === 'Teruggezet (versie 3).'")
    assert page.input_value("#f-email") == "info@delinde.example"
    assert httpx.get(f"{base_url}/hsds/services/{sid}").json()["email"] == "info@delinde.example"

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # French: texts from the French catalog.
    page.click("button.lang[data-lang='fr']")
    page.wait_for_function("() => document.querySelector('h1').textContent === 'Tenir la carte sociale à jour'")
    assert page.locator("label[for='f-name_nl'] span").first.inner_text() == "Nom (NL)"
    # the browser logs the refused save (422) and the stale one (412) it was told to make; nothing else
    expected = ("status of 422", "status of 412")
    assert [e for e in errors if not any(x in e for x in expected)] == []
    assert len(errors) <= 2
    context.close()


def test_onthaal_reports_wrong_data_into_the_review_queue(browser, server):
    base_url, sid = server["base_url"], server["ids"]["service"]
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="nl-BE")
    page = context.new_page()
    page.goto(f"{base_url}/login?next=/onthaal/")
    sign_in(page, ONTHAAL_EMAIL, f"{base_url}/onthaal/")
    page.wait_for_function("() => document.getElementById('who').textContent !== ''")
    # Outcomes, barriers and what comes after resolving: the vocabularies' values, labelled from the catalog.
    values = "nodes => nodes.map(n => n.value)"
    assert page.eval_on_selector_all("#outcome option", values) == list(OUTCOMES)
    assert page.eval_on_selector_all("input[name=knelpunt]", values) == list(BARRIERS)
    assert page.eval_on_selector_all("input[name=then]", values) == list(ENDINGS)
    assert page.is_checked("input[name=then][value=bot]")
    no_contact = staff_text("nl", "vocab.outcomes.no_contact")
    assert page.locator("#outcome option[value=no_contact]").inner_text() == no_contact
    # The picker belongs to the resolve form of an open case; show it without making a handover case.
    page.evaluate("""() => {
        document.getElementById('case-panel').hidden = false;
        const outcome = document.getElementById('outcome');
        outcome.value = 'referred';
        outcome.dispatchEvent(new Event('change'));
    }""")
    page.fill("#service-q", "Buurthuis")
    page.click("#service-search")
    page.wait_for_selector(f"#service option[value='{sid}']", state="attached")
    page.select_option("#service", sid)
    page.fill("#wrong-remark", "Verhuisd naar de Kerkstraat, zei mevrouw Peeters (0476 11 22 33)")
    page.click("#report-wrong")
    page.wait_for_function("() => document.getElementById('message').textContent.startsWith('Gemeld')")
    # An onthaal worker may report, not edit: the edit endpoints refuse the session.
    status = page.evaluate("async () => (await fetch('/api/v1/directory/review')).status")
    assert status == 403
    context.close()

    review = httpx.get(f"{base_url}/api/v1/directory/review", params={"reason": "signal"},
                       headers={"Authorization": f"Bearer {server['token']}"}).json()
    remarks = [i["remark"] for i in review["items"] if i["entity_id"] == sid]
    assert len(remarks) == 1 and remarks[0].startswith("Verhuisd naar de Kerkstraat")
    assert "0476" not in remarks[0] and "Peeters" not in remarks[0]


def test_axe_finds_no_serious_or_critical_violation(browser, server):
    axe = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make install)", pytrace=False)
    # bypass_csp: only so that the test can inject axe-core into the page.
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="nl-BE", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server['base_url']}/login?next=/kaart/")
    sign_in(page, EMAIL, f"{server['base_url']}/kaart/")
    # The screen is ready once its review queue is drawn; Enter before that would submit the bare form.
    page.wait_for_selector("#queue li")
    page.fill("#q", "Buurthuis")
    page.press("#q", "Enter")
    page.locator("#results button").first.click()
    page.wait_for_selector("#editor:not([hidden]) #history li")
    page.add_script_tag(path=str(axe))
    results = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []
    context.close()


def staff_text(lang: str, path: str) -> str:
    node = json.loads((REPO_ROOT / "api" / "static" / "staff" / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    for part in path.split("."):
        node = node[part]
    return node


def test_the_language_picked_on_the_login_page_follows_the_worker(browser, server):
    """The NL/FR switch of every staff screen: picked once (kept in localStorage), every screen follows."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="nl-BE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server['base_url']}/login?next=/kaart/")
    assert page.locator("label[for=password]").inner_text() == staff_text("nl", "login.password")
    page.click("button.lang[data-lang=fr]")
    page.wait_for_function("(text) => document.querySelector('label[for=password]').textContent === text",
                           arg=staff_text("fr", "login.password"))
    assert page.get_attribute("html", "lang") == "fr"
    assert page.get_attribute("button.lang[data-lang=fr]", "aria-pressed") == "true"
    page.fill("#email", EMAIL)
    page.fill("#password", "not the password")
    page.click("#login-button")
    page.wait_for_function("(text) => document.getElementById('login-error').textContent === text",
                           arg=staff_text("fr", "login.wrong"))
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(f"{server['base_url']}/kaart/")
    page.wait_for_function("(text) => document.querySelector('h1').textContent === text",
                           arg=staff_text("fr", "kaart.title"))
    assert page.locator("#logout").inner_text() == staff_text("fr", "common.logout")
    assert errors == []
    context.close()
