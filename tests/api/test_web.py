"""What a browser meets: security headers on every page, CORS limited to the configured host sites,
the widget's files and texts, the demo page, and the channel's rate limits."""

import re

import pytest
from fastapi.testclient import TestClient

from api.channel.ratelimit import RateLimiter
from api.channel.widget_routes import WIDGET_DIR, widget_texts
from api.main import create_app
from common.config import get_settings, load_settings
from dialogue import i18n

HOST_SITE = "https://www.elz-brussel.example"


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{HOST_SITE}, https://other.example")
    monkeypatch.setenv("FRAME_ANCESTORS", HOST_SITE)
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        yield client
    get_settings.cache_clear()


@pytest.mark.parametrize("path", ["/", "/widget/gbo-widget.js", "/widget/gbo-widget.css",
                                  "/widget/i18n/nl.json", "/healthz", "/no-such-page"])
def test_security_headers_on_every_page(configured, path):
    headers = configured.get(path).headers
    csp = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in csp
    assert directives["frame-ancestors"] == f"'self' {HOST_SITE}"
    assert directives["object-src"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_framing_by_other_sites_by_default(client):
    assert "frame-ancestors 'self';" in client.get("/").headers["content-security-policy"] + ";"


def test_cors_only_for_configured_host_sites(configured):
    allowed = configured.options("/api/v1/conversations", headers={
        "Origin": HOST_SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    assert allowed.headers["access-control-allow-origin"] == HOST_SITE
    refused = configured.options("/api/v1/conversations", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in refused.headers
    simple = configured.get("/widget/i18n/fr.json", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_demo_page_embeds_the_widget_with_one_script_tag_and_no_inline_script(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page.text, re.S)
    assert scripts == [""]  # one tag, no inline code
    assert 'src="/widget/gbo-widget.js"' in page.text
    assert " style=" not in page.text


def test_widget_files_are_served(client):
    js = client.get("/widget/gbo-widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert client.get("/widget/gbo-widget.css").headers["content-type"].startswith("text/css")
    vendor = client.get("/widget/vendor/socket.io.min.js")
    assert vendor.status_code == 200, "node_modules missing: run `make install`"
    assert "javascript" in vendor.headers["content-type"]


def test_widget_never_uses_innerhtml():
    source = (WIDGET_DIR / "gbo-widget.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source)


def test_widget_texts_complete_in_every_language(client):
    catalogs = {lang: client.get(f"/widget/i18n/{lang}.json").json() for lang in i18n.LANGUAGES}
    keys = set(catalogs["nl"])
    assert {"launcher", "privacy", "send", "human", "forget", "emergency", "open_now"} <= keys
    for lang, texts in catalogs.items():
        assert set(texts) == keys, lang
        assert all(value.strip() and "{" not in value for value in texts.values()), lang
    assert catalogs["nl"]["send"] != catalogs["fr"]["send"] != catalogs["en"]["send"]
    assert str(get_settings().retention_days) in catalogs["fr"]["privacy"]


def test_every_text_the_widget_asks_for_exists():
    source = (WIDGET_DIR / "gbo-widget.js").read_text()
    used = set(re.findall(r"\bt\(\"(\w+)\"\)", source))
    assert used and used <= set(widget_texts("nl")), used - set(widget_texts("nl"))


def test_unknown_widget_language_is_404(client):
    response = client.get("/widget/i18n/de.json")
    assert response.status_code == 404 and "nl, fr, en" in response.json()["detail"]


def test_rate_limit_per_conversation_is_a_clear_429(client):
    limits = load_settings(rate_limit_per_conversation=2, rate_limit_per_ip=100)
    client.app.state.rate_limiter = RateLimiter(limits)
    started = client.post("/api/v1/conversations").json()
    headers = {"Authorization": f"Bearer {started['token']}"}
    body = {"sender": started["conversation_id"], "message": "hallo"}
    codes = [client.post("/webhooks/rest/webhook", json=body, headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other = client.post("/api/v1/conversations").json()
    body = {"sender": other["conversation_id"], "message": "hallo"}
    headers = {"Authorization": f"Bearer {other['token']}"}
    response = client.post("/webhooks/rest/webhook", json=body, headers=headers)
    assert response.status_code == 200


def test_rate_limit_per_ip_covers_new_conversations(client):
    client.app.state.rate_limiter = RateLimiter(load_settings(rate_limit_per_ip=3))
    codes = [client.post("/api/v1/conversations").status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
