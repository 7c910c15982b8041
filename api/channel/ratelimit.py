"""Rate limits of the citizen channel: messages per minute per conversation and per client IP.

Counted per minute window. With REDIS_URL the counters live in Redis, so every API process counts the
same conversation together; without it each process counts for itself (one process in development).
"""

import logging
import time
from collections import defaultdict

from common.config import Settings

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.limits = {"conversation": settings.rate_limit_per_conversation, "ip": settings.rate_limit_per_ip}
        self._counts: dict[tuple[str, str, int], int] = defaultdict(int)
        self._redis = None
        if settings.redis_url:
            import redis.asyncio as redis

            self._redis = redis.Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=1)

    async def _hit(self, kind: str, key: str) -> int:
        window = int(time.time() // WINDOW_SECONDS)
        if self._redis is not None:
            name = f"gbo:rate:{kind}:{key}:{window}"
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    count, _ = await pipe.incr(name).expire(name, WINDOW_SECONDS * 2).execute()
                return int(count)
            except Exception as exc:  # noqa: BLE001 - Redis down: fall back to counting in this process
                logger.warning("rate limit counter unavailable in Redis (%s)", type(exc).__name__)
        for stale in [k for k in self._counts if k[2] < window]:
            del self._counts[stale]
        self._counts[(kind, key, window)] += 1
        return self._counts[(kind, key, window)]

    async def allow(self, conversation_id: str | None, ip: str | None) -> bool:
        """Count one message; False when it goes over a limit (the message is then refused)."""
        allowed = True
        for kind, key in (("conversation", conversation_id), ("ip", ip)):
            if key and await self._hit(kind, key) > self.limits[kind]:
                allowed = False
        return allowed
