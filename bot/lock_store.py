"""A Redis lock store that holds across Rasa processes (bot/endpoints.production.yml).

Rasa 3.6's RedisLockStore keeps a conversation's ticket queue as one Redis value that each process reads,
changes and writes back (to take a ticket, to clean up): two processes doing that at the same moment
overwrite each other's ticket, and both then handle a message of the same conversation at once. Sending 32
messages of one conversation at once to two processes lost one of them that way
(tests/e2e/test_scale_out.py; with no shared lock at all, 13). Rasa's fix (a concurrent Redis lock store)
is not in the open-source release.

Here each conversation has one Redis lock from redis-py (`SET NX` with a random token and an expiry; only
its holder releases it), taken atomically, so one turn of a conversation runs at a time whichever process
holds it. Waiting polls, as Rasa's store does. The order of messages of one conversation sent at the very
same moment is not kept: between processes it never was.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02
SOCKET_TIMEOUT_SECONDS = 10


class SharedRedisLockStore(LockStore):
    """`lock_store: type: bot.lock_store.SharedRedisLockStore`, with url, port, db, password, key_prefix."""

    def __init__(self, endpoint_config: EndpointConfig | None = None) -> None:
        settings: dict[str, Any] = dict(endpoint_config.kwargs) if endpoint_config else {}
        self.red = redis.StrictRedis(
            host=(endpoint_config.url if endpoint_config and endpoint_config.url else "localhost"),
            port=int(settings.get("port") or 6379),
            db=int(settings.get("db") or 1),
            password=settings.get("password") or None,  # an empty setting means no password
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        self.key_prefix = f"{settings.get('key_prefix') or 'gbo'}:conversation-lock:"
        super().__init__()

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        # The lock expires after lock_lifetime, as Rasa's tickets do: a process that dies holding it
        # blocks its conversation for at most that long.
        held = self.red.lock(self.key_prefix + conversation_id, timeout=lock_lifetime)
        deadline = asyncio.get_running_loop().time() + lock_lifetime
        while not held.acquire(blocking=False):
            if asyncio.get_running_loop().time() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(POLL_SECONDS)
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                held.release()
            except redis.exceptions.LockError:
                logger.warning("the lock of a conversation expired before its turn ended")

    # Rasa's ticket bookkeeping is not used: `lock` above replaces it.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        self.red.delete(self.key_prefix + conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        return None
