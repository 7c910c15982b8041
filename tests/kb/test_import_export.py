"""Importers (HSDS JSON, HSDS CSV, social.brussels), refusal without half-writes, re-import, export."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb import models as m
from kb.demo import NOTE, REGION_EXTENT, coverage, demo_categories, plan
from kb.export import export_directory, validate_document, validator
from kb.import_records import ImportRefused
from kb.importer import import_path
from kb.taxonomy import categories

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
HSDS_EXAMPLES = SHARED / "hsds-3.0" / "examples"
SOCIAL = SHARED / "social-brussels" / "organisation-13219.json"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_import_hsds_json_example(taxonomy_session):
    s = taxonomy_session
    report = import_path(s, HSDS_EXAMPLES / "service_full.json")
    service = s.get(m.Service, "ac148810-d857-441c-9679-408f346de14b")
    assert service.name_nl == "Community Counselling"
    assert service.organization.name_nl == "Example Organization Inc."
    assert service.service_at_locations[0].location.addresses[0].postal_code == "ABC 1234"
    assert {w.field for w in report.warnings} >= {"latitude", "contacts"}  # kept out, and said so


def test_import_hsds_csv_example(taxonomy_session):
    s = taxonomy_session
    report = import_path(s, HSDS_EXAMPLES / "csv")
    assert report.created["service"] == 1 and report.created["phone"] == 1
    assert s.get(m.Phone, "1554f2e2-a373-45db-a3fa-9fc48a61c15e").number == '"+44 1234 234567"'
    files = {w.file for w in report.warnings}
    assert "contacts.csv" in files  # a table we do not keep is reported per file


def test_import_social_brussels_record(taxonomy_session):
    s = taxonomy_session
    report = import_path(s, SOCIAL)
    assert report.created["service"] == 1
    org = s.scalar(select(m.Organization).where(m.Organization.external_id == "social.brussels:13219"))
    assert org.name_nl.startswith("COÖRDINATIE") and org.name_fr.startswith("COORDINATION")
    assert org.last_verified_by == "social.brussels" and org.last_verified_at.year == 2020
    loc = org.locations[0]
    assert loc.addresses[0].postal_code == "1030"
    assert loc.addresses[0].address_1_nl == "Auguste Reyerslaan 70"
    assert loc.addresses[0].address_1_fr == "Boulevard Auguste Reyers 70"
    assert sorted(p.number for p in org.services[0].phones) == ["02/435.51.38", "02/435.51.39"]
    assert sorted(lg.code for lg in org.services[0].languages) == ["fr", "nl"]


def test_reimport_updates_in_place(taxonomy_session, tmp_path):
    s = taxonomy_session
    import_path(s, SOCIAL)
    import_path(s, HSDS_EXAMPLES / "service_full.json")
    before = {model: count(s, model) for model in (m.Organization, m.Service, m.Phone, m.Address, m.Language)}
    changed = json.loads(SOCIAL.read_text(encoding="utf-8"))
    changed["nameOfficialNl"] = "NIEUWE NAAM"
    path = tmp_path / "organisation.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    report = import_path(s, path)
    import_path(s, HSDS_EXAMPLES / "service_full.json")
    assert report.updated["organization"] == 1 and not report.created
    assert {model: count(s, model) for model in before} == before
    org = s.scalar(select(m.Organization).where(m.Organization.external_id == "social.brussels:13219"))
    assert org.name_nl == "NIEUWE NAAM"


def test_bad_file_is_refused_whole_with_a_report_per_record(taxonomy_session, tmp_path):
    s = taxonomy_session
    doc = json.loads((HSDS_EXAMPLES / "service_full.json").read_text(encoding="utf-8"))
    good = json.loads(json.dumps(doc))
    bad = json.loads(json.dumps(doc))
    bad["id"] = "not-a-uuid"
    second = json.loads(json.dumps(doc))
    second["id"] = "0f4b1c62-1111-4c3a-9c6f-9d3d2f1b2a10"
    second["status"] = "sleeping"
    second["organization"] = {
        "id": "5d2c9a10-4444-4b5c-8d9e-0f1a2b3c4d5e",
        "name": "X",
        "description": "",
        "email": "nope",
    }
    path = tmp_path / "services.json"
    path.write_text(json.dumps([good, bad, second]), encoding="utf-8")
    services_before = count(s, m.Service)
    with pytest.raises(ImportRefused) as refused:
        import_path(s, path)
    problems = refused.value.problems
    assert all(p.file == "services.json" for p in problems)
    fields = {(p.record, p.field) for p in problems}
    assert ("service[1]", "id") in fields
    assert ("service[2]", "status") in fields
    assert any(p.field == "email" for p in problems)
    assert count(s, m.Service) == services_before  # nothing half-written, not even the good record
    assert s.get(m.Service, "ac148810-d857-441c-9679-408f346de14b") is None


def test_bad_csv_names_file_line_and_field(taxonomy_session, tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(HSDS_EXAMPLES / "csv", folder)
    services = (folder / "services.csv").read_text(encoding="utf-8").replace(",active,", ",maybe,")
    (folder / "services.csv").write_text(services, encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_path(taxonomy_session, folder)
    assert any(
        p.file == "services.csv" and p.record == "line 2" and p.field == "status"
        for p in refused.value.problems
    )
    assert count(taxonomy_session, m.Service) == 0


def test_dangling_required_reference_is_refused(taxonomy_session, tmp_path):
    path = tmp_path / "sal.json"
    doc = {
        "id": "3c7a1f0e-2222-4b5c-8d9e-0f1a2b3c4d5e",
        "name": "Orphan",
        "status": "active",
        "organization_id": "9e9e9e9e-3333-4b5c-8d9e-0f1a2b3c4d5e",
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_path(taxonomy_session, path)
    assert refused.value.problems[0].field == "organization_id"


def test_unreadable_file_is_refused(taxonomy_session, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_path(taxonomy_session, path)


def test_export_validates_and_round_trips(demo_session, tmp_path):
    s = demo_session
    import_path(s, SOCIAL)
    doc = export_directory(s, "nl")
    assert validate_document(doc) == []
    assert len(doc["services"]) == count(s, m.Service)
    demo = next(x for x in doc["services"] if x["name"].startswith("[DEMO]"))
    assert demo["translations"]["fr"]["name"].startswith("[DEMO]")
    assert any(a.get("value") == "demo" for a in demo["attributes"])
    # the DEMO directory: every service fictitious on its face, the region-wide ones with their area
    demo_ids = _demo_ids(s)
    demos = [x for x in doc["services"] if x["id"] in demo_ids]
    assert len(demos) == len(plan()) >= 1000
    for x in demos:
        assert x["name"].startswith("[DEMO]") and NOTE["nl"] in x["description"]
        assert x["url"].startswith("https://example.org/demo/")
        assert all(p["number"].startswith("02 000 ") for p in x["phones"])
    wide = [x for x in demos if x["service_areas"]]
    assert wide and all(a["extent"] == REGION_EXTENT for x in wide for a in x["service_areas"])
    _assert_demo_coverage(s)  # here, so that the directory is loaded once
    # round trip: importing the export changes nothing and the next export is the same
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    counts = {model: count(s, model) for model in (m.Service, m.Phone, m.Attribute, m.Schedule, m.Language)}
    report = import_path(s, path)
    assert not report.created
    assert {model: count(s, model) for model in counts} == counts
    again = export_directory(s, "nl")
    doc.pop("generated_at"), again.pop("generated_at")
    assert again == doc


def test_export_in_french_and_invalid_documents_are_caught(taxonomy_session):
    import_path(taxonomy_session, SOCIAL)
    doc = export_directory(taxonomy_session, "fr")
    assert doc["services"][0]["name"].startswith("COORDINATION")
    assert validate_document(doc) == []
    doc["services"][0]["status"] = "sleeping"
    del doc["organizations"][0]["name"]
    errors = validate_document(doc)
    assert any("services[0].status" in e for e in errors)
    assert any(e.startswith("organizations[0]") for e in errors)
    assert list(validator("compiled/service.json").iter_errors({"id": "x"}))  # name, status missing


def _demo_ids(session) -> set[str]:
    return set(session.scalars(select(m.Service.id).where(m.Service.is_demo.is_(True))))


def test_the_demo_plan_is_deterministic_and_covers_what_citizens_ask_for():
    first, again = plan(), plan()
    assert [(p.key, p.names, p.categories) for p in first] == [(p.key, p.names, p.categories) for p in again]
    assert len({p.key for p in first}) == len(first) >= 1000
    known = categories()
    covered = {c for p in first for c in p.categories}
    assert covered <= set(known)  # only categories of the taxonomy
    assert set(demo_categories()) <= covered
    common = {c.id for c in known.values() if c.organisations_count >= 20 and not c.for_professionals}
    assert common <= covered
    per_commune = {}
    for p in first:
        per_commune[p.commune.slug] = per_commune.get(p.commune.slug, 0) + 1
    assert len(per_commune) == 19 and min(per_commune.values()) >= 50


def _assert_demo_coverage(session) -> None:
    asked = [{c} for c in demo_categories()]
    cov = coverage(session, asked)
    assert cov["needs"] == len(asked) and cov["region"] == 1.0
    assert len(cov["communes"]) == 19
    for shares in cov["communes"].values():
        assert 0 < shares["local"] < shares["reach"] <= 1.0
    assert coverage(session, [{924, 67}, {234}])["region"] == 0.5  # 234 (organ donation): none
