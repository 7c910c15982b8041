"""Guards at the API boundary: body size cap, printable citizen text, bounded metadata, cross-site writes
with the staff cookie, and SQL parameters kept out of error messages."""

import json

import pytest
from sqlalchemy import text

from api.core.guards import MAX_BODY_BYTES, is_cross_site_write
from api.core.text_input import has_forbidden_characters
from common.db import make_engine


def _start(client) -> tuple[str, dict]:
    started = client.post("/api/v1/conversations").json()
    return started["conversation_id"], {"Authorization": f"Bearer {started['token']}"}


def test_a_body_over_64_kb_is_refused_with_413_before_the_route_runs(client, db_session):
    sender, headers = _start(client)
    body = json.dumps({"sender": sender, "message": "a" * MAX_BODY_BYTES})
    response = client.post("/webhooks/rest/webhook", content=body,
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert "64" in response.json()["detail"] or str(MAX_BODY_BYTES) in response.json()["detail"]
    assert client.get(f"/api/v1/conversations/{sender}/messages", headers=headers).json() == []


def test_a_streamed_body_without_length_is_capped_too(client):
    def chunks():
        for _ in range(80):
            yield b"x" * 1024

    response = client.post("/api/v1/conversations", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("message", ["hallo\x00daar", "bell\x07", "esc \x1b[31mred", "c1 \x85 x", "bad \ud800"])
def test_control_characters_are_a_clear_422(client, message):
    sender, headers = _start(client)
    # json.dumps escapes a lone surrogate as \\ud800, as a hostile client would send it
    body = json.dumps({"sender": sender, "message": message})
    response = client.post("/webhooks/rest/webhook", content=body,
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "message"
    reason = response.json()["detail"][0]["message"]
    # pydantic itself refuses a lone surrogate ("unable to parse raw data as a unicode string")
    assert "control characters" in reason or "unicode" in reason


def test_tabs_line_breaks_accents_and_emoji_are_plain_text():
    assert not has_forbidden_characters("Ik zoek\thulp,\r\nvoor mijn mère 👵 à Schaerbeek")
    assert has_forbidden_characters("\x00")


@pytest.mark.parametrize(
    "metadata",
    [{f"k{i}": i for i in range(17)}, {"lang": "nl", "blob": "x" * 3000}],
)
def test_large_metadata_is_a_clear_422(client, metadata):
    sender, headers = _start(client)
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hallo", "metadata": metadata},
                           headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "metadata"


def _scope(method="POST", **headers) -> dict:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "method": method, "scheme": "http", "headers": [(b"host", b"gbo.test"), *raw]}


def test_cross_site_rules_for_cookie_writes():
    cookie = "gbo_session=abc"
    assert is_cross_site_write(_scope(cookie=cookie, sec_fetch_site="cross-site"))
    assert is_cross_site_write(_scope(cookie=cookie, sec_fetch_site="same-site"))
    assert is_cross_site_write(_scope(cookie=cookie, origin="https://evil.example"))
    assert is_cross_site_write(_scope(cookie=cookie, origin="null"))
    assert not is_cross_site_write(_scope(cookie=cookie, origin="http://gbo.test", sec_fetch_site="same-origin"))
    assert not is_cross_site_write(_scope(method="GET", cookie=cookie, sec_fetch_site="cross-site"))
    assert not is_cross_site_write(_scope(origin="https://evil.example"))  # no cookie: nothing to abuse
    assert not is_cross_site_write(_scope(cookie=cookie, authorization="Bearer t", origin="https://x.example"))


def test_a_cross_site_logout_with_the_staff_cookie_is_refused(client):
    client.cookies.set("gbo_session", "anything")
    try:
        refused = client.post("/api/v1/auth/logout", headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403
        same = client.post("/api/v1/auth/logout", headers={"Origin": "http://testserver",
                                                            "Sec-Fetch-Site": "same-origin"})
        assert same.status_code == 204
    finally:
        client.cookies.clear()


def test_sql_parameters_never_appear_in_database_errors():
    engine = make_engine("sqlite://")
    with pytest.raises(Exception) as failure, engine.connect() as connection:  # noqa: PT011
        connection.execute(text("SELECT * FROM missing WHERE x = :x"), {"x": "Jan Peeters 0470 12 34 56"})
    assert "Jan Peeters" not in str(failure.value)
    engine.dispose()
