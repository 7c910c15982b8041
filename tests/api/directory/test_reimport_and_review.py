"""A re-import keeps local corrections (and lists the conflicts); the review queue and its resolution;
the command line (import --prefer, corrections). SQLite and PostgreSQL."""

import json
import uuid
from pathlib import Path

from sqlalchemy import select

import kb.__main__ as cli
from dialogue.signal_models import Signal
from dialogue.signal_recording import record_signal
from kb import models as m
from kb.editing import versions
from kb.importer import import_path
from tests.api.directory.kaart_support import hsds_document, new_ids, write_file
from tests.support import SHARED_DATA

BASE = "/api/v1/directory"
EDITOR = versions.Editor(None, "elz-test@kaart.test")


def _edit(session, sid, body):
    return versions.edit(session, "service", sid, body, EDITOR, versions.etag(session, "service", sid))


def test_reimport_keeps_a_local_correction_and_lists_the_conflict(db_session, directory):
    sid, path = directory["service"], directory["file"]
    _edit(db_session, sid, {"name_nl": "Buurthuis De Linde (Laken)", "phones": ["02 555 44 33"]})

    report = import_path(db_session, Path(path))
    db_session.commit()
    conflicts = {(c.field, c.kept) for c in report.conflicts}
    assert conflicts == {("name_nl", "local"), ("phones", "local")}
    service = db_session.get(m.Service, sid)
    db_session.refresh(service)
    assert service.name_nl == "Buurthuis De Linde (Laken)"
    numbers = db_session.scalars(select(m.Phone.number).where(m.Phone.service_id == sid)).all()
    assert numbers == ["+32 2 555 44 33"]
    # what the correction did not touch still follows the source
    assert service.name_fr == "Maison de quartier Le Tilleul"


def test_source_agreeing_is_no_conflict_and_prefer_source_wins(db_session, directory, tmp_path):
    sid, ids = directory["service"], {k: v for k, v in directory.items() if k != "file"}
    _edit(db_session, sid, {"name_nl": "Buurthuis De Linde (Laken)"})
    agreeing = write_file(tmp_path, hsds_document(ids, name="Buurthuis De Linde (Laken)"), "agree.json")
    assert import_path(db_session, agreeing).conflicts == []
    db_session.commit()

    newer = write_file(tmp_path, hsds_document(ids, name="Buurthuis De Linde vzw"), "newer.json")
    report = import_path(db_session, newer, prefer="source")
    db_session.commit()
    assert [(c.field, c.local, c.source, c.kept) for c in report.conflicts] == [
        ("name_nl", "Buurthuis De Linde (Laken)", "Buurthuis De Linde vzw", "source")
    ]
    service = db_session.get(m.Service, sid)
    db_session.refresh(service)
    assert service.name_nl == "Buurthuis De Linde vzw"
    history = versions.history(db_session, "service", sid)
    assert history[0].action == "import" and history[0].changes["name_nl"]["after"] == "Buurthuis De Linde vzw"
    # the source took over that field: a later import is no longer a conflict
    assert import_path(db_session, newer).conflicts == []


def test_cli_import_prefer_and_corrections(db_session, directory, tmp_path, monkeypatch, capsys):
    sid, path = directory["service"], directory["file"]
    _edit(db_session, sid, {"email": "balie@delinde.example"})
    monkeypatch.setattr(cli, "_session", lambda: _Borrowed(db_session))
    assert cli.main(["import", path]) == 0
    out = capsys.readouterr().out
    assert f"conflict: service {sid}: email: local 'balie@delinde.example', file 'info@delinde.example'" in out
    assert db_session.get(m.Service, sid).email == "balie@delinde.example"
    target = tmp_path / "corrections.csv"
    assert cli.main(["corrections", "--since", "2000-01-01", "--format", "csv", "-o", str(target)]) == 0
    assert f"service,{sid},,Buurthuis De Linde,email,info@delinde.example,balie@delinde.example" in target.read_text()
    capsys.readouterr()
    assert cli.main(["corrections", "--since", "2000-01-01"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(c["id"] == sid for c in doc["corrections"])
    assert cli.main(["corrections", "--since", "soon"]) == 2


class _Borrowed:
    """The test's session as `with _session() as session:` uses it, without closing it."""

    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, *exc):
        return False


def test_review_queue_and_its_resolution(client, db_session, directory, staff, tmp_path):
    headers, _ = staff("elz")
    tag = uuid.uuid4().hex[:6]
    sid = directory["service"]
    _edit(db_session, sid, {"name_nl": f"Linde {tag}", "name_fr": f"Tilleul {tag}"})
    db_session.execute(m.Service.__table__.update().where(m.Service.id == sid).values(last_verified_at=None))
    # a twin: same name and phone under other ids (a duplicate), and a bare service (missing essentials)
    twin = new_ids()
    import_path(db_session, write_file(tmp_path, hsds_document(twin, name=f"Linde {tag}"), "twin.json"))
    bare = new_ids()
    doc = hsds_document(bare, name=f"Linde {tag} kaal")
    service = doc["services"][0]
    for key in ("email", "phones", "schedules", "languages"):
        service.pop(key)
    import_path(db_session, write_file(tmp_path, doc, "bare.json"))
    db_session.commit()
    signal = record_signal(db_session, signal_type="data_quality", category_ids=[], commune=None, language="nl",
                           source="worker", service_id=sid, text="Nummer klopt niet, bel Jan op 0475 98 76 54")

    def queue(**params):
        response = client.get(f"{BASE}/review", params={"q": f"Linde {tag}", "limit": 500, **params}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    items = queue()["items"]
    by = {(i["reason"], i["entity_id"]) for i in items}
    assert {("signal", sid), ("stale", sid), ("duplicate", sid), ("duplicate", twin["service"]),
            ("missing", bare["service"])} <= by
    remark = next(i for i in items if i["reason"] == "signal")["remark"]
    assert "Nummer klopt niet" in remark and "98 76 54" not in remark and "Jan" not in remark
    missing = next(i for i in items if i["reason"] == "missing")
    assert missing["missing"] == ["contact", "hours", "language"]
    assert all(i["reason"] == "stale" for i in queue(reason="stale")["items"])

    etag = client.get(f"{BASE}/services/{sid}", headers=headers).json()["etag"]
    response = client.post(f"{BASE}/services/{sid}/verify", json={"reason": "gebeld, klopt"},
                           headers={**headers, "If-Match": etag})
    assert response.status_code == 200, response.text
    left = {(i["reason"], i["entity_id"]) for i in queue()["items"]}
    assert not {r for r, e in left if e == sid}
    assert ("duplicate", twin["service"]) in left
    db_session.expire_all()
    assert db_session.get(Signal, signal.id).status == "resolved_locally"
    history = client.get(f"{BASE}/services/{sid}/history", headers=headers).json()["versions"]
    assert history[0]["action"] == "verify" and history[0]["reason"] == "gebeld, klopt"


def test_social_brussels_reimport_keeps_corrected_phones(db_session):
    """social.brussels records replace a service's phones and languages as a whole: a local correction of
    them survives a re-import (and a --prefer source import takes the file's)."""
    from kb.importer import load_taxonomy

    social = SHARED_DATA / "social-brussels" / "organisation-13219.json"
    load_taxonomy(db_session)
    import_path(db_session, social)
    db_session.commit()
    sid = db_session.scalar(select(m.Service.id).where(m.Service.external_id.like("social.brussels:%")))
    _edit(db_session, sid, {"phones": ["02 555 44 33"], "languages": ["nl"]})

    report = import_path(db_session, social)
    db_session.commit()
    assert {(c.field, c.kept) for c in report.conflicts} == {("phones", "local"), ("languages", "local")}
    phones = db_session.scalars(select(m.Phone.number).where(m.Phone.service_id == sid)).all()
    assert phones == ["+32 2 555 44 33"]
    assert db_session.scalars(select(m.Language.code).where(m.Language.service_id == sid)).all() == ["nl"]

    import_path(db_session, social, prefer="source")
    db_session.commit()
    phones = sorted(db_session.scalars(select(m.Phone.number).where(m.Phone.service_id == sid)))
    assert phones == ["02/435.51.38", "02/435.51.39"]
    assert import_path(db_session, social).conflicts == []
