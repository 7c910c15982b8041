"""Forgetting conversations: at once ("forget this conversation") or after the retention period.

A conversation lives in two stores: the API's (conversation + message rows) and Rasa's tracker store
(table `events`, one row per event, keyed by sender_id = the conversation id). Both are cleared.
On SQLite, deleted text is overwritten (secure_delete) and the write-ahead log truncated, so the text
is gone from the files too, not only from query results.
"""

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Select, create_engine, delete, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.core.config import Settings
from api.models import Conversation, Message, utcnow
from api.services.conversation import ConversationEvents, NoLiveEvents

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


def delete_from_api_store(session: Session, conversation_ids: Iterable[str]) -> int:
    conversation_ids = list(conversation_ids)
    if not conversation_ids:
        return 0
    _secure_sqlite(session.connection())
    session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
    result = session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    session.commit()
    bind = session.get_bind()
    if isinstance(bind, Engine):
        _truncate_sqlite_log(bind)
    return result.rowcount or 0


async def forget_conversation(
    session: Session, settings: Settings, events: ConversationEvents, conversation_id: str
) -> None:
    """Forget one conversation at once, in every store, and tell its live clients."""
    delete_from_api_store(session, [conversation_id])
    await asyncio.to_thread(delete_tracker_events, settings, [conversation_id])
    await events.forgotten(conversation_id)


def conversations_held_by_cases(settings: Settings, now: datetime | None = None) -> Select | None:
    """A select of conversation ids that belong to a handover case: those follow the case's retention
    (open, or resolved less than HANDOVER_RETENTION_DAYS ago), not the transcript's."""
    from api.services.handover import conversations_held

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
    expired = expired_conversations(session, settings, now)
    for start in range(0, len(expired), 500):
        chunk = expired[start:start + 500]
        # Rasa's events first: when that fails, the API still knows which conversations to retry.
        await asyncio.to_thread(delete_tracker_events, settings, chunk)
        delete_from_api_store(session, chunk)
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
        except (SQLAlchemyError, OSError) as exc:
            logger.warning("retention run failed (%s); next try in %.0f s", type(exc).__name__,
                           settings.retention_interval_seconds)
        await asyncio.sleep(settings.retention_interval_seconds)
