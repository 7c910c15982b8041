"""The warm handover in real browsers (Debian's chromium driven by Playwright; no browser download), against
the real stack: a citizen asks for a person in the widget, an onthaal worker signs in to the console, claims
the case, they exchange messages both ways, and the worker resolves it with an outcome and a knelpunt tag.

Screenshots go to var/screenshots/ (handover-console.png, handover-widget.png)."""

import secrets

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.service import add_user
from api.handover.models import HandoverCase
from common.db import make_engine
from dialogue import i18n
from dialogue.signal_models import Signal
from tests.e2e.widget_support import Page

pytestmark = pytest.mark.stack
WORKER_MSG = ".gbo-msg-worker .gbo-msg-text"
# Functions, not expressions: an expression would be eval'd, which the pages' CSP forbids.
BOT_SAID_ONE_OF = ("(texts) => [...document.querySelectorAll('.gbo-msg-bot .gbo-msg-text')]"
                   ".some(n => texts.some(t => n.textContent.startsWith(t)))")


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
    # Who will answer and roughly when: the place in the queue, or (outside opening hours) a call back.
    citizen.page.wait_for_function(BOT_SAID_ONE_OF, arg=[
        catalog_start("api_handover_queue", "nl"), catalog_start("api_handover_closed", "nl")], timeout=60_000)
    # The text and its custom payload are two socket.io messages (Rasa's protocol): wait for the second.
    citizen.page.wait_for_function("() => document.querySelector('.gbo-widget').classList.contains('gbo-handover')")
    conversation_id = citizen.conversation_id()
    case = case_of(db, conversation_id)
    assert case is not None and case.status == "waiting"

    # The worker signs in (the console sends them to /login and back) and sees the case in the queue.
    console: Page = make_page(viewport={"width": 1280, "height": 900})
    console.page.goto(base_url + "/onthaal/")
    console.page.wait_for_url("**/login?next=*")
    console.errors.clear()  # the 401 that caused the redirect is expected
    email, password = worker_login
    console.page.fill("#email", email)
    console.page.fill("#password", password)
    console.page.click("#login-button")
    console.page.wait_for_url(base_url + "/onthaal/")  # exact: "/login?next=/onthaal/" ends so too
    item = console.page.locator(f"#queue li[data-case-id='{case.id}']")
    item.wait_for()
    assert "Jij" not in item.inner_text()
    item.locator("button").click()
    console.page.locator("#claim").click()
    console.page.locator("#chat").wait_for(state="visible")

    # The citizen hears that someone took over; then they write to each other.
    citizen.page.wait_for_function(BOT_SAID_ONE_OF, arg=[catalog_start("api_handover_claimed", "nl")])
    citizen.send("Mijn moeder heeft <b>hulp</b> nodig, ze woont alleen.")
    console.page.wait_for_function(
        "() => [...document.querySelectorAll('#transcript .msg-citizen')]"
        ".some(n => n.textContent.includes('woont alleen'))"
    )
    assert console.page.locator("#transcript b").count() == 0  # shown as text, never as HTML
    console.page.select_option("#canned", index=1)
    assert console.page.input_value("#chat-text").startswith("Dag, ik ben van het onthaal")
    console.page.fill("#chat-text", "Dag, ik ben Els van het onthaal. Ik bel je moeder morgen.")
    console.page.locator("#send").click()
    citizen.page.locator(WORKER_MSG).first.wait_for()
    assert citizen.page.locator(WORKER_MSG).first.inner_text() == (
        "Dag, ik ben Els van het onthaal. Ik bel je moeder morgen.")
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
    citizen.page.wait_for_function(BOT_SAID_ONE_OF, arg=[catalog_start("api_handover_ended", "nl")])
    case = case_of(db, conversation_id)
    assert (case.status, case.outcome, case.knelpunten, case.ended_with) == (
        "resolved", "information", ["waiting_list"], "close")
    with Session(db) as session:
        signal = session.scalars(select(Signal).where(Signal.source == "worker").order_by(Signal.id.desc())).first()
    assert signal is not None and signal.barrier == "waiting_list"
    assert citizen.errors == [] and console.errors == []


# Counts the console's beeps: wraps the Web Audio API before the page's own script runs.
COUNT_BEEPS = """
window.__beeps = 0;
const original = window.AudioContext.prototype.createOscillator;
window.AudioContext.prototype.createOscillator = function () { window.__beeps += 1; return original.call(this); };
"""


def add_case(db, urgency: str, **fields) -> int:
    from api.channel.conversation import start_conversation

    with Session(db) as session:
        conversation = start_conversation(session, "rest", "fr").conversation
        case = HandoverCase(conversation_id=conversation.id, status="waiting", language="fr", urgency=urgency,
                            urgency_rank={"crisis": 0, "high": 1, "normal": 2}[urgency], needs=[], vulnerability=[],
                            complex_reasons=[], proposed_services=[], knelpunten=[], **fields)
        session.add(case)
        session.commit()
        return case.id


def test_a_new_crisis_stands_out_and_sounds_in_the_console(make_page, base_url, db, worker_login):  # noqa: F811
    normal = add_case(db, "normal", commune_code="21015")
    console: Page = make_page(viewport={"width": 1280, "height": 900}, locale="fr-BE")
    console.page.add_init_script(COUNT_BEEPS)
    console.page.goto(base_url + "/login?next=/onthaal/")
    email, password = worker_login
    console.page.fill("#email", email)
    console.page.fill("#password", password)
    console.page.click("#login-button")
    console.page.wait_for_url(base_url + "/onthaal/")  # exact: "/login?next=/onthaal/" ends so too
    console.page.locator("button.lang[data-lang=fr]").click()  # a click: browsers allow sound after one
    console.page.locator(f"#queue li[data-case-id='{normal}']").wait_for()
    assert "Schaerbeek" in console.page.locator(f"#queue li[data-case-id='{normal}']").inner_text()

    crisis = add_case(db, "crisis", crisis_kind="violence")
    crisis_item = console.page.locator(f"#queue li[data-case-id='{crisis}']")
    crisis_item.wait_for(timeout=10_000)  # no reload: the queue polls
    assert "urgency-crisis" in crisis_item.get_attribute("class")
    assert crisis_item.locator(".badge.crisis").inner_text() == "CRISE"
    # Crisis first, whatever the waiting time (other tests of this session may have left cases too).
    order = console.page.eval_on_selector_all("#queue li", "items => items.map(i => [i.dataset.caseId, i.className])")
    urgencies = [next(c for c in ("crisis", "high", "normal") if f"urgency-{c}" in cls) for _, cls in order]
    assert urgencies == sorted(urgencies, key=("crisis", "high", "normal").index)
    ids = [case_id for case_id, _ in order]
    assert ids.index(str(crisis)) < ids.index(str(normal))
    console.page.wait_for_function("() => window.__beeps >= 1")
    assert console.page.inner_text("#message") == "Nouvelle crise dans la file !"
    console.screenshot("handover-console-crisis")
    assert console.errors == []


def test_the_citizen_leaves_a_number_for_a_call_back_with_consent(make_page, db, stack):  # noqa: F811
    import asyncio

    from api.channel.events import NoLiveEvents
    from api.handover import service as handover

    citizen: Page = make_page().open_demo().open_widget()
    citizen.page.locator(".gbo-human").click()
    citizen.page.wait_for_function(BOT_SAID_ONE_OF, arg=[
        catalog_start("api_handover_queue", "nl"), catalog_start("api_handover_closed", "nl")], timeout=60_000)
    conversation_id = citizen.conversation_id()
    with Session(db) as session:  # nobody claimed it in time (or the onthaal is closed): a call back is offered
        case = session.scalars(select(HandoverCase).where(HandoverCase.conversation_id == conversation_id)).one()
        if case.callback_offered_at is None:
            asyncio.run(handover.offer_callback(session, stack.settings, NoLiveEvents(), case,
                                                "api_handover_callback_offer"))
    citizen.page.reload()  # the offer comes with the conversation's history
    form = citizen.page.locator(".gbo-callback").last
    form.wait_for()

    form.locator(".gbo-cb-phone").fill("0470 12 34 56")
    form.locator(".gbo-cb-send").click()
    assert form.locator(".gbo-cb-error").inner_text() == i18n.text("widget_callback_need_consent", "nl")
    form.locator(".gbo-cb-consent").check()
    form.locator(".gbo-cb-phone").fill("bel me maar")
    form.locator(".gbo-cb-send").click()
    citizen.page.wait_for_function(
        "(text) => [...document.querySelectorAll('.gbo-cb-error')].some(n => n.textContent === text)",
        arg=i18n.text("widget_callback_invalid", "nl"))
    form.locator(".gbo-cb-phone").fill("0470 12 34 56")
    form.locator(".gbo-cb-send").click()
    citizen.page.wait_for_function(BOT_SAID_ONE_OF, arg=[catalog_start("api_handover_contact_saved", "nl")])
    # The form goes with the confirmation's custom payload, a socket.io message after its text.
    citizen.page.wait_for_function("() => document.querySelectorAll('.gbo-callback').length === 0")
    with Session(db) as session:
        case = session.scalars(select(HandoverCase).where(HandoverCase.conversation_id == conversation_id)).one()
        assert (case.contact_phone, case.preferred_contact) == ("+32470123456", "phone")
        assert case.contact_consent_at is not None
    assert "+32470123456" not in str(citizen.page.locator(".gbo-log").inner_text())
    assert citizen.errors == [] or all("422" in e for e in citizen.errors)
