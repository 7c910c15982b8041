"""record_signal, triage and the report on a real database (SQLite and PostgreSQL)."""

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.signals import filters, reports, triage
from dialogue import signal_recording as recording
from dialogue.signal_models import Signal, SignalCategory, SignalCount, SignalEvent
from tests.api.signals.signals_support import CAT_A, CAT_B, CAT_C

CONVERSATION = "c0ffee0123456789"


def _record(session, **overrides):
    values = {
        "signal_type": "unmet_need",
        "category_ids": [CAT_A],
        "commune": "Schaerbeek",
        "language": "fr",
        "age_band": "65-79",
        "source": "assistant",
        "text": "Je m'appelle Fatima El Amrani, tél 0475 98 76 54: pas de place en maison de repos",
        "conversation_key": CONVERSATION,
    }
    values.update(overrides)
    return recording.record_signal(session, **values)


def test_a_signal_is_stored_scrubbed_with_the_commune_code_and_no_conversation_id(db_session: Session):
    signal = _record(db_session)
    assert signal is not None and signal.id and not signal.was_duplicate
    stored = db_session.get(Signal, signal.id)
    assert stored.commune_code == "21015"
    assert stored.text == "Je m'appelle [name], tél [phone]: pas de place en maison de repos"
    assert stored.category_ids == [CAT_A]
    assert stored.created_on == recording.today_in_brussels() and stored.month == stored.created_on.replace(day=1)
    row = " ".join(str(getattr(stored, c.key)) for c in Signal.__table__.columns)
    assert CONVERSATION not in row and len(stored.dedup_key) == 64


def test_the_same_need_from_the_same_conversation_counts_once(db_session: Session):
    first = _record(db_session)
    again = _record(db_session, text="nog eens", category_ids=[CAT_A])
    other_need = _record(db_session, category_ids=[CAT_B])
    other_conversation = _record(db_session, conversation_key="another-conversation-1")
    assert again.id == first.id and again.was_duplicate
    assert len({first.id, other_need.id, other_conversation.id}) == 3
    assert db_session.scalar(select(func.count()).select_from(Signal)) == 3


def test_without_a_conversation_key_every_call_is_a_signal(db_session: Session):
    _record(db_session, conversation_key=None)
    _record(db_session, conversation_key=None)
    assert db_session.scalar(select(func.count()).select_from(Signal)) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category_ids": [999999]}, "unknown social.brussels category"),
        ({"commune": "Parijs"}, "unknown commune"),
        ({"commune": "Woluwe"}, "ambiguous"),
        ({"signal_type": "complaint"}, "signal_type"),
        ({"language": "de"}, "language"),
        ({"barrier": "weather", "signal_type": "knelpunt"}, "barrier"),
        ({"age_band": "old"}, "age_band"),
        ({"category_ids": []}, "at least one category"),
        ({"signal_type": "data_quality", "service_id": None}, "service_id"),
        ({"signal_type": "data_quality", "service_id": "00000000-0000-0000-0000-000000000000"}, "unknown"),
    ],
)
def test_bad_input_is_a_value_error(db_session: Session, overrides, message):
    with pytest.raises(ValueError, match=message):
        _record(db_session, **overrides)


def test_a_database_failure_returns_none_and_never_raises(tmp_path):
    from common.db import make_engine

    broken = make_engine(f"sqlite:///{tmp_path}/no-tables.sqlite3")  # no migrations: no signal table
    with Session(broken) as session:
        assert _record(session) is None
    broken.dispose()


def test_a_knelpunt_without_barrier_is_other(db_session: Session):
    signal = _record(db_session, signal_type="knelpunt", barrier=None)
    assert signal.barrier == "other"


def test_commune_by_nis_code_postcode_and_dutch_name(db_session: Session):
    assert _record(db_session, commune="21001", conversation_key="k1").commune_code == "21001"
    assert _record(db_session, commune="1030", conversation_key="k2").commune_code == "21015"
    assert _record(db_session, commune="Elsene", conversation_key="k3").commune_code == "21009"
    assert _record(db_session, commune=None, conversation_key="k4").commune_code is None


def test_triage_follows_the_workflow_and_is_audited(db_session: Session, make_user):
    staff = make_user("elz")
    signal = _record(db_session)
    with pytest.raises(triage.TriageConflict):
        triage.triage(db_session, signal.id, staff, "escalated", None)  # new -> escalated skips review
    triage.triage(db_session, signal.id, staff, "reviewed", None)
    done = triage.triage(db_session, signal.id, staff, "escalated", "Structureel tekort; bel 0470 12 34 56")
    assert done.status == "escalated" and done.note == "Structureel tekort; bel [phone]"
    events = triage.signal_events(db_session, signal.id)
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        ("new", "reviewed", staff.email),
        ("reviewed", "escalated", staff.email),
    ]
    assert all(e.at is not None for e in events)


def test_report_counts_by_type_category_commune_month_with_suppression(db_session: Session, add_signals):
    add_signals(7, day=date(2026, 3, 4), categories=(CAT_A,), commune="21015")
    add_signals(2, day=date(2026, 3, 20), categories=(CAT_A,), commune="21001")
    add_signals(6, day=date(2026, 4, 1), categories=(CAT_A, CAT_B), commune="21015")
    add_signals(9, day=date(2026, 4, 2), signal_type="knelpunt", categories=(CAT_C,), commune=None)
    f = filters.build_filter("2026-03", "2026-04")
    report = reports.build_report(db_session, ["type", "category", "commune", "month"], f)
    shown = {tuple(r.key.values()): r.published.display for r in report.rows}
    assert shown == {
        ("knelpunt", CAT_C, None, "2026-04"): "9",
        ("unmet_need", CAT_A, "21001", "2026-03"): "< 5",
        # alone with the small cell in its commune line (CAT_A, March): hidden as the complement ...
        ("unmet_need", CAT_A, "21015", "2026-03"): "x",
        # ... which would itself follow from its month line (Schaarbeek, CAT_A: March + April) and April
        # would follow from its category line: the complements cascade until every line is safe.
        ("unmet_need", CAT_A, "21015", "2026-04"): "x",
        ("unmet_need", CAT_B, "21015", "2026-04"): "x",
    }
    assert report.total.count == 24  # signals, not cells: the 6 with two categories count once

    by_commune = reports.build_report(db_session, ["commune"], f)
    assert {r.key["commune"]: r.published.display for r in by_commune.rows} == {
        None: "x", "21001": "< 5", "21015": "13"  # the smallest other commune protects the small one
    }
    assert by_commune.total.display == "24"


def test_report_counts_whole_months_and_filters(db_session: Session, add_signals):
    add_signals(5, day=date(2026, 5, 2), commune="21009")
    add_signals(5, day=date(2026, 5, 28), commune="21009", signal_type="knelpunt")
    # "from the 20th" still counts the whole of May: two overlapping ranges cannot isolate a day.
    f = filters.build_filter("2026-05-20", "2026-05-21", types=["unmet_need"], communes=["Ixelles"])
    report = reports.build_report(db_session, ["type", "month"], f)
    assert [(r.key["type"], r.key["month"], r.published.count) for r in report.rows] == [
        ("unmet_need", "2026-05", 5)
    ]
    one_category = filters.build_filter("2026-05", "2026-05", categories=["489"])
    by_category = reports.build_report(db_session, ["type"], one_category)
    assert by_category.total.count == 10


def test_report_filters_reject_bad_input():
    for kwargs, message in [
        ({"date_from": "2026-13"}, "not a date"),
        ({"date_from": "1999-01"}, "year"),
        ({"date_from": "2026-05", "date_to": "2026-01"}, "after"),
        ({"categories": ["abc"]}, "integers"),
        ({"communes": ["Gent"]}, "unknown commune"),
        ({"types": ["x"]}, "type"),
        ({"categories": [str(i) for i in range(60)]}, "at most"),
    ]:
        with pytest.raises(ValueError, match=message):
            filters.build_filter(**kwargs)
    with pytest.raises(ValueError, match="group_by"):
        reports.parse_group_by("type,age")
    with pytest.raises(ValueError, match="at most"):
        reports.report_months(filters.build_filter("2000-01", "2099-12"))


def test_escalation_report_groups_escalated_signals_by_month(db_session: Session, add_signals):
    add_signals(6, day=date(2026, 1, 10), status="escalated", note="Geen plaats in rusthuizen")
    add_signals(7, day=date(2026, 2, 10), status="escalated")
    add_signals(3, day=date(2026, 2, 11), status="new")
    report = reports.escalation_report(db_session, filters.build_filter("2026-01", "2026-02"))
    assert report.months == ["2026-01", "2026-02"]
    (group,) = report.groups
    assert (group.signal_type, group.category_id, group.commune_code) == ("unmet_need", CAT_A, "21015")
    assert {m: p.display for m, p in group.months.items()} == {"2026-01": "6", "2026-02": "7"}
    assert group.total.count == 13 and group.trend == "stable"
    assert group.notes == ["Geen plaats in rusthuizen"]


def test_categories_are_stored_with_the_report_dimensions(db_session: Session):
    signal = _record(db_session, category_ids=[CAT_B, CAT_A])
    rows = db_session.scalars(select(SignalCategory).where(SignalCategory.signal_id == signal.id)).all()
    assert sorted((r.category_id, r.signal_type, r.commune_code) for r in rows) == [
        (CAT_A, "unmet_need", "21015"), (CAT_B, "unmet_need", "21015")
    ]
    assert db_session.scalar(select(func.count()).select_from(SignalEvent)) == 0


def test_running_counts_follow_record_signal_and_match_a_rebuild(db_session: Session):
    _record(db_session, category_ids=[CAT_A, CAT_B], conversation_key="r1")
    _record(db_session, category_ids=[CAT_A], conversation_key="r2")
    _record(db_session, category_ids=[CAT_A], conversation_key="r2")  # duplicate: not counted again
    _record(db_session, category_ids=[CAT_C], commune=None, conversation_key="r3")

    def counts():
        rows = db_session.execute(
            select(SignalCount.category_id, SignalCount.commune_code, SignalCount.n)
        ).all()
        return sorted(tuple(r) for r in rows)

    incremental = counts()
    assert incremental == sorted(
        [(0, "", 1), (0, "21015", 2), (CAT_A, "21015", 2), (CAT_B, "21015", 1), (CAT_C, "", 1)]
    )
    recording.rebuild_counts(db_session)
    assert counts() == incremental
