"""What the widget's browser tests share: the page object, injected bot messages, test replies."""

from sqlalchemy.orm import Session

from api.channel.conversation import record_message, reply_payload
from api.channel.models import Conversation
from common.config import REPO_ROOT
from common.db import make_engine

NODE_MODULES = REPO_ROOT / "node_modules"
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
BOT = ".gbo-msg-bot .gbo-msg-text"

SERVICE = {
    "name": "Sociaal Huis <b>Noord</b>",
    "organisation": {"id": "o1", "name": "OCMW Demo"},
    "address": {"street": "Kerkstraat 1", "postcode": "1000", "city": "Brussel"},
    "phones": [{"number": "02 200 00 00", "type": "voice", "description": None}],
    "opening_hours": {"text": "ma-vr 9-17 u", "weekly": []},
    "languages": ["nl", "fr"],
    "open_now": True,
    "categories": [{"id": 101, "name": "Huisvesting"}],
    "url": "javascript:window.__pwned=3",
}
SERVICES_REPLY = {
    "text": "Deze dienst kan je helpen:", "custom": {"type": "service_list", "services": [SERVICE]}
}
EMERGENCY_REPLY = {
    "text": "Ben je in gevaar? Bel meteen.",
    "custom": {"type": "emergency_numbers", "numbers": [
        {"number": "112", "name": "Noodnummer 112", "description": "Ambulance, brandweer of politie."},
        {"number": "1813", "name": "Zelfmoordlijn 1813", "description": "Dag en nacht, gratis en anoniem."},
    ]},
}



class Page:
    """A browser page on the demo site, with the page's errors collected."""

    def __init__(self, page, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("dialog", lambda dialog: (self.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    def open_demo(self) -> "Page":
        self.page.goto(self.base_url + "/")
        self.page.wait_for_selector(".gbo-launcher")
        return self

    def open_widget(self) -> "Page":
        self.page.locator(".gbo-launcher").click()
        self.page.wait_for_selector("#gbo-panel:not([hidden])")
        return self

    def send(self, text: str) -> None:
        self.page.locator("#gbo-input").fill(text)
        self.page.locator("#gbo-input").press("Enter")

    def bot_texts(self, count: int, timeout: float = 30_000) -> list[str]:
        self.page.locator(BOT).nth(count - 1).wait_for(timeout=timeout)
        return self.page.locator(BOT).all_inner_texts()

    def saved(self, where: str = "sessionStorage") -> dict | None:
        """What the widget keeps in the browser (sessionStorage by default, localStorage with data-remember)."""
        return self.page.evaluate(f"JSON.parse({where}.getItem('gbo-widget:' + location.origin))")

    def conversation_id(self, where: str = "sessionStorage") -> str | None:
        return (self.saved(where) or {}).get("id")

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def inject_bot_message(stack, conversation_id: str, reply: dict) -> None:
    """A bot message stored in the transcript as the API stores Rasa's replies (the bot's service
    search is built elsewhere; this keeps the rendering tests independent of its NLU)."""
    engine = make_engine(stack.settings.database_url)
    try:
        with Session(engine) as session:
            conversation = session.get(Conversation, conversation_id)
            record_message(session, conversation, "bot", reply.get("text"), reply_payload(reply))
    finally:
        engine.dispose()
