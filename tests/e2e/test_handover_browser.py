"""The warm handover in real browsers (Debian's chromium driven by Playwright; no browser download), against
the real stack: a citizen asks for a person in the widget, an onthaal worker signs in to the console, claims
the case, they exchange messages both ways, and the worker resolves it with an outcome and a knelpunt tag.

Screenshots go to var/screenshots/ (handover-console.png, handover-widget.png)."""

import secrets

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_widget_browser import SCREENSHOTS, Page, base_url, browser, make_page  # noqa: F401 - fixtures

from api import i18n
from api.models_handover import HandoverCase
from api.models_signals import Signal
from api.services.users import add_user
from kb.db import make_engine

pytestmark = pytest.mark.stack
WORKER_MSG = ".gbo-msg-worker .gbo-msg-text"


@pytest.fixture
def db(stack):
    engine = make_engine(stack.settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def worker_login(db) -> tuple[str, str]:
    email, password = f"onthaal-{secrets.token_hex(4)}@elz.test", secrets.token_urlsafe(16)
    with Session(db) as session:
        add_user(session, email, "onthaal", password)
    return email, password


def catalog_start(key: str, lang: str) -> str:
    entry = i18n.catalogs()[lang][key]
    return (entry["text"] if isinstance(entry, dict) else entry).split("{")[0].strip()[:40]


def case_of(db, conversation_id: str) -> HandoverCase | None:
    with Session(db) as session:
        return session.scalars(select(HandoverCase).where(HandoverCase.conversation_id == conversation_id)).first()


def test_citizen_and_worker_talk_and_the_worker_resolves(make_page, base_url, db, worker_login):  # noqa: F811
    # The citizen asks for a person in the widget.
    citizen: Page = make_page().open_demo().open_widget()
    citizen.page.locator(".gbo-human").click()
    citizen.page.wait_for_function(
        "() => document.querySelector('.gbo-widget').classList.contains('gbo-handover')", timeout=60_000
    )
    conversation_id = citizen.conversation_id()
    case = case_of(db, conversation_id)
    assert case is not None and case.status == "waiting"
    told = citizen.page.locator(".gbo-msg-bot .gbo-msg-text").all_inner_texts()
    assert any(text.startswith(catalog_start("api_handover_queue", "nl")) or
               text.startswith(catalog_start("api_handover_closed", "nl")) for text in told), told

    # The worker signs in (the console sends them to /login and back) and sees the case in the queue.
    console: Page = make_page(viewport={"width": 1280, "height": 900})
    console.page.goto(base_url + "/onthaal/")
    console.page.wait_for_url("**/login?next=*")
    console.errors.clear()  # the 401 that caused the redirect is expected
    email, password = worker_login
    console.page.fill("#email", email)
    console.page.fill("#password", password)
    console.page.click("#login-button")
    console.page.wait_for_url("**/onthaal/")
    item = console.page.locator(f"#queue li[data-case-id='{case.id}']")
    item.wait_for()
    assert "Jij" not in item.inner_text()
    item.locator("button").click()
    console.page.locator("#claim").click()
    console.page.locator("#chat").wait_for(state="visible")

    # The citizen hears that someone took over; then they write to each other.
    claimed = catalog_start("api_handover_claimed", "nl")
    citizen.page.wait_for_function(
        "(text) => [...document.querySelectorAll('.gbo-msg-bot .gbo-msg-text')].some(n => n.textContent.startsWith(text))",
        arg=claimed,
    )
    citizen.send("Mijn moeder heeft <b>hulp</b> nodig, ze woont alleen.")
    console.page.wait_for_function(
        "() => [...document.querySelectorAll('#transcript .msg-citizen')].some(n => n.textContent.includes('woont alleen'))"
    )
    assert console.page.locator("#transcript b").count() == 0  # shown as text, never as HTML
    console.page.select_option("#canned", index=1)
    assert console.page.input_value("#chat-text").startswith("Dag, ik ben van het onthaal")
    console.page.fill("#chat-text", "Dag, ik ben Els van het onthaal. Ik bel je moeder morgen.")
    console.page.locator("#send").click()
    citizen.page.locator(WORKER_MSG).first.wait_for()
    assert citizen.page.locator(WORKER_MSG).first.inner_text() == "Dag, ik ben Els van het onthaal. Ik bel je moeder morgen."
    console.page.wait_for_function("() => document.querySelectorAll('#transcript .msg-worker').length === 1")
    citizen.screenshot("handover-widget")
    console.screenshot("handover-console")

    # The worker resolves: information given, knelpunt "waiting list", conversation closed.
    console.page.select_option("#outcome", "information")
    console.page.check("input[name=knelpunt][value=waiting_list]")
    console.page.fill("#note", "Thuiszorg en poetshulp uitgelegd.")
    console.page.check("input[name=then][value=close]")
    console.page.locator("#resolve-button").click()
    console.page.locator("#resolve").wait_for(state="hidden")
    ended = catalog_start("api_handover_ended", "nl")
    citizen.page.wait_for_function(
        "(text) => [...document.querySelectorAll('.gbo-msg-bot .gbo-msg-text')].some(n => n.textContent.startsWith(text))",
        arg=ended,
    )
    case = case_of(db, conversation_id)
    assert (case.status, case.outcome, case.knelpunten, case.ended_with) == (
        "resolved", "information", ["waiting_list"], "close")
    with Session(db) as session:
        signal = session.scalars(select(Signal).where(Signal.source == "worker").order_by(Signal.id.desc())).first()
    assert signal is not None and signal.barrier == "waiting_list"
    assert citizen.errors == [] and console.errors == []
