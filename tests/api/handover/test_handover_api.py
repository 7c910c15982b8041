"""The handover API on SQLite and PostgreSQL: every state change (waiting -> claimed -> resolved, release),
every role, the citizen's side (held messages, queue position, call back), faults and the audit trail."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.channel.conversation import handle_citizen_message, start_conversation
from api.channel.models import Conversation, Message
from api.flows.retention import expired_conversations
from api.handover import service as handover
from api.handover.models import HandoverAudit, HandoverCase
from common.clock import utcnow
from dialogue import i18n
from dialogue.signal_models import Signal
from kb.demo import load_demo

ENDPOINTS = [
    ("get", "/api/v1/handovers", None),
    ("get", "/api/v1/handovers/{id}", None),
    ("post", "/api/v1/handovers/{id}/claim", None),
    ("post", "/api/v1/handovers/{id}/messages", {"text": "Dag!"}),
    ("post", "/api/v1/handovers/{id}/resolve", {"outcome": "information"}),
    ("post", "/api/v1/handovers/{id}/release", None),
    ("post", "/api/v1/handovers/{id}/called-back", None),
]


def call(api, method, path, headers=None, json=None):
    return api.request(method.upper(), path, headers=headers or {}, json=json)


# --- roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_anonymous_gets_401_and_other_roles_403(api, open_case, staff, method, path, body):
    case = open_case()
    path = path.format(id=case.id)
    assert call(api, method, path, json=body).status_code == 401
    assert call(api, method, path, staff("elz"), body).status_code == 403


@pytest.mark.parametrize("role", ["onthaal", "admin"])
def test_onthaal_and_admin_see_the_queue(api, open_case, staff, role):
    case = open_case()
    response = api.get("/api/v1/handovers", headers=staff(role))
    assert response.status_code == 200
    [listed] = response.json()["cases"]
    assert listed["id"] == case.id and listed["conversation_id"] == case.conversation_id
    assert listed["language"] == "nl" and listed["commune"] == "21001"
    assert [n["name"] for n in listed["needs"]] == ["Thuiszorg", "Geweld"]
    assert listed["urgency"] == "high" and listed["status"] == "waiting"
    assert listed["waiting_seconds"] >= 0


# --- the case is made from the assistant's summary ----------------------------------------------------


def test_a_handover_makes_a_waiting_case_and_tells_the_citizen_their_place(db_session, open_case, recorder):
    case = open_case()
    assert case.status == "waiting" and case.vulnerability == ["alone", "elderly"]
    assert case.preferred_contact == "chat" and case.contact_phone is None
    assert not case.bot_paused  # Rasa was unreachable (port 9): the case is made regardless
    [(conversation_id, reply, author)] = recorder.sent
    assert conversation_id == case.conversation_id and author == "bot"
    assert reply["custom"] == {"type": "handover_queued", "case_id": case.id, "position": 1, "minutes": 10}
    assert reply["text"] == i18n.text("api_handover_queue", "nl", position="1", minutes="10")
    stored = db_session.scalars(select(Message).where(Message.conversation_id == case.conversation_id)).all()
    assert [m.payload["custom"]["type"] for m in stored] == ["handover_queued"]
    assert db_session.scalars(select(HandoverAudit.action)).all() == ["created"]


def test_asking_twice_keeps_one_case(db_session, open_case, settings, recorder):
    case = open_case()
    asyncio.run(handover.open_case(db_session, settings, recorder, case.conversation_id, {"urgency": "crisis"}))
    assert db_session.query(HandoverCase).count() == 1


def test_the_queue_is_ordered_by_urgency_then_waiting_time(api, db_session, open_case, staff):
    first = open_case(urgency="normal")
    second = open_case(urgency="high")
    crisis = open_case(urgency="crisis", crisis_kind="suicide")
    ids = [c["id"] for c in api.get("/api/v1/handovers", headers=staff("onthaal")).json()["cases"]]
    assert ids == [crisis.id, second.id, first.id]
    assert handover.queue_position(db_session, first) == 3


def test_malformed_summary_fields_are_left_out(open_case):
    case = open_case(urgency="panic", commune="<script>", age_band="old", needs="food", vulnerability="x")
    assert case.urgency == "normal" and case.commune_code is None and case.age_band is None
    assert case.needs == [] and case.vulnerability == []


# --- claim, messages, resolve -------------------------------------------------------------------------


def test_claim_message_resolve_and_hand_back(api, db_session, open_case, staff, recorder):
    case = open_case()
    worker = staff("onthaal")
    claimed = api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "claimed" and claimed.json()["claimed_by"].startswith("onthaal")
    assert recorder.customs(case.conversation_id)[-1] == "handover_claimed"

    sent = api.post(f"/api/v1/handovers/{case.id}/messages", headers=worker, json={"text": "Dag, ik ben Els."})
    assert sent.status_code == 201
    assert recorder.sent[-1] == (case.conversation_id, {"recipient_id": case.conversation_id,
                                                        "text": "Dag, ik ben Els."}, "worker")

    detail = api.get(f"/api/v1/handovers/{case.id}", headers=worker).json()
    api.get(f"/api/v1/handovers/{case.id}", headers=worker)
    assert [m["author"] for m in detail["transcript"]] == ["bot", "bot", "worker"]
    assert detail["transcript"][-1]["text"] == "Dag, ik ben Els."

    resolved = api.post(f"/api/v1/handovers/{case.id}/resolve", headers=worker,
                        json={"outcome": "information", "note": "Info over thuiszorg gegeven", "then": "bot"})
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["status"] == "resolved" and body["outcome"] == "information" and body["ended_with"] == "bot"
    assert recorder.sent[-1][1]["text"] == i18n.text("api_handover_back_to_bot", "nl")
    assert api.get("/api/v1/handovers?status=resolved", headers=worker).json()["cases"][0]["id"] == case.id
    assert api.get("/api/v1/handovers", headers=worker).json()["cases"] == []

    actions = db_session.scalars(select(HandoverAudit.action).order_by(HandoverAudit.id)).all()
    assert actions == ["created", "claim", "message", "read", "resolve"]  # read: once, however often polled
    actors = set(db_session.scalars(select(HandoverAudit.actor).where(HandoverAudit.action != "created")))
    assert len(actors) == 1 and actors.pop().startswith("onthaal")


def test_a_second_claim_gets_409(api, open_case, staff):
    case = open_case()
    assert api.post(f"/api/v1/handovers/{case.id}/claim", headers=staff("onthaal")).status_code == 200
    second = api.post(f"/api/v1/handovers/{case.id}/claim", headers=staff("onthaal"))
    assert second.status_code == 409 and "someone else" in second.json()["detail"]


def test_claim_is_one_conditional_update(db_session, open_case, settings, recorder, staff):
    """The second claimant's UPDATE matches no row, even with a stale copy of the case in memory."""
    from api.accounts.service import add_user

    case = open_case()
    a = add_user(db_session, "a@elz.test", "onthaal", "correct horse battery staple")
    b = add_user(db_session, "b@elz.test", "onthaal", "correct horse battery staple")

    async def both():
        return await asyncio.gather(
            handover.claim(db_session, settings, recorder, case.id, a),
            handover.claim(db_session, settings, recorder, case.id, b),
            return_exceptions=True,
        )

    results = asyncio.run(both())
    assert sum(isinstance(r, HandoverCase) for r in results) == 1
    assert sum(isinstance(r, handover.CaseConflict) for r in results) == 1


def test_unknown_case_is_404_and_bad_id_422(api, staff):
    worker = staff("onthaal")
    assert api.post("/api/v1/handovers/999999/claim", headers=worker).status_code == 404
    assert api.get("/api/v1/handovers/999999", headers=worker).status_code == 404
    assert api.get("/api/v1/handovers/abc", headers=worker).status_code == 422
    assert api.get("/api/v1/handovers?status=lost", headers=worker).status_code == 422


def test_messages_need_the_claim_and_an_open_case(api, open_case, staff):
    case = open_case()
    worker, other = staff("onthaal"), staff("onthaal")
    url = f"/api/v1/handovers/{case.id}/messages"
    assert api.post(url, headers=worker, json={"text": "Dag"}).status_code == 409  # not claimed yet
    api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker)
    assert api.post(url, headers=other, json={"text": "Dag"}).status_code == 409  # someone else's
    assert api.post(url, headers=worker, json={"text": ""}).status_code == 422
    assert api.post(url, headers=worker, json={"text": "x" * 5001}).status_code == 422
    assert api.post(url, headers=worker, json={}).status_code == 422
    api.post(f"/api/v1/handovers/{case.id}/resolve", headers=worker, json={"outcome": "other", "then": "close"})
    resolved = api.post(url, headers=worker, json={"text": "Nog iets"})
    assert resolved.status_code == 409 and "resolved" in resolved.json()["detail"]
    assert api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker).status_code == 409
    assert api.post(f"/api/v1/handovers/{case.id}/release", headers=worker).status_code == 409


def test_release_puts_the_case_back_in_the_queue(api, db_session, open_case, staff, recorder):
    case = open_case()
    worker = staff("onthaal")
    api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker)
    assert api.post(f"/api/v1/handovers/{case.id}/release", headers=staff("onthaal")).status_code == 409
    released = api.post(f"/api/v1/handovers/{case.id}/release", headers=worker)
    assert released.status_code == 200 and released.json()["status"] == "waiting"
    assert released.json()["claimed_by"] is None
    assert recorder.sent[-1][1]["text"] == i18n.text("api_handover_released", "nl", position="1")
    assert api.post(f"/api/v1/handovers/{case.id}/claim", headers=staff("onthaal")).status_code == 200


def test_an_admin_may_release_anyone_s_claim(api, open_case, staff):
    case = open_case()
    api.post(f"/api/v1/handovers/{case.id}/claim", headers=staff("onthaal"))
    assert api.post(f"/api/v1/handovers/{case.id}/release", headers=staff("admin")).status_code == 200


def test_resolve_validates_outcome_service_and_knelpunten(api, db_session, open_case, staff):
    load_demo(db_session)
    service_id = db_session.execute(select(__import__("kb.models", fromlist=["Service"]).Service.id)).scalar()
    case = open_case()
    worker = staff("onthaal")
    api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker)
    url = f"/api/v1/handovers/{case.id}/resolve"
    assert api.post(url, headers=worker, json={"outcome": "magic"}).status_code == 422
    assert api.post(url, headers=worker, json={"outcome": "referred"}).status_code == 422  # which service?
    unknown = api.post(url, headers=worker, json={"outcome": "referred", "service_id": "no-such-service"})
    assert unknown.status_code == 422 and "unknown" in unknown.json()["detail"]
    bad_tag = api.post(url, headers=worker, json={"outcome": "information", "knelpunten": ["moon"]})
    assert bad_tag.status_code == 422
    ok = api.post(url, headers=worker, json={"outcome": "referred", "service_id": service_id,
                                             "knelpunten": ["waiting_list", "cost"], "then": "close"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["outcome_service_id"] == service_id and ok.json()["knelpunten"] == ["waiting_list", "cost"]
    signals = db_session.scalars(select(Signal).where(Signal.signal_type == "knelpunt")).all()
    assert sorted(s.barrier for s in signals) == ["cost", "waiting_list"]
    assert {s.source for s in signals} == {"worker"} and {s.commune_code for s in signals} == {"21001"}


def test_called_back_is_marked_and_audited(api, db_session, open_case, staff):
    case = open_case()
    worker = staff("onthaal")
    assert api.post(f"/api/v1/handovers/{case.id}/called-back", headers=worker).status_code == 409
    api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker)
    marked = api.post(f"/api/v1/handovers/{case.id}/called-back", headers=worker)
    assert marked.status_code == 200 and marked.json()["called_back_at"]
    assert "called_back" in db_session.scalars(select(HandoverAudit.action)).all()


# --- the citizen's side ----------------------------------------------------------------------------


def test_while_a_case_is_open_citizen_messages_are_held_for_the_worker(db_session, open_case, settings, recorder):
    case = open_case()
    conversation = db_session.get(Conversation, case.conversation_id)
    replies = asyncio.run(handle_citizen_message(db_session, settings, recorder, conversation, "Hallo?", None))
    assert replies == []  # nothing from Rasa (which is not even asked: it is unreachable here)
    last = db_session.scalars(select(Message).where(Message.conversation_id == conversation.id)
                              .order_by(Message.id.desc())).first()
    assert (last.author, last.text) == ("citizen", "Hallo?")


def test_a_citizen_who_leaves_shows_on_the_case(api, db_session, open_case, staff):
    case = open_case()
    handover.citizen_presence(db_session, case.conversation_id, False)
    listed = api.get("/api/v1/handovers", headers=staff("onthaal")).json()["cases"][0]
    assert listed["citizen_present"] is False and listed["citizen_left_at"]
    handover.citizen_presence(db_session, case.conversation_id, True)
    assert api.get("/api/v1/handovers", headers=staff("onthaal")).json()["cases"][0]["citizen_present"]


def _citizen_headers(db_session, case):
    """A fresh token for the case's conversation, as the widget holds it."""
    from api.channel.conversation import hash_token

    conversation = db_session.get(Conversation, case.conversation_id)
    conversation.token_hash = hash_token("citizen-token")
    db_session.commit()
    return {"Authorization": "Bearer citizen-token"}


@pytest.mark.parametrize(("phone", "stored"), [
    ("0470 12 34 56", "+32470123456"), ("+32 2 511 11 11", "+3225111111"), ("+33 6 12 34 56 78", "+33612345678"),
])
def test_the_citizen_leaves_a_valid_phone_number_with_consent(api, db_session, open_case, staff, phone, stored):
    case = open_case()
    headers = _citizen_headers(db_session, case)
    url = f"/api/v1/conversations/{case.conversation_id}/callback"
    response = api.post(url, headers=headers, json={"phone": phone, "consent": True})
    assert response.status_code == 200, response.text
    detail = api.get(f"/api/v1/handovers/{case.id}", headers=staff("onthaal")).json()
    assert detail["contact_phone"] == stored and detail["preferred_contact"] == "phone"
    assert stored not in str(detail["transcript"])  # only on the case, not in the transcript


@pytest.mark.parametrize("body", [
    {"phone": "call me maybe", "consent": True},
    {"phone": "12", "consent": True},
    {"email": "not-an-address", "consent": True},
    {"phone": "0470 12 34 56", "consent": False},
    {"consent": True},
    {"phone": ["0470"], "consent": True},
])
def test_bad_call_back_details_are_a_clear_422(api, db_session, open_case, body):
    case = open_case()
    response = api.post(f"/api/v1/conversations/{case.conversation_id}/callback",
                        headers=_citizen_headers(db_session, case), json=body)
    assert response.status_code == 422
    assert db_session.get(HandoverCase, case.id).contact_phone is None


def test_call_back_needs_the_conversation_token_and_an_open_case(api, db_session, open_case):
    case = open_case()
    url = f"/api/v1/conversations/{case.conversation_id}/callback"
    body = {"email": "marie@example.be", "consent": True}
    assert api.post(url, json=body).status_code == 401
    assert api.post(url, headers={"Authorization": "Bearer wrong"}, json=body).status_code == 401
    other = start_conversation(db_session, "rest", "nl")
    no_case = api.post(f"/api/v1/conversations/{other.conversation.id}/callback",
                       headers={"Authorization": f"Bearer {other.token}"}, json=body)
    assert no_case.status_code == 409
    ok = api.post(url, headers=_citizen_headers(db_session, case), json=body)
    assert ok.status_code == 200 and ok.json()["preferred_contact"] == "email"


def test_outside_opening_hours_the_citizen_is_offered_a_call_back(db_session, settings, recorder):
    closed = settings.model_copy(update={"onthaal_opening_hours": "mon=09:00-17:00"})
    conversation = start_conversation(db_session, "rest", "fr").conversation
    sunday_night = utcnow().replace(year=2026, month=11, day=22, hour=21)
    case = asyncio.run(handover.open_case(db_session, closed, recorder, conversation.id,
                                          {"language": "fr"}, now=sunday_night))
    assert case.callback_offered_at is not None
    reply = recorder.sent[-1][1]
    assert reply["custom"]["type"] == "handover_callback_offer"
    assert reply["text"] == i18n.text("api_handover_closed", "fr", hours=settings.onthaal_hours_fr)


# --- timeouts, restarts and retention -----------------------------------------------------------------


def test_a_silent_worker_s_claim_times_out_and_long_waits_get_a_call_back_offer(
    api, db_session, open_case, settings, recorder, staff
):
    case = open_case()
    worker = staff("onthaal")
    api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker)
    later = utcnow() + timedelta(seconds=settings.handover_claim_timeout_seconds + 5)
    assert asyncio.run(handover.check_timeouts(db_session, settings, recorder, now=utcnow())) == {
        "released": 0, "callback_offered": 0}
    result = asyncio.run(handover.check_timeouts(db_session, settings, recorder, now=later))
    assert result["released"] == 1
    db_session.refresh(case)
    assert case.status == "waiting" and case.claimed_by is None
    audit = db_session.scalars(select(HandoverAudit).order_by(HandoverAudit.id.desc())).first()
    assert (audit.action, audit.actor) == ("claim_timeout", "system")

    much_later = utcnow() + timedelta(seconds=settings.handover_callback_after_seconds + 5)
    assert asyncio.run(handover.check_timeouts(db_session, settings, recorder, now=much_later))[
        "callback_offered"] == 1
    assert recorder.customs(case.conversation_id)[-1] == "handover_callback_offer"
    assert asyncio.run(handover.check_timeouts(db_session, settings, recorder, now=much_later))[
        "callback_offered"] == 0  # offered once


def test_polling_the_queue_keeps_a_claim_alive(api, db_session, open_case, settings, recorder, staff):
    case = open_case()
    worker = staff("onthaal")
    api.post(f"/api/v1/handovers/{case.id}/claim", headers=worker)
    db_session.query(HandoverCase).update({"worker_seen_at": utcnow() - timedelta(hours=1)})
    db_session.commit()
    api.get("/api/v1/handovers", headers=worker)
    asyncio.run(handover.check_timeouts(db_session, settings, recorder))
    db_session.refresh(case)
    assert case.status == "claimed"


def test_an_open_case_keeps_its_conversation_past_the_transcript_retention(db_session, open_case, settings):
    case = open_case()
    long_after = utcnow() + timedelta(days=settings.retention_days + 1)
    assert case.conversation_id not in expired_conversations(db_session, settings, long_after)
    case.status, case.resolved_at = "resolved", long_after - timedelta(days=1)  # resolved a day ago
    db_session.commit()
    assert case.conversation_id not in expired_conversations(db_session, settings, long_after)
    way_after = long_after + timedelta(days=settings.handover_retention_days)
    assert case.conversation_id in expired_conversations(db_session, settings, way_after)


def test_forgetting_the_conversation_deletes_the_case_and_its_contact_details(api, db_session, open_case):
    case = open_case()
    case_id, conversation_id = case.id, case.conversation_id
    headers = _citizen_headers(db_session, case)
    api.post(f"/api/v1/conversations/{conversation_id}/callback", headers=headers,
             json={"phone": "0470 12 34 56", "consent": True})
    assert api.delete(f"/api/v1/conversations/{conversation_id}", headers=headers).status_code == 204
    db_session.expire_all()
    assert db_session.get(HandoverCase, case_id) is None
    assert db_session.scalars(select(HandoverAudit).where(HandoverAudit.case_id == case_id)).all()  # kept
