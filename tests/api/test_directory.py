"""api.services.directory reads services with plain queries; the result is what the ORM objects give."""

from pathlib import Path

from sqlalchemy import select

from api.services.directory import load_services, service_dict
from kb import models as m
from kb.demo import load_demo
from kb.export import attributes_by_link, service_options
from kb.importer import import_path, load_taxonomy

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


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
