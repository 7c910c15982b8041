"""How the chat widget draws what the API sends it, in a real browser against the real stack: script
payloads stay text, service cards and emergency numbers, and exact `custom.type` dispatch (messages are
injected into the transcript, so these tests do not depend on the assistant's understanding)."""

import pytest

from dialogue import i18n
from dialogue.vocabularies import CUSTOM_TYPES
from tests.e2e.widget_support import BOT, EMERGENCY_REPLY, SERVICES_REPLY, inject_bot_message

pytestmark = pytest.mark.stack


def test_script_payloads_are_rendered_as_text(make_page, stack):
    page = make_page().open_demo().open_widget()
    payloads = ['<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=2</script>",
                '"><svg onload=window.__pwned=4>']
    for i, payload in enumerate(payloads, start=1):
        page.send(payload)
        page.bot_texts(i)
    inject_bot_message(stack, page.conversation_id(), {"text": "<img src=y onerror=window.__pwned=5>", **{
        "custom": SERVICES_REPLY["custom"]}})
    page.page.reload()
    page.page.locator(".gbo-card").wait_for()
    log = page.page.locator("#gbo-log")
    assert page.page.locator(".gbo-msg-citizen .gbo-msg-text").all_inner_texts() == payloads
    assert log.locator("img, script, svg, b").count() == 0
    assert "<img src=y onerror=window.__pwned=5>" in log.inner_text()
    assert "Sociaal Huis <b>Noord</b>" in page.page.locator(".gbo-card-title").inner_text()
    assert page.page.locator(".gbo-card-title a").count() == 0  # a javascript: URL is not made a link
    assert page.page.evaluate("window.__pwned") is None
    assert page.errors == []


def test_service_cards_and_emergency_numbers(make_page, stack):
    page = make_page().open_demo().open_widget()
    page.send("hallo")
    page.bot_texts(1)
    inject_bot_message(stack, page.conversation_id(), EMERGENCY_REPLY)
    inject_bot_message(stack, page.conversation_id(), SERVICES_REPLY)
    page.page.reload()
    card = page.page.locator(".gbo-card")
    card.wait_for()
    assert card.locator(".gbo-card-org").inner_text() == "OCMW Demo"
    assert "Kerkstraat 1, 1000 Brussel" in card.inner_text()
    assert card.get_by_role("link", name="02 200 00 00").get_attribute("href") == "tel:022000000"
    assert "ma-vr 9-17 u" in card.inner_text() and "NL, FR" in card.inner_text()
    assert card.locator(".gbo-badge-open").inner_text() == i18n.text("widget_open_now", "nl")
    assert "Huisvesting" in card.inner_text()
    emergency = page.page.get_by_role("alert")
    assert emergency.get_by_role("heading").inner_text() == i18n.text("widget_emergency", "nl")
    assert emergency.locator("a[href='tel:112']").is_visible()
    assert emergency.locator("a[href='tel:1813']").is_visible()
    page.screenshot("desktop-cards")


def test_the_widget_draws_by_exact_custom_type(make_page, stack):
    """A lookup table keyed by the exact custom.type of the vocabulary: a type it does not know (here one
    that merely contains "service" or "emergency") shows its text alone, never a card or the numbers."""
    page = make_page().open_demo().open_widget()
    page.send("hallo")
    page.bot_texts(1)
    drawn = page.page.evaluate("window.GboWidget.customTypes")
    assert {"emergency_numbers", "service_list", "handover_callback_offer", "assistant_slow"} <= set(drawn)
    assert set(drawn) <= set(CUSTOM_TYPES)
    inject_bot_message(stack, page.conversation_id(), {
        "text": "Een nieuw soort bericht.", "custom": {**SERVICES_REPLY["custom"], "type": "service_list_preview"}})
    inject_bot_message(stack, page.conversation_id(), {
        "text": "Nog een.", "custom": {**EMERGENCY_REPLY["custom"], "type": "my_emergency_numbers"}})
    inject_bot_message(stack, page.conversation_id(), SERVICES_REPLY)
    page.page.reload()
    page.page.locator(".gbo-card").wait_for()
    assert page.page.locator(".gbo-card").count() == 1  # from service_list only
    assert page.page.locator(".gbo-emergency").count() == 0
    assert {"Een nieuw soort bericht.", "Nog een."} <= set(page.page.locator(BOT).all_inner_texts())
    # The one script tag of the host page brought the widget's other parts along.
    for name in ("gbo-widget-messages.js", "gbo-widget-socket.js"):
        assert page.page.locator(f"script[src$='/widget/{name}']").count() == 1
    for name in ("gbo-widget.css", "gbo-widget-messages.css"):
        assert page.page.locator(f"link[href$='/widget/{name}']").count() == 1
    assert page.errors == []
