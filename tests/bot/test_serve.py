"""bot/serve.py, in Rasa's own environment: action-server responses are still validated (a good one
passes, a malformed one raises jsonschema's ValidationError), with the validator built once; events
resolve to the same classes as Rasa's own lookup; the action endpoint keeps its HTTP session; the SQLite
tracker store writes ahead; every REST reply message carries the `language` slot as metadata.lang."""

from tests.bot.rasa_support import run_in_rasa

CHECK = """
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from bot import serve

serve.install()
action = RemoteAction("action_x", None)
good = {"events": [{"event": "slot", "name": "language", "value": "nl"}], "responses": [{"text": "hallo"}]}
assert action._validate_action_result(good) is True
for bad in ({"events": "not a list"}, {"responses": [1]}, {"events": [{"no_event_key": 1}]}):
    try:
        action._validate_action_result(bad)
    except ValidationError as error:
        assert "action server" in error.message
    else:
        raise SystemExit(f"accepted a malformed response: {bad}")
assert serve._action_response_validator.cache_info().misses == 1

# the same verdict as Rasa's own check (jsonschema.validate on the whole schema), event by event
import jsonschema

cases = [
    {"events": [{"event": "slot", "name": "need_categories", "value": [35]}, {"event": "followup", "name": "x"}]},
    {"events": [{"event": "bot", "text": "hallo", "data": {"custom": {"type": "service_list"}}}]},
    {"events": [{"event": "user", "text": "hallo", "parse_data": {"intent": {"name": "greet", "confidence": 1}}}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "commune"}]}}]},  # no entity value
    {"events": [{"event": "user", "parse_data": {"intent": {"confidence": "high"}}}]},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "slot", "value": 1}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": 5}]},
    {"events": [{"name": "language", "value": "nl"}]},
    {"events": [1]},
    {"events": [{"event": "action", "name": "x", "timestamp": "yesterday"}]},
    {"events": [{"event": "entities", "entities": []}], "responses": [{"text": "hallo"}]},
    {"events": None},
    {"responses": "hallo"},
    [],
]
for case in cases:
    try:
        jsonschema.validate(case, RemoteAction.action_response_format_spec())
        expected = True
    except ValidationError:
        expected = False
    try:
        action._validate_action_result(case)
        got = True
    except ValidationError:
        got = False
    assert got == expected, (case, got, expected)

# events: the same class for every type name as Rasa's walk over the subclasses, and the same errors
import asyncio
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

for cls in all_subclasses(Event):
    assert Event.resolve_by_type(cls.type_name) is next(
        c for c in all_subclasses(Event) if c.type_name == cls.type_name), cls
assert Event.resolve_by_type("no such event", default=UserUttered) is UserUttered
assert Event.resolve_by_type("topic") is None
try:
    Event.resolve_by_type("no such event")
except ValueError:
    pass
else:
    raise SystemExit("an unknown event name was accepted")
assert Event.from_parameters({"event": "slot", "name": "language", "value": "fr"}) == SlotSet("language", "fr")

# the action endpoint: one session per event loop, left open between requests
from rasa.utils.endpoints import EndpointConfig


async def sessions():
    endpoint = EndpointConfig("http://127.0.0.1:9")
    async with endpoint.session() as first:
        pass
    async with endpoint.session() as second:
        pass
    assert first is second and not first.closed
    await first.close()
    async with endpoint.session() as third:
        assert third is not first and not third.closed
    await third.close()

asyncio.run(sessions())

# the SQLite tracker store: a kept connection, write-ahead log, no flush per commit
import json
import tempfile

from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

with tempfile.TemporaryDirectory() as tmp:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=f"{tmp}/tracker.sqlite3")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        kept = connection.connection.dbapi_connection
    with store.engine.connect() as connection:
        assert connection.connection.dbapi_connection is kept  # not a new connection per load or save
    tracker = DialogueStateTracker.from_events("c3", [UserUttered("hallo"), SlotSet("language", "nl")])
    asyncio.run(store.save(tracker))
    assert [e.type_name for e in asyncio.run(store.retrieve("c3")).events] == ["user", "slot"]
    # plain-SQL loads and counts: the same rows as Rasa's ORM query, for the latest session or all of them
    from rasa.shared.core.events import SessionStarted

    def rasa_rows(sender, all_sessions):
        with store.session_scope() as session:
            return [json.loads(e.data) for e in store._event_query(session, sender, all_sessions).all()]

    two_sessions = [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.0),
                    UserUttered("eerste", timestamp=2.0), ActionExecuted("action_session_start", timestamp=3.0),
                    SessionStarted(timestamp=3.0), UserUttered("tweede", timestamp=4.0)]
    asyncio.run(store.save(DialogueStateTracker.from_events("c5", two_sessions)))
    latest = asyncio.run(store.retrieve("c5"))
    assert [e.as_dict() for e in latest.events] == rasa_rows("c5", False) and len(latest.events) == 3
    full = asyncio.run(store.retrieve_full_tracker("c5"))
    assert [e.as_dict() for e in full.events] == rasa_rows("c5", True) and len(full.events) == 6
    assert asyncio.run(store.retrieve("nobody")) is None
    latest.update(SlotSet("language", "fr", timestamp=5.0))
    asyncio.run(store.save(latest))  # only the new event is added
    assert [e["event"] for e in rasa_rows("c5", True)] == [e.type_name for e in two_sessions] + ["slot"]
    store.engine.dispose()

# every message of a REST reply says the language its texts were chosen on
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.slots import CategoricalSlot
from rasa.shared.core.trackers import DialogueStateTracker

assert hasattr(MessageProcessor._run_prediction_loop, "__wrapped__")


async def two_messages(_processor, output_channel, _tracker):
    await output_channel.send_text_message("c1", "Bonjour !")
    await output_channel.send_custom_json("c1", {"type": "service_list"})

language = CategoricalSlot("language", mappings=[{}], values=["nl", "fr", "en"])
tracker = DialogueStateTracker("c1", [language])
tracker.update(SlotSet("language", "fr"))
collector = CollectingOutputChannel()
asyncio.run(serve._with_reply_language(two_messages)(None, collector, tracker))
assert [m.get("metadata") for m in collector.messages] == [{"lang": "fr"}, {"lang": "fr"}], collector.messages
assert collector.messages[0]["text"] == "Bonjour !"
without = CollectingOutputChannel()
asyncio.run(serve._with_reply_language(two_messages)(None, without, DialogueStateTracker("c2", [language])))
assert all("metadata" not in m for m in without.messages)  # no language yet: nothing claimed

# action-server requests: the current turn's events (from the latest user message), the rest of the
# tracker's state as before, and the domain (to the actions that ask for it) without its responses
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, BotUttered
from rasa.shared.core.trackers import EventVerbosity
from rasa.utils.endpoints import EndpointConfig

domain = Domain.from_dict({
    "slots": {"language": {"type": "categorical", "values": ["nl", "fr", "en"], "mappings": [{"type": "custom"}]}},
    "responses": {"utter_greet": [{"text": "Hallo"}]},
    "actions": ["action_x", {"validate_need_form": {"send_domain": True}}],
})
history = [UserUttered("hallo"), ActionExecuted("utter_greet"), BotUttered("Hallo"), ActionExecuted("action_listen"),
           UserUttered("ik zoek een huisarts"), SlotSet("language", "nl")]
tracker = DialogueStateTracker.from_events("c4", history, slots=domain.slots)
endpoint = EndpointConfig("http://127.0.0.1:9", enable_selective_domain=True)
body = RemoteAction("action_x", endpoint)._action_call_format(tracker, domain)
full = tracker.current_state(EventVerbosity.ALL)
assert [e["event"] for e in body["tracker"]["events"]] == ["user", "slot"]
assert body["tracker"]["events"] == full["events"][-2:]
assert {k: v for k, v in body["tracker"].items() if k != "events"} == {k: v for k, v in full.items() if k != "events"}
assert body["next_action"] == "action_x" and body["sender_id"] == "c4" and "domain" not in body
form_body = RemoteAction("validate_need_form", endpoint)._action_call_format(tracker, domain)
assert "responses" not in form_body["domain"] and form_body["domain"]["slots"] == domain.as_dict()["slots"]
assert "responses" in domain.as_dict()  # Rasa's own domain is untouched
print("ok")
"""


def test_rasa_runs_with_the_fixes_and_behaves_as_before():
    run_in_rasa(CHECK)
