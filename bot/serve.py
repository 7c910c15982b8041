"""Start Rasa 3.6 (`python -m bot.serve run ...`, the same arguments as `rasa ...`) with fixes for its
per-message cost, and the reply's language on every REST reply.

Profiled under load (py-spy, 20 conversations at once), Rasa spent its CPU on work that gives nothing:
- `jsonschema.validate` on every action-server response re-validates the schema against the meta-schema
  and builds a new validator (a third of the CPU before this file existed), then tries each event against
  the sub-schemas of all 23 event types: validators are built once and each event is checked against its
  own type's; responses are accepted and refused exactly as before, with the same error type.
- every event read from the tracker store looks its class up by walking all subclasses of `Event`
  (`resolve_by_type` -> `all_subclasses`, 7 %): the type name -> class map is built once.
- every call to the action server opens a new HTTP session and connection: one session per endpoint and
  event loop, kept open (idle connections are dropped before the action server drops them).
- every call to the action server carries the whole conversation (every event since it began, encoded
  again for each call: a cost that grows with each turn) and the domain with all responses: it carries
  the current turn's events (from the citizen's latest message: all that rasa-sdk's forms and our actions
  read; they keep their state in slots) and, to the actions that ask for the domain, the domain without
  its responses (the action server never reads them; responses are filled in by Rasa).
- loading and saving a tracker builds Rasa's ORM query (its SQL cache key alone cost 6 %) and an ORM object
  for every stored event, to read one column: the same query in plain SQL, reading `data` only.
- the SQLite tracker store opens and closes a connection for every load and save (SQLAlchemy 1.4's NullPool
  for SQLite files; in WAL mode each last close also checkpoints) and waits for a disk flush on every
  commit: the connection is kept (one per thread), with the write-ahead log and `synchronous=NORMAL`
  (a crash of Rasa loses nothing; a power cut may lose the last turns, as with the lock store in memory).
Rasa 3.6 is the last open-source release, so these fixes cannot land upstream; they are kept to this file
and covered by tests/bot/test_serve.py (run in Rasa's environment).

The API needs the language the assistant answered in (widgets follow it): every message of a REST reply
carries `metadata.lang`, the `language` slot the reply's texts were chosen on, instead of the API asking
for the whole tracker after each turn.
"""

import sys
from functools import lru_cache
from typing import Any

REPLY_LANGUAGE_SLOT = "language"
ACTION_KEEPALIVE_SECONDS = 2.0  # well under the action server's keep-alive (Sanic: 120 s)


# --- action-server responses: validators built once, each event checked against its own type ------------


@lru_cache(maxsize=1)
def _action_response_validator():
    """The response's shape, with `events` only required to be a list (each event is checked below)."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validators.validator_for(schema).check_schema(schema)  # Rasa's whole schema, once
    shape = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    return validators.validator_for(shape)(shape)


@lru_cache(maxsize=64)  # 23 event types; unknown names share the whole schema's verdict
def _event_validator(type_name: str | None):
    """Rasa's event schema is `oneOf` over one sub-schema per event type, each fixing `event` to its
    type name: an event with a known type name is valid exactly when it passes the common part and its
    type's sub-schema, so only that one is checked (jsonschema otherwise tries all 23 for every event).
    Anything else (no or unknown type name) goes through Rasa's whole schema, which refuses it."""
    from jsonschema import validators
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    own = [sub for sub in EVENT_SCHEMA["oneOf"] if sub["properties"]["event"].get("const") == type_name]
    if len(own) == 1:
        schema = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
        schema["allOf"] = own
    else:
        schema = EVENT_SCHEMA
    return validators.validator_for(schema)(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, as strict, with validators built once (raises ValidationError)."""
    from jsonschema.exceptions import best_match

    error = best_match(_action_response_validator().iter_errors(result))
    if error is None and isinstance(result, dict):
        for event in result.get("events") or []:
            type_name = event.get("event") if isinstance(event, dict) else None
            error = best_match(_event_validator(type_name if isinstance(type_name, str) else None)
                               .iter_errors(event))
            if error is not None:
                break
    if error is not None:
        error.message += (
            ". The action server's response does not have the shape Rasa expects "
            "(see Rasa's documentation on custom actions)."
        )
        raise error
    return True


# --- action-server requests: the current turn, the domain without responses --------------------------------


def current_turn(tracker: Any) -> list[dict[str, Any]]:
    """The tracker's events from its latest user message on (all of them when there is none)."""
    from rasa.shared.core.events import UserUttered

    turn = []
    for event in reversed(tracker.events):
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    return [event.as_dict() for event in reversed(turn)]


_domains_for_actions: dict[int, tuple[Any, dict[str, Any]]] = {}


def domain_for_actions(domain: Any) -> dict[str, Any]:
    cached = _domains_for_actions.get(id(domain))
    if cached is None or cached[0] is not domain:
        cached = (domain, {key: value for key, value in domain.as_dict().items() if key != "responses"})
        _domains_for_actions[id(domain)] = cached
    return cached[1]


def action_call_format(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
    """RemoteAction._action_call_format with the current turn's events and a lighter domain."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = current_turn(tracker)
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
              "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain_for_actions(domain)
    return result


# --- events: the class of a type name, looked up in a map ----------------------------------------------

_event_classes: dict[str, type] = {}


def _build_event_classes() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    classes: dict[str, type] = {}
    for cls in all_subclasses(Event):  # the first one wins, as in Rasa's own loop
        classes.setdefault(cls.type_name, cls)
    _event_classes.clear()
    _event_classes.update(classes)


def resolve_event_type(type_name: str, default: type | None = None) -> type | None:
    """Event.resolve_by_type with the classes mapped once (rebuilt once for a name not seen yet)."""
    cls = _event_classes.get(type_name)
    if cls is None:
        _build_event_classes()
        cls = _event_classes.get(type_name)
    if cls is not None:
        return cls
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


# --- the action endpoint: one long-lived HTTP session ----------------------------------------------------


class _KeptSession:
    """`async with endpoint.session() as s` without closing `s` at the end."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *_exc: Any) -> None:
        return None


def kept_session(endpoint: Any) -> _KeptSession:
    """EndpointConfig.session, kept per endpoint and event loop (a session belongs to its loop)."""
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    sessions = endpoint.__dict__.setdefault("_kept_sessions", {})
    loop = asyncio.get_running_loop()
    session = sessions.get(id(loop))
    if session is None or session.closed:
        auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
                if endpoint.basic_auth else None)
        session = aiohttp.ClientSession(
            headers=endpoint.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_KEEPALIVE_SECONDS),
        )
        sessions[id(loop)] = session
    return _KeptSession(session)


# --- the tracker store on SQLite: no disk flush per commit -----------------------------------------------


def engine_kwargs(url: Any) -> dict[str, Any]:
    """rasa.core.tracker_store.create_engine_kwargs, with a kept connection for SQLite."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import SingletonThreadPool

    if make_url(str(url)).get_backend_name() == "sqlite":
        return {"poolclass": SingletonThreadPool}
    return _rasa_engine_kwargs(url)


_rasa_engine_kwargs: Any = None


@lru_cache(maxsize=8)
def _session_events_sql(dialect: Any, columns: str, all_sessions: bool) -> Any:
    """Rasa's SQLTrackerStore._event_query in plain SQL: a conversation's events, by default only those of
    its latest session (from its latest `session_started` on; all when it has none), in stored order.
    Names are quoted as the database's dialect needs (`timestamp` is a keyword)."""
    from sqlalchemy import text

    q = dialect.identifier_preparer.quote
    events, sender, stamp = q("events"), q("sender_id"), q("timestamp")
    where = f"{sender} = :sender_id"
    if not all_sessions:
        latest = f"(SELECT max({stamp}) FROM {events} WHERE {sender} = :sender_id AND {q('type_name')} = :started)"  # noqa: S608
        where += f" AND ({stamp} >= {latest} OR {latest} IS NULL)"
    selected, order = (q("data"), f" ORDER BY {q('id')}") if columns == "data" else ("count(*)", "")
    return text(f"SELECT {selected} FROM {events} WHERE {where}{order}")  # noqa: S608 - fixed SQL, bound values


def _session_params(sender_id: str) -> dict[str, str]:
    from rasa.shared.core.events import SessionStarted

    return {"sender_id": sender_id, "started": SessionStarted.type_name}


async def sql_retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
    """SQLTrackerStore._retrieve with the query in plain SQL (the same rows, in the same order)."""
    import json

    from rasa.shared.core.trackers import DialogueStateTracker

    with self.session_scope() as session:
        sql = _session_events_sql(self.engine.dialect, "data", fetch_events_from_all_sessions)
        rows = session.execute(sql, _session_params(sender_id))
        events = [json.loads(data) for (data,) in rows]
    if self.domain and events:
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
    return None


def sql_additional_events(self: Any, session: Any, tracker: Any) -> Any:
    """SQLTrackerStore._additional_events with the count in plain SQL: the events not stored yet."""
    import itertools

    sql = _session_events_sql(self.engine.dialect, "count", False)
    stored = session.execute(sql, _session_params(tracker.sender_id)).scalar()
    return itertools.islice(tracker.events, stored, len(tracker.events))


def _sqlite_write_ahead(dbapi_connection: Any, _record: Any) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# --- the reply's language on every REST message --------------------------------------------------------


def _with_reply_language(run_prediction_loop):
    async def run(self: Any, output_channel: Any, tracker: Any, *args: Any, **kwargs: Any) -> Any:
        from rasa.core.channels.channel import CollectingOutputChannel

        result = await run_prediction_loop(self, output_channel, tracker, *args, **kwargs)
        slot = tracker.slots.get(REPLY_LANGUAGE_SLOT)
        lang = slot.value if slot is not None else None
        if lang and isinstance(output_channel, CollectingOutputChannel):
            for message in output_channel.messages:
                message.setdefault("metadata", {})["lang"] = lang
        return result

    run.__wrapped__ = run_prediction_loop
    return run


def install() -> None:
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import Event
    from rasa.utils.endpoints import EndpointConfig
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    RemoteAction._validate_action_result = validate_action_result
    RemoteAction._action_call_format = action_call_format
    Event.resolve_by_type = staticmethod(resolve_event_type)
    EndpointConfig.session = kept_session
    tracker_store.SQLTrackerStore._retrieve = sql_retrieve
    tracker_store.SQLTrackerStore._additional_events = sql_additional_events
    global _rasa_engine_kwargs
    if _rasa_engine_kwargs is None:
        _rasa_engine_kwargs = tracker_store.create_engine_kwargs
        tracker_store.create_engine_kwargs = engine_kwargs
    if not event.contains(Engine, "connect", _sqlite_write_ahead):
        event.listen(Engine, "connect", _sqlite_write_ahead)
    if not hasattr(MessageProcessor._run_prediction_loop, "__wrapped__"):
        MessageProcessor._run_prediction_loop = _with_reply_language(MessageProcessor._run_prediction_loop)


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
