"""The ELZ dashboard in a real browser (Debian's chromium driven by Playwright; no browser download),
against the API alone: sign in, filter, the trend chart drawn, the table per commune, triage a signal,
download the CSV and check its content, the demo share and its note, switch to French. A screenshot goes
to var/screenshots/."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.service import add_user
from common.config import REPO_ROOT
from common.db import make_engine
from dialogue.signal_models import Signal, SignalEvent
from dialogue.signal_recording import record_signal, today_in_brussels
from tests.api.signals.signals_support import CAT_A, insert_signals
from tests.support import PASSWORD

SCREENSHOT = REPO_ROOT / "var" / "screenshots" / "elz-dashboard.png"
EMAIL = "elz-staff@elz.test"


def _months_back(n: int) -> date:
    this = today_in_brussels().replace(day=1)
    index = this.year * 12 + this.month - 1 - n
    return date(index // 12, index % 12 + 1, 10)


@pytest.fixture(scope="module")
def seeded(dashboard_server):
    base_url, database_url = dashboard_server
    engine = make_engine(database_url)
    with Session(engine) as session:
        add_user(session, EMAIL, "elz", PASSWORD)
        insert_signals(session, 6, day=_months_back(2), commune="21015")
        insert_signals(session, 8, day=_months_back(1), commune="21015")
        insert_signals(session, 9, day=_months_back(1), commune="21001", signal_type="knelpunt")
        insert_signals(session, 2, day=_months_back(1), commune="21009")  # a small cell: "< 5"
        insert_signals(session, 5, day=_months_back(1), commune="21001", demo=True)  # from the DEMO directory
        signal = record_signal(
            session, signal_type="unmet_need", category_ids=[CAT_A], commune="Schaerbeek", language="fr",
            source="assistant", conversation_key="browser-test",
            text="Je m'appelle Fatima, tél 0475 98 76 54: pas de place en maison de repos",
        )
        signal_id = signal.id
    yield base_url, engine, signal_id
    engine.dispose()


def test_dashboard_filter_chart_triage_and_csv(browser, seeded):
    base_url, engine, signal_id = seeded
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, accept_downloads=True, locale="nl-BE"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))

    # Not signed in: the dashboard sends us to the login page, which brings us back.
    page.goto(f"{base_url}/elz/")
    page.wait_for_url("**/login?next=*")
    errors.clear()  # the 401 that caused the redirect is expected
    failed.clear()
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(f"{base_url}/elz/")
    page.wait_for_selector("#communes tbody tr")
    assert "Schaarbeek" in page.inner_text("#communes") and "< 5" in page.inner_text("#communes")
    # How much of a count is demo: a column, a note, and a mark on the demo signals in the triage list.
    assert page.locator("#communes thead th").last.inner_text() == "waarvan demo"
    anderlecht = page.locator("#communes tbody tr", has_text="Anderlecht").inner_text().split("\t")
    assert anderlecht[-1] in ("5", "x")  # hidden with the line's small cell (Elsene's 2) or not
    total = page.locator("#communes tbody tr").last.inner_text().split("\t")
    assert total[-2:] == ["31", "5"]  # 31 signals, 5 of them demo
    assert page.locator("#demo-note").is_visible() and "fictieve diensten" in page.inner_text("#demo-note")
    assert page.locator("#signals .badge.demo").count() == 5

    # Filter on Schaarbeek: the table shows it alone, the chart is redrawn.
    page.select_option("#f-commune", "21015")
    page.click("#apply")
    # Functions, not expressions: an expression would be eval'd, which the page's CSP forbids. The table and the
    # chart load apart: wait until the whole refresh is done (the chart once still showed the unfiltered months).
    page.wait_for_function("() => !document.getElementById('report').hasAttribute('aria-busy')")
    assert page.locator("#communes tbody tr").count() == 2
    assert "Anderlecht" not in page.inner_text("#communes tbody")
    rows = page.locator("#communes tbody tr")
    assert rows.nth(0).inner_text().split("\t")[0] == "Schaarbeek"
    assert rows.nth(0).inner_text().split("\t")[-2:] == ["15", "0"]  # 6 + 8 + the one recorded today
    chart = page.evaluate(
        """() => {
            const canvas = document.getElementById('trend');
            const chart = window.Chart.getChart(canvas);
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return {datasets: chart.data.datasets.map((d) => [d.label, d.displays.filter((v) => v !== '0')]),
                    labels: chart.data.labels.length, painted};
        }"""
    )
    assert chart["labels"] == 12 and chart["painted"] > 1000
    # Three months of Schaarbeek: 6, 8 and 1. The 1 is hidden, and so is the 6, or the total would give
    # the 1 away; hidden points are gaps in the line, the tooltip says "< 5" or "x".
    assert chart["datasets"] == [["Onbeantwoorde nood", ["x", "8", "< 5"]]]

    # Triage the recorded signal: new -> reviewed, with a note.
    row = page.locator(f"#signals tbody tr[data-id='{signal_id}']")
    assert "[phone]" in row.inner_text() and "0475" not in row.inner_text()
    row.locator("select[name=status]").select_option("reviewed")
    row.locator("input[name=note]").fill("Gezien; opvolgen met het woonzorgnetwerk")
    row.locator("button[type=submit]").click()
    page.wait_for_function("() => document.getElementById('message').textContent === 'Opgeslagen'")
    assert "bekeken" in page.locator(f"#signals tbody tr[data-id='{signal_id}']").inner_text()
    with Session(engine) as session:
        assert session.get(Signal, signal_id).status == "reviewed"
        event = session.scalars(select(SignalEvent).where(SignalEvent.signal_id == signal_id)).one()
        assert (event.actor, event.from_status, event.to_status) == (EMAIL, "new", "reviewed")

    # The CSV download holds the filtered report, small cells as "< 5".
    with page.expect_download() as download_info:
        page.click("#csv")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "type", "category", "category_nl", "category_fr", "commune", "commune_nl", "commune_fr", "month",
        "count", "of_which_demo",
    ]
    by_month = {r[7]: r[8] for r in rows[1:-1]}
    assert by_month == {
        _months_back(2).strftime("%Y-%m"): "x",  # 6, hidden to protect the small cell of this month
        _months_back(1).strftime("%Y-%m"): "8",
        today_in_brussels().strftime("%Y-%m"): "< 5",
    }
    assert {r[4] for r in rows[1:-1]} == {"21015"} and rows[-1][-2:] == ["15", "0"]

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Bilingual: the same screen in French.
    page.click("button.lang[data-lang='fr']")
    page.wait_for_function("() => document.querySelector('h1').textContent === 'Signaux'")
    page.wait_for_selector("#communes tbody tr")
    assert "Par commune" in page.inner_text("main")
    page.wait_for_function(  # the table is drawn again in French
        "() => [...document.querySelectorAll('#communes thead th')].pop().textContent === 'dont démo'"
    )

    # Demo signals left out: the Anderlecht count is the real one, the demo column goes.
    page.select_option("#f-demo", "exclude")
    page.select_option("#f-commune", "21001")
    page.click("#apply")
    page.wait_for_function(
        "() => document.querySelector('#communes tbody').innerText.includes('Anderlecht')"
        " && document.querySelectorAll('#communes thead th').length === 5"
    )
    assert page.locator("#communes tbody tr").nth(0).inner_text().split("\t")[-1] == "9"
    assert failed == [] and errors == []
    context.close()
