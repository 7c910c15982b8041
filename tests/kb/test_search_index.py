"""The search table (service_search) always says what the directory says: after import, re-import, delete."""

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from kb import models as m
from kb import search as kb_search
from kb import search_index
from kb.importer import import_path
from kb.taxonomy import term_uuid

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
HSDS_EXAMPLES = SHARED / "hsds-3.0" / "examples"
SOCIAL = SHARED / "social-brussels" / "organisation-13219.json"
S = m.ServiceSearch


def _normal(rows) -> list[tuple]:
    return sorted((sid, term, loc, lat, lon, bool(nl), bool(fr)) for sid, term, loc, lat, lon, nl, fr in rows)


def assert_consistent(session) -> list[tuple]:
    session.flush()
    stored = _normal(
        session.execute(
            select(
                S.service_id,
                S.taxonomy_term_id,
                S.location_id,
                S.latitude,
                S.longitude,
                S.speaks_nl,
                S.speaks_fr,
            )
        )
    )
    assert stored == _normal(session.execute(search_index.source_rows()))
    return stored


def _social_service(session) -> m.Service:
    org = session.scalar(select(m.Organization).where(m.Organization.external_id == "social.brussels:13219"))
    return org.services[0]


def test_demo_directory_is_indexed_as_it_is_imported(demo_session):
    rows = assert_consistent(demo_session)
    active = demo_session.scalars(select(m.Service.id).where(m.Service.status == "active")).all()
    assert {r[0] for r in rows} == set(active)  # every active service, and only those


def test_reimport_rewrites_the_rows_of_changed_services(taxonomy_session, tmp_path):
    s = taxonomy_session
    import_path(s, SOCIAL)
    import_path(s, HSDS_EXAMPLES / "service_full.json")
    assert_consistent(s)
    service_id = _social_service(s).id

    changed = json.loads(SOCIAL.read_text(encoding="utf-8"))
    changed["langStatus"] = "NL"
    changed["categoriesObject"] = [{"id": 346}]
    changed["address"]["lat"], changed["address"]["lon"] = 50.88, 4.35
    path = tmp_path / "organisation.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    import_path(s, path)
    rows = [r for r in assert_consistent(s) if r[0] == service_id]
    assert {r[1] for r in rows} == {term_uuid(346)}
    assert {(r[3], r[4], r[5], r[6]) for r in rows} == {(50.88, 4.35, True, False)}

    import_path(s, path)  # the same file again: nothing changes, nothing doubles
    assert [r for r in assert_consistent(s) if r[0] == service_id] == rows


def test_inactive_services_are_not_searched(taxonomy_session, tmp_path):
    s = taxonomy_session
    doc = json.loads((HSDS_EXAMPLES / "service_full.json").read_text(encoding="utf-8"))
    import_path(s, HSDS_EXAMPLES / "service_full.json")
    assert s.scalar(select(S.id).where(S.service_id == doc["id"])) is not None
    doc["status"] = "inactive"
    path = tmp_path / "service.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    import_path(s, path)
    assert s.scalar(select(S.id).where(S.service_id == doc["id"])) is None
    assert_consistent(s)


def test_deleting_a_service_an_organisation_or_a_location_deletes_its_rows(demo_session):
    s = demo_session
    services = s.scalars(select(m.Service).where(m.Service.status == "active").order_by(m.Service.id)).all()
    s.delete(services[0])
    s.flush()
    assert s.scalar(select(S.id).where(S.service_id == services[0].id)) is None
    assert_consistent(s)

    org_id = services[1].organization_id
    org_services = s.scalars(select(m.Service.id).where(m.Service.organization_id == org_id)).all()
    s.execute(delete(m.Organization).where(m.Organization.id == org_id))  # cascades in the database
    assert s.scalar(select(S.id).where(S.service_id.in_(org_services))) is None
    assert_consistent(s)

    location_id = s.scalars(select(m.ServiceAtLocation.location_id).order_by(m.ServiceAtLocation.id)).first()
    s.execute(delete(m.Location).where(m.Location.id == location_id))
    assert s.scalar(select(S.id).where(S.location_id == location_id)) is None


def test_refresh_and_rebuild_restore_the_table(demo_session):
    s = demo_session
    before = assert_consistent(s)
    s.execute(S.__table__.delete())
    assert search_index.rebuild(s) == len(before)
    assert assert_consistent(s) == before
    some = sorted({r[0] for r in before})[:5]
    s.execute(S.__table__.delete().where(S.service_id.in_(some)))
    search_index.refresh(s, some)
    assert assert_consistent(s) == before


QUERIES = [
    ("thuisverpleging voor mijn moeder", "1020", "nl"),
    ("ik zoek een aide familiale", "1030", "nl"),
    ("colis alimentaire", "1140", "fr"),
    ("avocat gratuit", "1200", "fr"),
    ("voedselpakket", None, "nl"),
    (None, "1000", "fr"),
    ("schulden", "1083", "en"),
]


@pytest.mark.parametrize("limit", [1, 5, 10, 50])
def test_searching_near_a_place_first_changes_nothing_in_the_ranking(demo_session, monkeypatch, limit):
    def run():
        return [
            [(h.service_id, h.key, h.text_match, h.speaks_language, h.distance_km) for h in hits.hits]
            for hits in (
                kb_search.search(demo_session, q=q, postcode=pc, lang=lang, limit=limit) for q, pc, lang in QUERIES
            )
        ]

    boxed = run()
    monkeypatch.setattr(kb_search, "BOX_RADII_KM", ())  # rank the whole table every time
    monkeypatch.setattr(kb_search, "NEAREST_BOX_RADII_KM", ())
    assert run() == boxed
    assert all(boxed)
