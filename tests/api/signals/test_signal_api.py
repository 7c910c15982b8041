"""Signals API per role (anonymous 401, wrong role 403), triage, reports (JSON, CSV), escalation report,
and bad input (4xx, never 500), on SQLite and PostgreSQL."""

import csv
import io
from datetime import date

import pytest

from tests.api.signals.signals_support import CAT_A, CAT_B

ELZ_ONLY = [
    ("get", "/api/v1/signals"),
    ("get", "/api/v1/signals/report?group_by=type"),
    ("get", "/api/v1/signals/escalations"),
    ("get", "/api/v1/signals/options"),
    ("get", "/api/v1/signals/1"),
    ("patch", "/api/v1/signals/1"),
    ("post", "/api/v1/signals/1/service-verified"),
]
SIGNAL = {
    "signal_type": "unmet_need",
    "category_ids": [CAT_A],
    "commune": "Anderlecht",
    "language": "nl",
    "source": "worker",
    "text": "Mevrouw Peeters vindt geen thuisverpleging; gsm 0470 12 34 56",
    "conversation_key": "case-42",
}


def _call(client, method, path, headers=None):
    kwargs = {"headers": headers or {}}
    if method == "patch":
        kwargs["json"] = {"status": "reviewed"}
    return getattr(client, method)(path, **kwargs)


@pytest.mark.parametrize(("method", "path"), ELZ_ONLY)
def test_elz_endpoints_refuse_anonymous_and_other_roles(client, headers_for, method, path):
    assert _call(client, method, path).status_code == 401
    for role in ("onthaal", "admin"):
        response = _call(client, method, path, headers_for(role))
        assert response.status_code == 403, (role, response.text)


def test_posting_a_signal_needs_a_staff_role(client, headers_for):
    assert client.post("/api/v1/signals", json=SIGNAL).status_code == 401
    forged = {"Authorization": "Bearer forged"}
    assert client.post("/api/v1/signals", json=SIGNAL, headers=forged).status_code == 401
    for role in ("onthaal", "elz", "admin"):
        response = client.post(
            "/api/v1/signals", json={**SIGNAL, "conversation_key": f"case-{role}"}, headers=headers_for(role)
        )
        assert response.status_code == 201, response.text


def test_post_scrubs_dedups_and_lists(client, headers_for):
    worker, elz = headers_for("onthaal"), headers_for("elz")
    first = client.post("/api/v1/signals", json=SIGNAL, headers=worker)
    assert first.status_code == 201
    body = first.json()
    assert body["text"] == "Mevrouw [name] vindt geen thuisverpleging; gsm [phone]"
    assert body["commune"]["code"] == "21001" and body["duplicate"] is False
    assert "conversation_key" not in body and "dedup_key" not in body
    again = client.post("/api/v1/signals", json=SIGNAL, headers=worker)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    params = {"commune": "21001", "type": "unmet_need"}
    listed = client.get("/api/v1/signals", params=params, headers=elz).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"category_ids": [999999]}, "unknown social.brussels category"),
        ({"commune": "Antwerpen"}, "unknown commune"),
        ({"signal_type": "complaint"}, "signal_type"),
        ({"text": "x" * 6000}, "text"),
        ({"category_ids": list(range(30))}, "category_ids"),
    ],
)
def test_post_bad_input_is_422(client, headers_for, change, fragment):
    response = client.post("/api/v1/signals", json={**SIGNAL, **change}, headers=headers_for("onthaal"))
    assert response.status_code == 422
    assert fragment in response.text


def test_triage_over_http_with_audit_and_conflicts(client, headers_for):
    created = client.post("/api/v1/signals", json=SIGNAL, headers=headers_for("onthaal")).json()
    elz = headers_for("elz")
    url = f"/api/v1/signals/{created['id']}"
    assert client.patch(url, json={"status": "escalated"}, headers=elz).status_code == 409
    assert client.patch(url, json={"status": "reviewed"}, headers=elz).status_code == 200
    done = client.patch(url, json={"status": "escalated", "note": "Tekort in Anderlecht"}, headers=elz)
    assert done.status_code == 200
    assert done.json()["status"] == "escalated"
    assert [e["to"] for e in done.json()["events"]] == ["reviewed", "escalated"]
    assert client.patch(url, json={}, headers=elz).status_code == 422
    assert client.patch(url, json={"status": "finished"}, headers=elz).status_code == 422
    assert client.patch("/api/v1/signals/999999", json={"status": "reviewed"}, headers=elz).status_code == 404
    assert client.get("/api/v1/signals/not-a-number", headers=elz).status_code == 422


def test_report_json_and_csv_suppress_small_cells(client, headers_for, add_signals):
    add_signals(8, day=date(2026, 2, 3), commune="21015")
    add_signals(2, day=date(2026, 2, 9), commune="21009")
    add_signals(6, day=date(2026, 2, 9), commune="21001", categories=(CAT_B,))
    elz = headers_for("elz")
    params = {"group_by": "commune", "from": "2026-02", "to": "2026-02"}
    report = client.get("/api/v1/signals/report", params=params, headers=elz)
    assert report.status_code == 200
    body = report.json()
    assert {r["commune"]: r["display"] for r in body["rows"]} == {"21001": "x", "21009": "< 5", "21015": "8"}
    assert all(r["count"] is None for r in body["rows"] if r["display"] in ("< 5", "x"))
    assert body["total"] == {"count": 16, "display": "16", "demo_count": 0, "demo_display": "0"}  # no demo

    exported = client.get("/api/v1/signals/report", params={**params, "format": "csv"}, headers=elz)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["commune", "commune_nl", "commune_fr", "count", "of_which_demo"]
    assert ["21009", "Elsene", "Ixelles", "< 5", "0"] in rows
    assert ["21015", "Schaarbeek", "Schaerbeek", "8", "0"] in rows
    assert rows[-1] == ["total", "", "", "16", "0"]
    assert "2" not in [v for r in rows for v in r[-2:]]  # the small count itself appears nowhere


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-02-30"},
        {"from": "1900-01"},
        {"to": "next week"},
        {"from": "2026-05", "to": "2026-01"},
        {"group_by": "type,person"},
        {"category": "489,abc"},
        {"commune": "Lille"},
        {"category": ",".join(str(i) for i in range(100))},
        {"format": "xlsx"},
        {"from": "2000-01", "to": "2099-12"},
    ],
)
def test_report_bad_input_is_a_clear_4xx(client, headers_for, params):
    response = client.get("/api/v1/signals/report", params=params, headers=headers_for("elz"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_escalation_report_html_and_csv(client, headers_for, add_signals):
    add_signals(6, day=date(2026, 1, 5), status="escalated", note="<script>alert(1)</script> wachtlijst")
    elz = headers_for("elz")
    params = {"from": "2026-01", "to": "2026-02", "lang": "fr"}
    page = client.get("/api/v1/signals/escalations", params=params, headers=elz)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "escalade des signaux" in page.text and "Schaerbeek" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "script-src 'self'" in page.headers.get("content-security-policy", "")
    exported = client.get("/api/v1/signals/escalations", params={"from": "2026-01", "to": "2026-02",
                                                                  "format": "csv"}, headers=elz)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-3:] == ["total", "of_which_demo", "trend"]
    assert rows[0][7:9] == ["2026-01", "2026-02"]
    assert rows[1][:2] == ["unmet_need", str(CAT_A)] and rows[1][7:10] == ["6", "0", "6"]


def test_data_quality_signal_links_to_the_sociale_kaart_entry(client, headers_for, db_session):
    from kb.demo import load_demo
    from kb.models import Service

    load_demo(db_session)
    service = db_session.query(Service).first()
    body = {**SIGNAL, "signal_type": "data_quality", "service_id": service.id, "text": "nummer klopt niet"}
    created = client.post("/api/v1/signals", json=body, headers=headers_for("onthaal")).json()
    assert created["service"]["id"] == service.id and created["service"]["exists"] is True
    assert created["demo"] is True  # about a DEMO service: says nothing about the real sociale kaart
    elz = headers_for("elz")
    marked = client.post(f"/api/v1/signals/{created['id']}/service-verified", headers=elz)
    assert marked.status_code == 200
    db_session.refresh(service)
    assert service.last_verified_at is not None and service.last_verified_by == "ELZ Brussel"
    other = client.post("/api/v1/signals", json={**SIGNAL, "conversation_key": "x-1"}, headers=elz).json()
    assert client.post(f"/api/v1/signals/{other['id']}/service-verified", headers=elz).status_code == 409
