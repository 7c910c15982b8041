"""Editing the sociale kaart through the API, as ELZ staff, on SQLite and PostgreSQL: ETag / If-Match,
validation, history and revert, the public HSDS API and the assistant's search showing an edit at once,
roles, and the corrections to send back to social.brussels."""

import csv
import io
from datetime import date

from sqlalchemy import select

from dialogue.service_cards import search_services
from kb import models as m

BASE = "/api/v1/directory"


def _get(client, headers, kind, entity_id):
    response = client.get(f"{BASE}/{kind}/{entity_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == response.json()["etag"]
    return response.json()


def test_edit_shows_at_once_and_is_in_the_history(client, db_session, directory, staff):
    headers, email = staff("elz")
    sid = directory["service"]
    before = _get(client, headers, "services", sid)
    assert before["hsds"]["name"] == "Buurthuis De Linde"
    assert before["hsds"]["organization"]["name"] == "vzw De Linde"
    assert before["hsds"]["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "1000"
    assert before["editable"]["phones"][0]["number"] == "02 511 11 11"
    old_etag = before["etag"]

    body = {"name_nl": "Buurthuis Zonnebloem", "phones": [{"number": "02 555 44 33", "type": "voice"}],
            "languages": ["nl", "fr"], "reason": "telefoonnummer gewijzigd (gebeld)"}
    response = client.patch(f"{BASE}/services/{sid}", json=body, headers={**headers, "If-Match": old_etag})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["version"] == 1
    assert edited["etag"] != old_etag and response.headers["ETag"] == edited["etag"]

    public = client.get(f"/hsds/services/{sid}").json()
    assert public["name"] == "Buurthuis Zonnebloem"
    assert [p["number"] for p in public["phones"]] == ["+32 2 555 44 33"]
    assert public["translations"]["fr"]["name"] == "Maison de quartier Le Tilleul"  # untouched
    assert public["assured_date"] == date.today().isoformat()

    history = client.get(f"{BASE}/services/{sid}/history", headers=headers).json()
    (version,) = history["versions"]
    assert version["editor"] == email and version["action"] == "edit"
    assert version["reason"] == "telefoonnummer gewijzigd (gebeld)"
    changes = {c["field"]: c for c in version["changes"]}
    assert set(changes) == {"name_nl", "phones", "languages"}
    assert changes["name_nl"]["before"] == "Buurthuis De Linde"
    assert changes["name_nl"]["after"] == "Buurthuis Zonnebloem"
    assert changes["languages"] == {"field": "languages", "before": ["nl"], "after": ["fr", "nl"]}

    stale = client.patch(f"{BASE}/services/{sid}", json={"name_nl": "Iets anders"},
                         headers={**headers, "If-Match": old_etag})
    assert stale.status_code == 412
    missing = client.patch(f"{BASE}/services/{sid}", json={"name_nl": "Iets anders"}, headers=headers)
    assert missing.status_code == 428
    assert client.get(f"/hsds/services/{sid}").json()["name"] == "Buurthuis Zonnebloem"


def test_edit_reaches_the_assistants_search_and_the_index(client, db_session, directory, staff):
    headers, _ = staff("elz")
    sid = directory["service"]
    etag = _get(client, headers, "services", sid)["etag"]
    rows = db_session.execute(select(m.ServiceSearch.speaks_fr).where(m.ServiceSearch.service_id == sid)).all()
    assert rows and not any(r.speaks_fr for r in rows)
    response = client.patch(f"{BASE}/services/{sid}", headers={**headers, "If-Match": etag},
                            json={"translations": {"fr": {"name": "Maison Tournesolix"}}, "languages": ["fr", "nl"]})
    assert response.status_code == 200, response.text
    rows = db_session.execute(select(m.ServiceSearch.speaks_fr).where(m.ServiceSearch.service_id == sid)).all()
    assert rows and all(r.speaks_fr for r in rows)
    found = search_services(db_session, q="Tournesolix", lang="fr", limit=5)
    assert sid in [s["id"] for s in found["services"]]
    assert next(s for s in found["services"] if s["id"] == sid)["name"] == "Maison Tournesolix"


def test_validation_names_each_field_and_reason(client, directory, staff):
    headers, _ = staff("admin")
    sid = directory["service"]
    etag = _get(client, headers, "services", sid)["etag"]
    body = {
        "url": "ftp://example.org/x", "email": "not-an-address", "phones": [{"number": "12"}],
        "schedules": [{"byday": "MO,XX", "opens_at": "9h", "closes_at": "08:00"}], "colour": "red",
    }
    response = client.patch(f"{BASE}/services/{sid}", json=body, headers={**headers, "If-Match": etag})
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["detail"]}
    assert {"url", "email", "phones[0].number", "schedules[0].byday", "schedules[0].opens_at", "colour"} <= fields
    assert client.get(f"{BASE}/services/{sid}", headers=headers).json()["etag"] == etag  # nothing written
    closes_first = client.patch(
        f"{BASE}/services/{sid}", headers={**headers, "If-Match": etag},
        json={"schedules": [{"byday": "MO", "opens_at": "14:00", "closes_at": "12:00"}]},
    )
    assert closes_first.status_code == 422
    assert closes_first.json()["detail"][0]["field"] == "schedules[0].closes_at"


def test_revert_to_a_version(client, directory, staff):
    headers, email = staff("elz")
    sid = directory["service"]
    etag = _get(client, headers, "services", sid)["etag"]
    etag = client.patch(f"{BASE}/services/{sid}", json={"email": "a@delinde.example"},
                        headers={**headers, "If-Match": etag}).json()["etag"]
    etag = client.patch(f"{BASE}/services/{sid}", json={"email": "b@delinde.example", "name_nl": "X"},
                        headers={**headers, "If-Match": etag}).json()["etag"]
    response = client.post(f"{BASE}/services/{sid}/revert", json={"version": 1}, headers={**headers, "If-Match": etag})
    assert response.status_code == 200, response.text
    assert response.json()["editable"]["email"] == "a@delinde.example"
    assert response.json()["editable"]["name_nl"] == "Buurthuis De Linde"
    response = client.post(f"{BASE}/services/{sid}/revert", json={"version": 0}, headers=headers)
    assert response.json()["editable"]["email"] == "info@delinde.example"
    versions = client.get(f"{BASE}/services/{sid}/history", headers=headers).json()["versions"]
    assert [v["action"] for v in versions] == ["revert", "revert", "edit", "edit"]
    assert versions[1]["reason"] == "revert to version 1" and versions[1]["editor"] == email
    assert client.post(f"{BASE}/services/{sid}/revert", json={"version": 9}, headers=headers).status_code == 404


def test_organisations_and_locations_have_history_too(client, directory, staff):
    headers, email = staff("elz")
    loc = _get(client, headers, "locations", directory["location"])
    address = {**loc["editable"]["address"], "address_1_nl": "Lindestraat 3", "postal_code": "1030"}
    response = client.patch(f"{BASE}/locations/{directory['location']}", json={"address": address},
                            headers={**headers, "If-Match": loc["etag"]})
    assert response.status_code == 200, response.text
    public = client.get(f"/hsds/services/{directory['service']}").json()
    assert public["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "1030"
    org = _get(client, headers, "organizations", directory["org"])
    response = client.patch(f"{BASE}/organizations/{directory['org']}", json={"website": "https://delinde.example"},
                            headers={**headers, "If-Match": org["etag"]})
    assert response.status_code == 200, response.text
    for kind, eid, field in (("locations", directory["location"], "address"),
                             ("organizations", directory["org"], "website")):
        (version,) = client.get(f"{BASE}/{kind}/{eid}/history", headers=headers).json()["versions"]
        assert version["editor"] == email and version["changes"][0]["field"] == field


def test_roles(client, directory, staff):
    sid = directory["service"]
    onthaal, _ = staff("onthaal")
    for method, path in (("get", f"{BASE}/services/{sid}"), ("patch", f"{BASE}/services/{sid}"),
                         ("get", f"{BASE}/services/{sid}/history"), ("get", f"{BASE}/review"),
                         ("post", f"{BASE}/services/{sid}/verify"), ("get", f"{BASE}/corrections?since=2026-01-01")):
        kwargs = {"json": {}} if method != "get" else {}
        assert getattr(client, method)(path, **kwargs).status_code == 401, path
        assert getattr(client, method)(path, headers=onthaal, **kwargs).status_code == 403, path
    assert client.get(f"{BASE}/services/00000000-0000-0000-0000-000000000000",
                      headers=staff("elz")[0]).status_code == 404


def test_corrections_to_send_back(client, directory, staff):
    headers, _ = staff("elz")
    sid = directory["service"]
    etag = _get(client, headers, "services", sid)["etag"]
    client.patch(f"{BASE}/services/{sid}", json={"email": "onthaal@delinde.example", "reason": "gemeld door onthaal"},
                 headers={**headers, "If-Match": etag})
    today = date.today().isoformat()
    doc = client.get(f"{BASE}/corrections", params={"since": today}, headers=headers).json()
    item = next(c for c in doc["corrections"] if c["id"] == sid)
    assert item["changes"] == [{"field": "email", "before": "info@delinde.example", "after": "onthaal@delinde.example"}]
    assert item["hsds"]["email"] == "onthaal@delinde.example" and item["reasons"] == ["gemeld door onthaal"]
    response = client.get(f"{BASE}/corrections", params={"since": today, "format": "csv"}, headers=headers)
    assert response.headers["content-type"].startswith("text/csv")
    rows = [r for r in csv.DictReader(io.StringIO(response.text)) if r["id"] == sid]
    assert rows == [{**rows[0], "field": "email", "before": "info@delinde.example", "after": "onthaal@delinde.example"}]
    assert client.get(f"{BASE}/corrections", params={"since": "yesterday"}, headers=headers).status_code == 422
