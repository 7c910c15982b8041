"""Signals from the DEMO directory (on SQLite and PostgreSQL): which signals are demo, the demo counts
in reports, the include / exclude / only filter, and small-cell suppression across the three figures."""

import csv
import io
import random
from datetime import date

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.signals import filters, reports, suppression
from api.signals.suppression import suppress
from dialogue import signal_models
from dialogue import signal_recording as recording
from dialogue.signal_models import SignalCount
from kb import models as m
from kb.taxonomy import term_uuid
from tests.api.signals.signals_support import CAT_A, CAT_B, CAT_C

DAY = date(2026, 3, 10)
MARCH = {"date_from": "2026-03", "date_to": "2026-03"}


@pytest.fixture
def directory(db_session: Session):
    """Adds services to the sociale kaart on demand: add(service key, category, demo) -> service id.
    Removes them (and the taxonomy terms it had to add) afterwards, committed work included."""
    made: dict[str, list] = {"services": [], "terms": []}

    def add(key: str, category: int, demo: bool) -> str:
        term = term_uuid(category)
        if db_session.get(m.TaxonomyTerm, term) is None:
            db_session.add(m.TaxonomyTerm(id=term, code=str(category), name_nl=f"test {category}"))
            made["terms"].append(term)
        org_id, service_id = _uuid(f"org:{key}"), _uuid(f"service:{key}")
        db_session.add(m.Organization(id=org_id, name_nl=key, is_demo=demo))
        db_session.flush()
        db_session.add(m.Service(id=service_id, organization_id=org_id, name_nl=key, status="active", is_demo=demo))
        db_session.flush()
        db_session.add(m.Attribute(id=_uuid(f"attribute:{key}"), link_id=service_id, link_entity="service",
                                   link_type="category", taxonomy_term_id=term))
        db_session.commit()
        made["services"].append((org_id, service_id))
        return service_id

    yield add
    db_session.rollback()
    for org_id, service_id in made["services"]:
        db_session.execute(delete(m.Attribute).where(m.Attribute.link_id == service_id))
        db_session.execute(delete(m.Service).where(m.Service.id == service_id))
        db_session.execute(delete(m.Organization).where(m.Organization.id == org_id))
    for term in made["terms"]:
        db_session.execute(delete(m.TaxonomyTerm).where(m.TaxonomyTerm.id == term))
    db_session.commit()


def _uuid(name: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, "gbo-test-signal-demo:" + name))


def _record(session, conversation: str, **overrides):
    values = {"signal_type": "unmet_need", "category_ids": [CAT_A], "commune": "Schaerbeek", "language": "nl",
              "source": "assistant", "conversation_key": conversation}
    values.update(overrides)
    signal = recording.record_signal(session, **values)
    assert signal is not None and not signal.was_duplicate
    return signal


def test_the_demo_mark_follows_the_directory_the_need_was_searched_in(db_session: Session, directory):
    assert not _record(db_session, "no-directory").demo  # nothing loaded: a real gap
    demo_a = directory("demo-a", CAT_A, demo=True)
    assert _record(db_session, "demo-only-b", category_ids=[CAT_B]).demo  # only demo data loaded
    assert _record(db_session, "demo-only-a").demo
    real_b = directory("real-b", CAT_B, demo=False)
    assert not _record(db_session, "real-b", category_ids=[CAT_B]).demo  # real services for that need
    assert _record(db_session, "still-demo-a", category_ids=[CAT_A]).demo  # only demo ones for this one
    assert not _record(db_session, "mixed", category_ids=[CAT_A, CAT_B]).demo
    # about a service: that service decides
    assert _record(db_session, "k-demo", signal_type="knelpunt", service_id=demo_a, barrier="cost").demo
    assert not _record(db_session, "dq-real", signal_type="data_quality", service_id=real_b).demo
    stored = {r.demo for r in db_session.scalars(select(signal_models.Signal))}
    assert stored == {True, False}
    categories = db_session.scalars(select(signal_models.SignalCategory)).all()
    assert all(c.demo == c.signal.demo for c in categories)
    # the running counts keep the demo share, exactly as a rebuild from the signals computes it
    running = {(c.signal_type, c.category_id, c.commune_code): (c.n, c.demo_n)
               for c in db_session.scalars(select(SignalCount))}
    assert running[("unmet_need", 0, "21015")] == (6, 3)
    assert running[("unmet_need", CAT_A, "21015")] == (4, 2)
    recording.rebuild_counts(db_session)
    rebuilt = {(c.signal_type, c.category_id, c.commune_code): (c.n, c.demo_n)
               for c in db_session.scalars(select(SignalCount))}
    assert rebuilt == running


def _report(session, group_by, demo="include", **criteria):
    f = filters.build_filter(**{**MARCH, **criteria}, demo=demo)
    return reports.build_report(session, group_by, f)


@pytest.mark.parametrize("summary", [True, False], ids=["running-counts", "signals"])
def test_reports_show_the_demo_share_and_filter_on_it(db_session: Session, add_signals, summary):
    add_signals(20, day=DAY, commune="21015")  # Schaerbeek: 20 real + 6 demo
    add_signals(6, day=DAY, commune="21015", demo=True)
    add_signals(9, day=DAY, commune="21001")  # Anderlecht: 9 real + 8 demo
    add_signals(8, day=DAY, commune="21001", demo=True)
    add_signals(7, day=DAY, commune="21004", demo=True)  # Brussels: 7 demo only
    # two categories filtered: the report counts the signals themselves, not the running counts
    criteria = {} if summary else {"categories": [str(CAT_A), str(CAT_C)]}
    rows = lambda r: {row.key["commune"]: row for row in r.rows}  # noqa: E731
    include = rows(_report(db_session, ["commune"], **criteria))
    assert (include["21015"].published.count, include["21015"].demo.count) == (26, 6)
    assert (include["21001"].published.count, include["21001"].demo.count) == (17, 8)
    assert (include["21004"].published.count, include["21004"].demo.count) == (7, 7)
    exclude = _report(db_session, ["commune"], "exclude", **criteria)
    assert {k: r.published.count for k, r in rows(exclude).items()} == {"21015": 20, "21001": 9}
    assert exclude.total.count == 29 and exclude.demo_total is None
    only = _report(db_session, ["commune"], "only", **criteria)
    assert {k: r.published.count for k, r in rows(only).items()} == {"21015": 6, "21001": 8, "21004": 7}
    assert only.total.count == 21
    whole = _report(db_session, ["type"], **criteria)
    assert (whole.total.count, whole.demo_total.count) == (50, 21)


def test_a_small_real_count_is_not_given_away_by_total_minus_demo(db_session: Session, add_signals):
    add_signals(2, day=DAY, commune="21015")  # 2 real, 6 demo: 8 - 6 would reveal the 2
    add_signals(6, day=DAY, commune="21015", demo=True)
    add_signals(30, day=DAY, commune="21001")
    add_signals(12, day=DAY, commune="21001", demo=True)
    shown = {}
    for demo in suppression.DEMO_FILTERS:
        report = _report(db_session, ["commune"], demo)
        shown[demo] = {r.key["commune"]: r for r in report.rows}
    schaerbeek = shown["include"]["21015"]
    assert schaerbeek.published.display == "8"
    assert schaerbeek.demo.count is None  # hidden with the small real count
    assert shown["exclude"]["21015"].published.display == suppression.SMALL_LABEL
    assert shown["only"]["21015"].published.count is None
    # nowhere are two of the three figures of a cell visible while the third is hidden
    for commune in ("21015", "21001"):
        figures = [shown["include"][commune].published, shown["exclude"][commune].published,
                   shown["only"][commune].published]
        assert sum(p.count is None for p in figures) != 1, (commune, figures)


def test_split_suppression_protects_every_line_and_changes_nothing_without_demo_data():
    rng = random.Random(7)
    for _ in range(200):
        cells, demo_cells = {}, {}
        for commune in range(rng.randint(1, 6)):
            for kind in ("unmet_need", "knelpunt"):
                n = rng.choice([0, 0, 1, 3, 5, 8, 20])
                if n:
                    cells[(kind, commune)] = n
                    d = rng.randint(0, n)
                    if d:
                        demo_cells[(kind, commune)] = d
        if not cells:
            continue
        split = suppression.suppress_split(cells, demo_cells)
        assert {k: p[0] for k, p in split.items()} == suppress(cells) or demo_cells
        table = {}
        for k, figures in split.items():
            values = (cells[k], cells[k] - demo_cells.get(k, 0), demo_cells.get(k, 0))
            for flag, value, p in zip(("all", "real", "demo"), values, figures, strict=True):
                assert p.count in (None, value)
                assert not 0 < (p.count or 0) < suppression.SMALL_CELL
                if value:
                    table[(*k, flag)] = p
            present = [p for p, v in zip(figures, values, strict=True) if v]
            assert sum(p.count is None for p in present) != 1 or len(present) == 1, (k, figures)
        # lines along type and commune, per figure: never exactly one hidden cell next to visible ones
        for flag in ("all", "real", "demo"):
            for dim in (0, 1):
                lines: dict = {}
                for key, p in table.items():
                    if key[2] == flag:
                        lines.setdefault(key[:dim] + key[dim + 1 : 2], []).append(p)
                for members in lines.values():
                    hidden = sum(p.count is None for p in members)
                    assert not (hidden == 1 and len(members) > 1), (flag, dim, members)


def test_the_api_filters_on_demo_and_the_exports_show_it(client, headers_for, add_signals):
    elz = headers_for("elz")
    add_signals(7, day=DAY, commune="21015", status="escalated", note="wachtlijst")
    add_signals(5, day=DAY, commune="21015", status="escalated", demo=True)
    listed = client.get("/api/v1/signals", params={"demo": "only"}, headers=elz).json()
    assert listed["total"] == 5 and all(item["demo"] for item in listed["items"])
    assert client.get("/api/v1/signals", params={"demo": "exclude"}, headers=elz).json()["total"] == 7
    assert client.get("/api/v1/signals", params={"demo": "maybe"}, headers=elz).status_code == 422
    params = {"group_by": "commune", "from": "2026-03", "to": "2026-03"}
    body = client.get("/api/v1/signals/report", params=params, headers=elz).json()
    assert body["demo_filter"] == "include"
    assert (body["rows"][0]["count"], body["rows"][0]["demo_count"]) == (12, 5)
    assert body["total"]["demo_display"] == "5"
    real = client.get("/api/v1/signals/report", params={**params, "demo": "exclude"}, headers=elz).json()
    assert real["rows"][0]["count"] == 7 and "demo_count" not in real["rows"][0]
    text = client.get("/api/v1/signals/report", params={**params, "format": "csv"}, headers=elz).text
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table[0][-2:] == ["count", "of_which_demo"] and table[1][-2:] == ["12", "5"]
    escalations = {"from": "2026-03", "to": "2026-03"}
    html = client.get("/api/v1/signals/escalations", params=escalations, headers=elz).text
    assert "Waarvan demo" in html and "fictieve diensten" in html
    fr = client.get("/api/v1/signals/escalations", params={**escalations, "lang": "fr", "demo": "exclude"},
                    headers=elz).text
    assert "Dont démo" not in fr and "Sans les signaux de démo" in fr
    rows = client.get("/api/v1/signals/escalations", params={**escalations, "format": "csv"}, headers=elz).text
    header = rows.lstrip("\ufeff").splitlines()[0].split(";")
    assert header[-3:] == ["total", "of_which_demo", "trend"]
