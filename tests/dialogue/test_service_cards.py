"""dialogue.service_cards reads services with plain queries; the result is what the ORM objects give."""


from sqlalchemy import select

from dialogue.service_cards import load_services, service_dict
from kb import models as m
from kb.demo import load_demo
from kb.export import attributes_by_link, service_options
from kb.importer import import_path, load_taxonomy
from tests.support import SHARED_DATA

SHARED = SHARED_DATA


def test_load_services_gives_the_dicts_the_orm_objects_give(db_session):
    s = db_session
    load_taxonomy(s)
    load_demo(s)
    import_path(s, SHARED / "hsds-3.0" / "examples" / "service_full.json")  # schedules at every level
    import_path(s, SHARED / "social-brussels" / "organisation-13219.json")
    s.flush()
    ids = s.scalars(select(m.Service.id).order_by(m.Service.id)).all()
    assert len(ids) > 250
    services, attributes = load_services(s, ids)
    assert set(services) == set(ids)
    s.expire_all()
    orm = {x.id: x for x in s.scalars(select(m.Service).where(m.Service.id.in_(ids)).options(*service_options()))}
    orm_attributes = attributes_by_link(s, ids)
    for lang in ("nl", "fr", "en"):
        for sid in ids:
            expected = service_dict(orm[sid], lang, orm_attributes.get(sid, []))
            assert service_dict(services[sid], lang, attributes.get(sid, [])) == expected
    assert load_services(s, []) == ({}, {})


# --- the search widens to the region (issue 11.5) ----------------------------------------------------

def _service(rs, key: str, category: int, postcode: str | None, whole_region: bool = False) -> None:
    """One service of `category`: at the centre of `postcode`'s place, or without a place."""
    from kb.geo import resolve_place
    from kb.taxonomy import term_uuid

    ids = {part: f"00000000-0000-4000-8000-{abs(hash((key, part))) % 10**12:012d}"
           for part in ("org", "svc", "loc", "addr", "sal", "attr", "area")}
    rs.add("organization", {"id": ids["org"], "translations": {"nl": {"name": f"Org {key}"}}}, key)
    rs.add("service", {"id": ids["svc"], "organization_id": ids["org"], "status": "active",
                       "translations": {"nl": {"name": f"Dienst {key}"}, "fr": {"name": f"Service {key}"}}}, key)
    rs.add("attribute", {"id": ids["attr"], "link_id": ids["svc"], "link_entity": "service",
                         "link_type": "category", "taxonomy_term_id": term_uuid(category)}, key)
    if whole_region:
        rs.add("service_area", {"id": ids["area"], "service_id": ids["svc"], "extent": "BE-BRU",
                                "extent_type": "text", "translations": {"nl": {"name": "Brussels Gewest"}}}, key)
    if postcode:
        place = resolve_place(postcode)
        rs.add("location", {"id": ids["loc"], "location_type": "physical", "latitude": place.lat,
                            "longitude": place.lon, "translations": {"nl": {"name": key}}}, key)
        rs.add("address", {"id": ids["addr"], "location_id": ids["loc"], "address_type": "physical",
                           "country": "BE", "postal_code": postcode,
                           "translations": {"nl": {"address_1": "Straat 1", "city": "Brussel"}}}, key)
        rs.add("service_at_location", {"id": ids["sal"], "service_id": ids["svc"], "location_id": ids["loc"]}, key)


def _directory(session, services) -> None:
    from kb.import_records import RecordSet
    from kb.importer import write

    load_taxonomy(session)
    rs = RecordSet("test")
    for args in services:
        _service(rs, *args)
    write(rs, session)
    session.flush()


def test_near_services_come_as_near(db_session):
    from dialogue.service_cards import search_services

    _directory(db_session, [("schaerbeek", 458, "1030"), ("uccle", 458, "1180")])
    found = search_services(db_session, category_ids=[458], postcode="1030", lang="nl", limit=3)
    assert found["reach"] == "near" and found["nearest_km"] is None
    assert found["services"][0]["address"]["postcode"] == "1030"


def test_nothing_near_gives_the_nearest_in_the_region_with_its_distance(db_session):
    from dialogue.service_cards import NEAR_KM, search_services

    _directory(db_session, [("uccle", 458, "1180"), ("anderlecht", 458, "1070")])
    found = search_services(db_session, category_ids=[458], postcode="1030", lang="fr", limit=3)
    assert found["reach"] == "region"
    assert [s["address"]["postcode"] for s in found["services"]] == ["1070", "1180"]  # nearest first
    assert found["nearest_km"] == found["services"][0]["distance_km"] > NEAR_KM


def test_nothing_near_adds_a_service_for_the_whole_region(db_session):
    from dialogue.service_cards import search_services

    _directory(db_session, [("uccle", 67, "1180"), ("anderlecht", 67, "1070"), ("forest", 67, "1190"),
                            ("helpline", 67, None), ("office", 67, "1070", True)])
    found = search_services(db_session, category_ids=[67], postcode="1140", lang="nl", limit=3)
    assert found["reach"] == "region"
    names = [s["name"] for s in found["services"]]
    assert len(names) == 3 and "Dienst helpline" in names  # after the nearest ones


def test_a_service_for_the_whole_region_alone_is_found_from_anywhere(db_session):
    from dialogue.service_cards import search_services

    _directory(db_session, [("helpline", 929, None)])
    found = search_services(db_session, category_ids=[929], postcode="1030", lang="nl", limit=3)
    assert found["reach"] == "region" and found["nearest_km"] is None
    assert [s["name"] for s in found["services"]] == ["Dienst helpline"]


def test_nothing_anywhere_is_none(db_session):
    from dialogue.service_cards import search_services

    _directory(db_session, [("uccle", 458, "1180")])
    found = search_services(db_session, category_ids=[924], postcode="1030", lang="nl", limit=3)
    assert found["reach"] == "none" and found["services"] == []


def test_several_needs_each_get_a_card_before_any_gets_a_second(db_session):
    from dialogue.service_cards import search_services, search_services_per_need

    # a shelter told first, only in Uccle; three GPs' practices right in Schaerbeek
    _directory(db_session, [("uccle", 9, "1180"), ("gp1", 925, "1030"), ("gp2", 925, "1030"), ("gp3", 925, "1030")])
    together = search_services(db_session, category_ids=[9, 925], postcode="1030", lang="nl", limit=3)
    assert all(c["id"] == 925 for s in together["services"] for c in s["categories"])  # what went wrong before
    found = search_services_per_need(db_session, [9, 925], postcode="1030", lang="nl", limit=3)
    firsts = [s["categories"][0]["id"] for s in found["services"]]
    assert firsts == [9, 925, 925] and found["reach"] == "near" and found["nearest_km"] is None
    assert [c["id"] for c in found["categories"]] == [9, 925]


def test_several_needs_none_near_say_how_far_the_nearest_is(db_session):
    from dialogue.service_cards import search_services_per_need

    _directory(db_session, [("uccle", 9, "1180"), ("anderlecht", 925, "1070")])
    found = search_services_per_need(db_session, [9, 925, 9], postcode="1030", lang="fr", limit=3)
    assert found["reach"] == "region" and len(found["services"]) == 2
    assert found["nearest_km"] == min(s["distance_km"] for s in found["services"])


def test_english_answers_name_categories_in_english(db_session):
    from dialogue.service_cards import search_services

    _directory(db_session, [("schaerbeek", 458, "1030")])
    found = search_services(db_session, category_ids=[458], postcode="1030", lang="en", limit=3)
    assert found["services"][0]["categories"] == [{"id": 458, "name": "Debt mediation"}]
    assert "belongs to the category 'Debt mediation'" in found["services"][0]["why"]
