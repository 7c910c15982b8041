"""The sociale kaart API: /hsds/ (HSDS 3.0, validated against the schemas), needs and services."""

import math

import pytest

from kb.export import validator
from kb.geo import resolve_place
from kb.taxonomy import term_uuid

PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


def test_hsds_meta(client):
    body = client.get("/hsds/").json()
    assert body["version"] == "3.0" and body["openapi_url"].endswith("/openapi.json")


def test_hsds_services_paging_and_items_validate(demo_client):
    r = demo_client.get("/hsds/services", params={"page": 2, "per_page": 25})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == PAGE_KEYS
    assert body["page_number"] == 2 and body["size"] == 25 and not body["first_page"] and not body["last_page"]
    assert body["total_items"] >= 250 and body["total_pages"] == -(-body["total_items"] // 25)
    v = validator("compiled/service_list.json")
    for item in body["contents"]:
        assert list(v.iter_errors(item)) == []
    last = demo_client.get("/hsds/services", params={"page": body["total_pages"], "per_page": 25}).json()
    assert last["last_page"] and 0 < last["size"] <= 25
    beyond = demo_client.get("/hsds/services", params={"page": body["total_pages"] + 1, "per_page": 25}).json()
    assert beyond["empty"] and beyond["contents"] == []


def test_hsds_service_full_validates_and_filters(demo_client):
    listed = demo_client.get("/hsds/services", params={"taxonomy_term_id": "346", "per_page": 100}).json()
    assert listed["total_items"] > 5
    same = demo_client.get("/hsds/services", params={"taxonomy_term_id": term_uuid(346), "per_page": 100}).json()
    assert same["total_items"] == listed["total_items"]
    sid = listed["contents"][0]["id"]
    full = demo_client.get(f"/hsds/services/{sid}").json()
    assert list(validator("compiled/service.json").iter_errors(full)) == []
    codes = {a["taxonomy_term"]["code"] for a in full["attributes"]}
    assert "346" in codes
    fr = demo_client.get(f"/hsds/services/{sid}", params={"lang": "fr"}).json()
    assert fr["name"] != full["name"] and fr["name"].startswith("[DEMO]")
    searched = demo_client.get("/hsds/services", params={"search": "thuisverpleging"}).json()
    assert searched["total_items"] >= 1
    org_id = full["organization"]["id"]
    by_org = demo_client.get("/hsds/services", params={"organization_id": org_id}).json()
    assert [s["id"] for s in by_org["contents"]] == [sid]
    minimal = demo_client.get("/hsds/services", params={"minimal": "true", "per_page": 3}).json()
    assert all(set(x) <= {"id", "last_modified"} for x in minimal["contents"])
    full_list = demo_client.get("/hsds/services", params={"full": "true", "per_page": 2}).json()
    for item in full_list["contents"]:
        assert list(validator("compiled/service.json").iter_errors(item)) == []


def test_hsds_organizations_and_taxonomy(demo_client):
    orgs = demo_client.get("/hsds/organizations", params={"per_page": 5}).json()
    assert set(orgs) == PAGE_KEYS and orgs["size"] == 5
    for item in orgs["contents"]:
        assert list(validator("compiled/organization_list.json").iter_errors(item)) == []
    org = demo_client.get(f"/hsds/organizations/{orgs['contents'][0]['id']}").json()
    assert list(validator("compiled/organization.json").iter_errors(org)) == []
    taxonomies = demo_client.get("/hsds/taxonomies").json()
    assert taxonomies["total_items"] >= 1
    terms = demo_client.get("/hsds/taxonomy_terms", params={"per_page": 100, "search": "thuisverpleging"}).json()
    codes = [t["code"] for t in terms["contents"]]
    assert "346" in codes
    v = validator("taxonomy_term.json")
    for t in terms["contents"]:
        assert list(v.iter_errors(t)) == []
    term = demo_client.get("/hsds/taxonomy_terms/346", params={"lang": "fr"}).json()
    assert term["code"] == "346" and term["name"] == "Soins infirmiers à domicile"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/hsds/services", {"page": 0}),
        ("/hsds/services", {"per_page": 100000}),
        ("/hsds/services", {"per_page": "many"}),
        ("/hsds/services", {"taxonomy_term_id": "drop table"}),
        ("/hsds/services", {"modified_after": "yesterday"}),
        ("/hsds/services", {"format": "xml"}),
        ("/hsds/services", {"lang": "de"}),
        ("/hsds/taxonomy_terms", {"taxonomy_id": "nope"}),
    ],
)
def test_hsds_bad_parameters_are_4xx(client, path, params):
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text


def test_hsds_unknown_ids_are_404(client):
    assert client.get("/hsds/services/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/hsds/organizations/whatever").status_code == 404
    assert client.get("/hsds/taxonomy_terms/999999").status_code == 404


def test_needs_match(client):
    r = client.get("/api/v1/needs/match", params={"q": "ik zoek een aide familiale", "lang": "nl", "limit": 3})
    assert r.status_code == 200
    cats = r.json()["categories"]
    assert 1 <= len(cats) <= 3 and cats[0]["id"] in (35, 62)
    assert set(cats[0]) == {"id", "name", "score"}
    fr = client.get("/api/v1/needs/match", params={"q": "j'ai des dettes", "lang": "fr"}).json()
    assert fr["categories"][0]["id"] == 458 and fr["categories"][0]["name"] == "Médiation de dettes"


def test_services_nearest_first_with_why(demo_client):
    r = demo_client.get("/api/v1/services", params={"q": "thuisverpleging", "postcode": "1020", "lang": "nl"})
    assert r.status_code == 200
    body = r.json()
    assert body["categories"][0]["id"] == 346
    assert body["place"]["commune"]["code"] == "21004" and body["place"]["postcode"] == "1020"
    services = body["services"]
    assert len(services) >= 3
    distances = [s["distance_km"] for s in services]
    assert all(d is not None for d in distances)
    speaking = [s["distance_km"] for s in services if "nl" in s["languages"]]
    assert speaking == sorted(speaking)  # among those who speak Dutch, nearest first
    first = services[0]
    assert {c["id"] for c in first["categories"]} & {346, 351}
    assert first["demo"] is True and first["name"].startswith("[DEMO]")
    assert first["address"]["postcode"] and first["phones"] and first["languages"]
    assert first["opening_hours"]["weekly"] and first["opening_hours"]["text"]
    assert first["open_now"] in (True, False)
    assert any("Thuisverpleging" in w for w in first["why"]) and any("km" in w for w in first["why"])


def test_services_by_category_in_french_with_place_in_text(demo_client):
    body = demo_client.get("/api/v1/services", params={"category": 458, "postcode": "Schaerbeek", "lang": "fr"}).json()
    assert body["services"] and all(458 in {c["id"] for c in s["categories"]} for s in body["services"])
    assert body["services"][0]["categories"][0]["name"] == "Médiation de dettes"
    text = demo_client.get("/api/v1/services", params={"q": "aide familiale à Schaerbeek", "lang": "fr"}).json()
    assert text["place"]["commune"]["code"] == "21015"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/needs/match", {"q": ""}),
        ("/api/v1/needs/match", {"q": "   "}),
        ("/api/v1/needs/match", {"q": "x" * 10_000}),
        ("/api/v1/needs/match", {"q": "schulden", "lang": "de"}),
        ("/api/v1/needs/match", {"q": "<script>alert(1)</script>"}),
        ("/api/v1/needs/match", {"q": "'; DROP TABLE service; --"}),
        ("/api/v1/needs/match", {"q": "schulden", "limit": 0}),
        ("/api/v1/services", {}),
        ("/api/v1/services", {"q": "schulden", "postcode": "9999"}),
        ("/api/v1/services", {"q": "schulden", "postcode": "Paris"}),
        ("/api/v1/services", {"category": 123456}),
        ("/api/v1/services", {"category": "abc"}),
        ("/api/v1/services", {"q": "schulden", "lang": "xx"}),
        ("/api/v1/services", {"q": "<b>help</b>"}),
        ("/api/v1/services", {"q": "1 UNION SELECT * FROM organization"}),
        ("/api/v1/services", {"q": "y" * 10_000}),
    ],
)
def test_bad_input_is_a_clear_4xx(client, path, params):
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_apostrophes_and_quotes_are_fine(demo_client):
    r = demo_client.get("/api/v1/services", params={"q": "j'ai besoin d'aide \"familiale\"", "lang": "fr"})
    assert r.status_code == 200
    r = demo_client.get("/api/v1/needs/match", params={"q": 'AND OR NOT * " ( )', "lang": "nl"})
    assert r.status_code == 200


def test_hsds_service_at_locations_list_full_and_by_id_validate(demo_client):
    listed = demo_client.get("/hsds/service_at_locations", params={"per_page": 30}).json()
    assert set(listed) == PAGE_KEYS and listed["size"] == 30 and listed["total_items"] >= 250
    v = validator("compiled/service_at_location_list.json")
    for item in listed["contents"]:
        assert list(v.iter_errors(item)) == []
        assert item["service"]["id"] == item["service_id"] and item["location"]["id"] == item["location_id"]
    full_list = demo_client.get("/hsds/service_at_locations", params={"full": "true", "per_page": 3}).json()
    v_full = validator("compiled/service_at_location.json")
    for item in full_list["contents"]:
        assert list(v_full.iter_errors(item)) == []
    sal_id = listed["contents"][0]["id"]
    one = demo_client.get(f"/hsds/service_at_locations/{sal_id}").json()
    assert list(v_full.iter_errors(one)) == [] and one["id"] == sal_id
    assert one["location"]["addresses"] and one["service"]["name"].startswith("[DEMO]")
    fr = demo_client.get(f"/hsds/service_at_locations/{sal_id}", params={"lang": "fr"}).json()
    assert fr["service"]["name"] != one["service"]["name"]
    assert demo_client.get("/hsds/service_at_locations/00000000-0000-4000-8000-000000000000").status_code == 404


def test_hsds_service_at_locations_filters(demo_client):
    def ids(**params):
        body = demo_client.get("/hsds/service_at_locations", params={"per_page": 200, **params}).json()
        return {x["id"]: x for x in body["contents"]}

    by_term = ids(taxonomy_term_id="346")
    assert by_term and by_term.keys() == ids(taxonomy_term_id=term_uuid(346)).keys()
    some = next(iter(by_term.values()))
    by_org = ids(organization_id=some["service"]["organization"]["id"])
    assert some["id"] in by_org and all(
        x["service"]["organization"]["id"] == some["service"]["organization"]["id"] for x in by_org.values()
    )
    laken = ids(postcode="1020")
    assert laken
    for sal_id in list(laken)[:3]:
        full = demo_client.get(f"/hsds/service_at_locations/{sal_id}").json()
        assert "1020" in {a["postal_code"] for a in full["location"]["addresses"]}
    near = ids(postcode="1020", proximity="3000")
    centre = resolve_place("1020")
    for item in near.values():
        dy = (item["location"]["latitude"] - centre.lat) * 110.57
        dx = (item["location"]["longitude"] - centre.lon) * 111.32 * math.cos(math.radians(centre.lat))
        assert math.hypot(dx, dy) <= 3.0
    def total(**params):  # more than one page (200) near Laken with the DEMO directory: compare totals
        return demo_client.get("/hsds/service_at_locations", params={"per_page": 1, **params}).json()["total_items"]

    assert near and total(postcode="1020", proximity="100000") > total(postcode="1020", proximity="3000")
    assert ids(search="thuisverpleging")


@pytest.mark.parametrize(
    "params",
    [
        {"proximity": "1000"},
        {"postcode": "1020", "proximity": "far"},
        {"postcode": "9999", "proximity": "1000"},
        {"organization_id": "nope"},
        {"modified_after": "yesterday"},
        {"per_page": 100000},
    ],
)
def test_hsds_service_at_locations_bad_parameters_are_4xx(client, params):
    r = client.get("/hsds/service_at_locations", params=params)
    assert r.status_code == 422, r.text
