"""Forgetting conversations: at once ("forget this conversation") or after the retention period.

A conversation lives in two stores: the API's (conversation + message rows) and Rasa's tracker store
(table `events`, one row per event, keyed by sender_id = the conversation id). Both are cleared, and the
signals recorded from it lose their text and their keyed link to it (the counts stay).
On SQLite, deleted text is overwritten (secure_delete) and the write-ahead log truncated, so the text
is gone from the files too, not only from query results.

Forgetting is durable: the conversation id goes into `pending_forget` before anything is deleted and leaves
it only once Rasa's events are gone; the retention task retries what is left (a crash, an unreachable
tracker database). The same task sweeps tracker events of senders the API does not know (e.g. a crash
between the two deletions, or clients that talked to Rasa directly) once they are older than RETENTION_DAYS.
"""

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Select, create_engine, delete, inspect, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.channel.events import ConversationEvents, NoLiveEvents
from api.channel.models import Conversation, Message, PendingForget
from api.handover.service import conversations_held
from common.clock import utcnow
from common.config import Settings
from dialogue.signal_models import Signal

logger = logging.getLogger(__name__)

TRACKER_EVENTS_TABLE = "events"


@lru_cache
def _tracker_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        # Rasa writes this file too: wait for its locks rather than fail.
        return create_engine(url, connect_args={"timeout": 10})
    return create_engine(url, pool_pre_ping=True)


def _secure_sqlite(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def _truncate_sqlite_log(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def delete_tracker_events(settings: Settings, sender_ids: Iterable[str]) -> int:
    """Delete Rasa's events for these conversations; the number of events deleted."""
    sender_ids = list(sender_ids)
    if not sender_ids:
        return 0
    url = make_url(settings.tracker_db_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return 0  # Rasa has not stored anything yet (and no empty file is made here)
    engine = _tracker_engine(settings.tracker_db_url)
    if not inspect(engine).has_table(TRACKER_EVENTS_TABLE):
        return 0  # Rasa has not stored anything yet
    deleted = 0
    with engine.begin() as connection:
        _secure_sqlite(connection)
        for start in range(0, len(sender_ids), 500):
            chunk = sender_ids[start:start + 500]
            params = {f"s{i}": sender for i, sender in enumerate(chunk)}
            placeholders = ", ".join(f":s{i}" for i in range(len(chunk)))
            result = connection.execute(
                text(f"DELETE FROM {TRACKER_EVENTS_TABLE} WHERE sender_id IN ({placeholders})"),  # noqa: S608 - fixed table, bound values
                params,
            )
            deleted += result.rowcount or 0
    _truncate_sqlite_log(engine)
    return deleted


def delete_from_api_store(session: Session, conversation_ids: Iterable[str], forget_signals: bool = False) -> int:
    """Delete the conversations' rows; their signals lose the keys that link them to the conversation
    (no use once it is gone), and with forget_signals (the citizen asked) their text too. Retention keeps
    signal texts: they were scrubbed of personal data."""
    conversation_ids = list(conversation_ids)
    if not conversation_ids:
        return 0
    _secure_sqlite(session.connection())
    session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
    result = session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    from dialogue.signal_recording import forget_key

    keys = [forget_key(conversation_id) for conversation_id in conversation_ids]
    cleared = {"dedup_key": None, "forget_key": None, **({"text": None} if forget_signals else {})}
    session.execute(
        update(Signal).where(Signal.forget_key.in_(keys)).values(**cleared)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    bind = session.get_bind()
    if isinstance(bind, Engine):
        _truncate_sqlite_log(bind)
    return result.rowcount or 0


def _request_forget(session: Session, conversation_id: str) -> None:
    if session.get(PendingForget, conversation_id) is None:
        session.add(PendingForget(conversation_id=conversation_id))
    session.commit()


def _forget_in_tracker(session: Session, settings: Settings, conversation_ids: list[str]) -> bool:
    """Delete the events of these pending conversations from Rasa's tracker store; when that worked, they
    are no longer pending. False (and they stay pending, attempts counted) when the tracker store failed."""
    try:
        delete_tracker_events(settings, conversation_ids)
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("forget: Rasa's tracker store failed (%s); retried by the retention task",
                       type(exc).__name__)
        session.execute(
            update(PendingForget).where(PendingForget.conversation_id.in_(conversation_ids))
            .values(attempts=PendingForget.attempts + 1)
        )
        session.commit()
        return False
    session.execute(delete(PendingForget).where(PendingForget.conversation_id.in_(conversation_ids)))
    session.commit()
    return True


def forget_now(session: Session, settings: Settings, conversation_id: str) -> None:
    """Forget one conversation in every store: the request is recorded first (durable), Rasa's events
    are deleted next, then the API's rows and the signals' text and link."""
    _request_forget(session, conversation_id)
    tracker_done = _forget_in_tracker(session, settings, [conversation_id])
    # Deleted here even when the tracker store failed: the token must stop working at once, and the
    # pending request (kept until Rasa's events are gone) needs nothing of these rows.
    delete_from_api_store(session, [conversation_id], forget_signals=True)
    if not tracker_done:
        logger.info("forget: the API's rows are deleted; Rasa's events are pending")


async def forget_conversation(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str
) -> None:
    """Forget one conversation at once, in every store, and tell its live clients."""
    await asyncio.to_thread(forget_now, session, settings, conversation_id)
    await events.forgotten(conversation_id)


def retry_pending_forgets(session: Session, settings: Settings, limit: int = 5000) -> int:
    """Delete Rasa's events of conversations whose forgetting did not finish; the number now done."""
    pending = list(session.scalars(select(PendingForget.conversation_id).limit(limit)))
    done = 0
    for start in range(0, len(pending), 500):
        chunk = pending[start:start + 500]
        if not _forget_in_tracker(session, settings, chunk):
            break  # the tracker store is down: next run
        delete_from_api_store(session, chunk, forget_signals=True)  # in case a crash came in between
        done += len(chunk)
    if done:
        logger.info("forget: finished %d pending conversation(s)", done)
    return done


def sweep_orphaned_tracker_events(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete tracker events of senders the API does not know whose last event is older than
    RETENTION_DAYS; the number of senders swept."""
    url = make_url(settings.tracker_db_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return 0
    engine = _tracker_engine(settings.tracker_db_url)
    if not inspect(engine).has_table(TRACKER_EVENTS_TABLE):
        return 0
    columns = {column["name"] for column in inspect(engine).get_columns(TRACKER_EVENTS_TABLE)}
    if not {"sender_id", "timestamp"} <= columns:
        logger.warning("retention: the tracker table has no sender_id/timestamp: orphans not swept")
        return 0
    cutoff = ((now or utcnow()) - timedelta(days=settings.retention_days)).timestamp()
    with engine.connect() as connection:
        senders = list(connection.execute(
            text(f"SELECT sender_id FROM {TRACKER_EVENTS_TABLE} GROUP BY sender_id "  # noqa: S608 - fixed table
                 "HAVING max(timestamp) < :cutoff"),
            {"cutoff": cutoff},
        ).scalars())
    orphans: list[str] = []
    for start in range(0, len(senders), 500):
        chunk = senders[start:start + 500]
        known = set(session.scalars(select(Conversation.id).where(Conversation.id.in_(chunk))))
        orphans += [sender for sender in chunk if sender not in known]
    session.commit()  # ends the read (SQLite: releases the lock)
    delete_tracker_events(settings, orphans)
    if orphans:
        logger.info("retention: deleted the tracker events of %d sender(s) unknown to the API", len(orphans))
    return len(orphans)


def conversations_held_by_cases(settings: Settings, now: datetime | None = None) -> Select | None:
    """A select of conversation ids that belong to a handover case: those follow the case's retention
    (open, or resolved less than HANDOVER_RETENTION_DAYS ago), not the transcript's."""
    return conversations_held(settings, now)


def expired_conversations(session: Session, settings: Settings, now: datetime | None = None) -> list[str]:
    cutoff = (now or utcnow()) - timedelta(days=settings.retention_days)
    query = select(Conversation.id).where(Conversation.last_activity_at < cutoff)
    held = conversations_held_by_cases(settings, now)
    if held is not None:
        query = query.where(Conversation.id.not_in(held))
    return list(session.scalars(query))


async def purge_expired(
    session: Session, settings: Settings, events: ConversationEvents | None = None,
    now: datetime | None = None,
) -> int:
    """Delete every conversation whose last message is older than the retention period, from the API's
    store and Rasa's tracker store; the number of conversations deleted."""
    # Database work in a worker thread: the API's event loop keeps serving citizens meanwhile.
    expired = await asyncio.to_thread(expired_conversations, session, settings, now)
    for start in range(0, len(expired), 500):
        chunk = expired[start:start + 500]
        # Rasa's events first: when that fails, the API still knows which conversations to retry.
        await asyncio.to_thread(delete_tracker_events, settings, chunk)
        await asyncio.to_thread(delete_from_api_store, session, chunk)
        for conversation_id in chunk:
            await (events or NoLiveEvents()).forgotten(conversation_id)
    if expired:
        logger.info("retention: deleted %d conversations", len(expired))
    return len(expired)


FIRST_RUN_AFTER_SECONDS = 30


async def purge_periodically(settings: Settings, session_factory, events: ConversationEvents) -> None:
    """Run by the API process (its lifespan): shortly after start, then every retention_interval_seconds.
    Several API processes may run it at once; deleting what is already deleted does no harm."""
    await asyncio.sleep(min(FIRST_RUN_AFTER_SECONDS, settings.retention_interval_seconds))
    while True:
        try:
            with session_factory() as session:
                await purge_expired(session, settings, events)
                await asyncio.to_thread(retry_pending_forgets, session, settings)
                await asyncio.to_thread(sweep_orphaned_tracker_events, session, settings)
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("retention run failed (%s); next try in %.0f s", type(exc).__name__,
                           settings.retention_interval_seconds)
        await asyncio.sleep(settings.retention_interval_seconds)
