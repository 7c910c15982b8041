"""The chat widget in a real browser (Debian's chromium driven by Playwright; no browser download)
against the real stack: demo page, chatting in Dutch and French, language switch, reload, inert
script payloads, service cards and emergency numbers, keyboard only, axe-core, and a third-party
Rasa web widget (rasa-webchat from npm) on the same /socket.io endpoint; the interface following the
assistant's language; shared computers (sessionStorage unless the host site sets data-remember).

Screenshots (360 px phone and desktop) are written to var/screenshots/."""

import re

import pytest

from common.db import make_engine
from dialogue import i18n
from tests.e2e.widget_support import (
    BOT,
    DESKTOP,
    EMERGENCY_REPLY,
    NODE_MODULES,
    PHONE,
    SERVICES_REPLY,
    Page,
    inject_bot_message,
)

pytestmark = pytest.mark.stack
playwright_api = pytest.importorskip("playwright.sync_api")

def greetings() -> set[str]:
    return {i18n.text("utter_greet", lang) for lang in i18n.LANGUAGES}


# --- the demo page and chatting ------------------------------------------------------------------


def test_demo_page_embeds_the_widget(make_page):
    page = make_page().open_demo()
    assert page.page.locator("script[src$='/widget/gbo-widget.js']").count() == 1
    assert page.page.locator(".gbo-launcher").inner_text() == i18n.text("widget_launcher", "nl")
    page.open_widget()
    assert page.page.locator("#gbo-privacy").is_visible()
    assert "30" in page.page.locator("#gbo-privacy").inner_text()
    welcome = page.page.locator(".gbo-welcome").inner_text()  # Dutch and French at once, before a choice
    assert i18n.text("widget_welcome", "nl") in welcome and i18n.text("widget_welcome", "fr") in welcome
    assert page.errors == []


def test_chat_in_dutch(make_page):
    page = make_page().open_demo().open_widget()
    page.send("Goeiemorgen")
    assert page.page.locator(".gbo-msg-citizen .gbo-msg-text").inner_text() == "Goeiemorgen"
    assert page.bot_texts(1) == [i18n.text("utter_greet", "nl")]
    assert not page.page.locator("#gbo-privacy").is_visible()  # the notice came before the first message
    assert page.errors == []


def test_chat_in_french_after_switching_language(make_page):
    page = make_page().open_demo().open_widget()
    page.page.get_by_role("button", name="FR", exact=True).click()
    page.page.get_by_label(i18n.text("widget_input_label", "fr")).wait_for()
    assert page.page.locator(".gbo-widget").get_attribute("lang") == "fr"
    page.send("Bonjour")
    assert page.bot_texts(1) == [i18n.text("utter_greet", "fr")]
    page.screenshot("desktop-fr")


def test_language_switch_changes_every_label_and_is_remembered(make_page):
    page = make_page().open_demo().open_widget()
    for lang in ("fr", "en", "nl", "en"):
        page.page.locator(f".gbo-lang[data-lang='{lang}']").click()
        page.page.get_by_label(i18n.text("widget_input_label", lang)).wait_for()
        assert page.page.locator(".gbo-send").inner_text() == i18n.text("widget_send", lang)
        assert page.page.locator(".gbo-forget").inner_text() == i18n.text("widget_forget", lang)
        assert page.page.locator(f".gbo-lang[data-lang='{lang}']").get_attribute("aria-pressed") == "true"
    page.page.reload()
    page.page.get_by_label(i18n.text("widget_input_label", "en")).wait_for()
    assert page.page.locator(".gbo-title").inner_text() == i18n.text("widget_title", "en")


def test_reload_keeps_the_conversation_and_its_history(make_page):
    page = make_page().open_demo().open_widget()
    page.send("hallo")
    first = page.bot_texts(1)
    conversation_id = page.conversation_id()
    page.page.reload()
    page.page.locator(BOT).first.wait_for()
    assert page.page.locator(".gbo-msg-citizen .gbo-msg-text").all_inner_texts() == ["hallo"]
    assert page.page.locator(BOT).all_inner_texts() == first
    assert page.conversation_id() == conversation_id
    page.send("dank je")
    assert len(page.bot_texts(2)) == 2


def test_after_a_reload_a_pressed_button_reads_as_its_title(make_page):
    page = make_page().open_demo().open_widget()
    page.send("ik heb problemen met mijn zoon")  # vague: categories offered as buttons
    choice = page.page.locator(".gbo-choice").first
    choice.wait_for()
    title = choice.inner_text()
    choice.click()
    page.bot_texts(2)
    page.page.reload()
    page.page.locator(BOT).first.wait_for()
    assert page.page.locator(".gbo-msg-citizen .gbo-msg-text").all_inner_texts() == [
        "ik heb problemen met mijn zoon", title]


def test_a_french_message_turns_a_dutch_widget_french(make_page):
    """The interface follows the language the assistant answers in (metadata.lang), without making it the
    citizen's pick: no customData.lang goes to the server afterwards."""
    page = make_page()
    sent: list[str] = []  # what the widget sends, over WebSocket or long-polling
    page.page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
    page.page.on("request", lambda request: sent.append(request.post_data or ""))
    page.open_demo().open_widget()
    widget, input_box = page.page.locator(".gbo-widget"), page.page.locator("#gbo-input")
    assert widget.get_attribute("lang") == "nl"
    assert input_box.get_attribute("placeholder") == i18n.text("widget_input_placeholder", "nl")
    page.send("Bonjour, je cherche de l'aide pour ma mère")
    page.bot_texts(1)
    page.page.locator(".gbo-widget[lang='fr']").wait_for(state="attached", timeout=10_000)
    assert input_box.get_attribute("placeholder") == i18n.text("widget_input_placeholder", "fr")
    pressed = [b.get_attribute("aria-pressed") for b in page.page.locator(".gbo-lang").all()]
    assert pressed == ["false", "true", "false"]  # NL FR EN
    assert page.saved()["lang"] == "fr" and page.saved()["chosen"] is False
    page.send("merci")
    page.bot_texts(2)
    messages = [frame for frame in sent if "user_uttered" in frame]
    assert len(messages) == 2 and all('"customData":{}' in frame for frame in messages)
    assert page.errors == []


REMEMBER_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>host</title></head><body>
<script src="/widget/gbo-widget.js" data-lang="nl" data-remember="true" defer></script></body></html>"""


def host_page(make_page, base_url: str, remember: bool) -> Page:
    """The demo page, or a host page with data-remember="true" (served to the browser by the test: Chromium
    then counts it as a public page and blocks its WebSocket to 127.0.0.1, so socket.io stays on polling)."""
    page = make_page()
    if not remember:
        return page.open_demo()
    page.page.context.route(f"{base_url}/host/remember.html",
                            lambda route: route.fulfill(body=REMEMBER_PAGE, content_type="text/html"))
    page.page.goto(f"{base_url}/host/remember.html")
    page.page.wait_for_selector(".gbo-launcher")
    return page


@pytest.mark.parametrize("remember", [False, True], ids=["default", "data-remember"])
def test_the_next_person_at_a_shared_computer(make_page, base_url, remember):
    """A citizen chats and closes the tab; the next person opens the site in a new tab of the same browser.
    By default (sessionStorage) they start afresh; a host site with data-remember keeps conversations."""
    first = host_page(make_page, base_url, remember).open_widget()
    first.send("hallo")
    first.bot_texts(1)
    where, elsewhere = ("localStorage", "sessionStorage") if remember else ("sessionStorage", "localStorage")
    conversation_id = first.conversation_id(where)
    assert conversation_id and first.saved(elsewhere) is None  # one copy, where the host site said
    context = first.page.context
    first.page.close()
    nxt = Page(context.new_page(), base_url)
    if remember:
        nxt.page.goto(f"{base_url}/host/remember.html")
        citizen = nxt.page.locator(".gbo-msg-citizen .gbo-msg-text")
        citizen.first.wait_for()  # reopened, with its history
        assert citizen.all_inner_texts() == ["hallo"]
        assert nxt.conversation_id(where) == conversation_id
    else:
        nxt.open_demo().open_widget()
        for _ in range(50):  # its own new conversation (polled: the page's CSP forbids eval)
            if nxt.conversation_id() is not None:
                break
            nxt.page.wait_for_timeout(100)
        assert nxt.conversation_id() not in (None, conversation_id)
        assert nxt.page.locator(".gbo-msg").count() == 0 and nxt.page.locator("#gbo-privacy").is_visible()
    assert [e for e in nxt.errors if "LOCAL_NETWORK_ACCESS" not in e] == []


def test_forget_clears_a_remembered_conversation_from_the_browser(make_page, base_url):
    page = host_page(make_page, base_url, remember=True).open_widget()
    page.send("hallo")
    page.bot_texts(1)
    old = page.saved("localStorage")
    page.page.get_by_role("button", name=i18n.text("widget_forget", "nl")).click()
    page.page.get_by_role("button", name=i18n.text("widget_forget_yes", "nl")).click()
    page.page.get_by_text(i18n.text("widget_forgotten", "nl")).wait_for()
    for where in ("sessionStorage", "localStorage"):
        assert old["token"] not in str(page.saved(where)) and old["id"] not in str(page.saved(where))


def test_live_bot_service_cards_and_crisis_numbers(make_page):
    """The real bot's replies, not injected ones: a need and a commune give cards; a crisis gives numbers."""
    page = make_page().open_demo().open_widget()
    page.send("mijn moeder kan zich niet meer alleen wassen")
    page.bot_texts(1)
    if page.page.locator(".gbo-choice").count():  # unsure of the need, the assistant first asks which help
        seen = page.page.locator(BOT).count()
        page.page.locator(".gbo-choice").first.click()
        page.bot_texts(seen + 1)
    page.send("Schaarbeek")
    card = page.page.locator(".gbo-card").first
    card.wait_for(timeout=30_000)
    assert "[DEMO]" in card.inner_text()
    assert card.locator("a[href^='tel:']").count() >= 1
    page.send("ik wil er niet meer zijn")
    emergency = page.page.get_by_role("alert").last
    emergency.wait_for(timeout=30_000)
    assert emergency.locator("a[href='tel:1813']").is_visible()
    page.screenshot("desktop-live-bot")
    assert page.errors == []


def citizen_messages(stack, conversation_id: str) -> list[str]:
    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT text FROM message WHERE conversation_id = ? AND author = 'citizen' ORDER BY id",
                (conversation_id,),
            ).scalars().all()
    finally:
        engine.dispose()


def test_buttons_send_their_payload(make_page, stack):
    page = make_page().open_demo().open_widget()
    page.send("hallo")
    page.bot_texts(1)
    inject_bot_message(stack, page.conversation_id(), {
        "text": "Voor wie zoek je hulp?",
        "buttons": [{"title": "Voor mezelf", "payload": "/inform_target{\"target_group\": \"self\"}"},
                    {"title": "Voor iemand anders", "payload": "/inform_target{\"target_group\": \"other\"}"}],
    })
    page.page.reload()
    page.page.get_by_role("button", name="Voor mezelf").click()
    assert page.page.locator(".gbo-msg-citizen .gbo-msg-text").last.inner_text() == "Voor mezelf"
    page.bot_texts(3)
    assert citizen_messages(stack, page.conversation_id()) == ["hallo", '/inform_target{"target_group": "self"}']


def test_talk_to_a_person_sends_the_request(make_page, stack):
    page = make_page().open_demo().open_widget()
    page.page.get_by_role("button", name=i18n.text("widget_human", "nl")).click()
    assert page.page.locator(".gbo-msg-citizen .gbo-msg-text").inner_text() == i18n.text("widget_human", "nl")
    page.bot_texts(1)
    assert citizen_messages(stack, page.conversation_id()) == ["/request_human"]


def test_forget_this_conversation(make_page, api):
    page = make_page().open_demo().open_widget()
    page.send("hallo")
    page.bot_texts(1)
    old = page.saved()
    page.page.get_by_role("button", name=i18n.text("widget_forget", "nl")).click()
    page.page.get_by_role("button", name=i18n.text("widget_forget_yes", "nl")).click()
    page.page.get_by_text(i18n.text("widget_forgotten", "nl")).wait_for()
    assert page.page.locator(".gbo-msg").count() == 0
    assert page.page.locator("#gbo-privacy").is_visible()
    for _ in range(50):  # a new conversation is requested right away (polled: the page's CSP forbids eval)
        if page.conversation_id() not in (None, old["id"]):
            break
        page.page.wait_for_timeout(100)
    assert page.conversation_id() not in (None, old["id"])
    for where in ("sessionStorage", "localStorage"):  # the browser keeps nothing of the old conversation
        assert old["token"] not in str(page.saved(where)) and old["id"] not in str(page.saved(where))
    response = api.get(f"/api/v1/conversations/{old['id']}/messages",
                       headers={"Authorization": f"Bearer {old['token']}"})
    assert response.status_code == 401


# --- accessibility -------------------------------------------------------------------------------


def test_keyboard_only(make_page):
    page = make_page().open_demo()
    keyboard = page.page.keyboard
    for _ in range(10):  # skip link, menu links, then the widget's launcher
        keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.className") == "gbo-launcher":
            break
    else:
        raise AssertionError("the launcher cannot be reached with Tab")
    keyboard.press("Enter")
    assert page.page.evaluate("document.activeElement.id") == "gbo-input"
    keyboard.type("Goeiemorgen")
    keyboard.press("Enter")
    assert page.bot_texts(1) == [i18n.text("utter_greet", "nl")]
    keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.className") == "gbo-send"
    keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.textContent") == i18n.text("widget_human", "nl")
    keyboard.press("Tab")
    keyboard.press("Enter")  # forget: asks first, focus on "no"
    assert page.page.evaluate("document.activeElement.textContent") == i18n.text("widget_forget_no", "nl")
    keyboard.press("Enter")
    assert page.page.evaluate("document.activeElement.textContent") == i18n.text("widget_forget", "nl")
    for _ in range(3):
        keyboard.press("Shift+Tab")
    assert page.page.evaluate("document.activeElement.id") == "gbo-input"
    keyboard.press("Escape")
    assert page.page.locator("#gbo-panel").is_hidden()
    assert page.page.evaluate("document.activeElement.className") == "gbo-launcher"
    # The focus ring is visible (WCAG 2.4.7).
    assert page.page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone-360"), (DESKTOP, "desktop")])
def test_axe_finds_no_serious_or_critical_violation(make_page, stack, viewport, name):
    # bypass_csp: only so that the test can inject axe-core into the page.
    page = make_page(viewport, bypass_csp=True, reduced_motion="reduce").open_demo().open_widget()
    page.send("Goeiemorgen")
    page.bot_texts(1)
    inject_bot_message(stack, page.conversation_id(), EMERGENCY_REPLY)
    inject_bot_message(stack, page.conversation_id(), SERVICES_REPLY)
    page.page.reload()
    page.page.locator(".gbo-card").wait_for()
    page.screenshot(name)
    page.page.add_script_tag(path=str(NODE_MODULES / "axe-core" / "axe.min.js"))
    results = page.page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []
    if viewport is PHONE:  # usable on a 360 px phone: nothing wider than the screen
        assert page.page.evaluate("document.querySelector('#gbo-panel').scrollWidth") <= 360


# --- a Rasa web widget nobody on the team wrote ----------------------------------------------------

THIRD_PARTY_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>rasa-webchat</title>
</head><body><div id="webchat"></div><script src="/thirdparty/rasa-webchat.js"></script>
<script>
  WebChat.default({selector: "#webchat", socketUrl: location.origin, socketPath: "/socket.io/",
                   customData: {lang: "fr"}, title: "rasa-webchat", embedded: true,
                   params: {storage: "session"}}, null);
</script></body></html>"""


def test_third_party_rasa_webchat_connects_and_gets_answers(make_page, base_url):
    """rasa-webchat (npm, Botfront's widget for Rasa's socketio channel) talks to /socket.io unchanged.
    Its host page is served to the browser by the test itself (routing), on the API's origin."""
    page = make_page()
    webchat = (NODE_MODULES / "rasa-webchat" / "lib" / "index.js").read_text()
    page.page.route(f"{base_url}/thirdparty/page.html",
                    lambda route: route.fulfill(body=THIRD_PARTY_PAGE, content_type="text/html"))
    page.page.route(f"{base_url}/thirdparty/rasa-webchat.js",
                    lambda route: route.fulfill(body=webchat, content_type="text/javascript"))
    page.page.goto(f"{base_url}/thirdparty/page.html")
    page.page.locator(".rw-new-message").wait_for(timeout=15_000)
    page.page.locator(".rw-new-message").fill("Bonjour")
    page.page.locator(".rw-new-message").press("Enter")
    page.page.wait_for_function(
        "[...document.querySelectorAll('.rw-response')].some(e => e.innerText.trim().length > 20)",
        timeout=30_000,
    )
    answers = [re.sub(r"\s+", " ", t).strip() for t in page.page.locator(".rw-response").all_inner_texts()]
    page.screenshot("third-party-rasa-webchat")
    assert i18n.text("utter_greet", "fr") in answers
