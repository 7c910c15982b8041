"""Staff sign-in throttling: failed attempts counted per account and per client IP address.

After MAX_FAILURES_PER_ACCOUNT failed sign-ins for one e-mail, or MAX_FAILURES_PER_IP from one address,
within WINDOW_SECONDS, further attempts are refused with 429 (and a Retry-After) without checking the
password, so guessing costs the attacker time and costs the server no hashing. A successful sign-in clears
the account's count. With REDIS_URL the counts are shared by every API process; without it, or while
Redis does not answer, each process counts for itself.
"""

import hashlib
import logging
import time
from collections import defaultdict

from common.config import Settings

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 30
REDIS_TIMEOUT_SECONDS = 1.0


def _key(kind: str, value: str) -> str:
    # Hashed, so e-mail addresses are not written into Redis key names.
    return f"gbo:login:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self.limits = {"account": MAX_FAILURES_PER_ACCOUNT, "ip": MAX_FAILURES_PER_IP}
        self._failures: dict[str, list[float]] = defaultdict(list)
        self._redis = None
        if settings.redis_url:
            import redis.asyncio as redis

            self._redis = redis.Redis.from_url(
                settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )

    def _local_count(self, key: str, now: float) -> int:
        recent = [t for t in self._failures.get(key, []) if t > now - WINDOW_SECONDS]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return len(recent)

    async def _count(self, key: str) -> int:
        if self._redis is not None:
            try:
                return int(await self._redis.get(key) or 0)
            except Exception as exc:  # noqa: BLE001 - Redis down: count in this process
                logger.warning("login throttle unavailable in Redis (%s)", type(exc).__name__)
        return self._local_count(key, time.monotonic())

    async def retry_after(self, account: str, ip: str | None) -> int | None:
        """Seconds to wait before this account may try again from this address, or None."""
        for kind, value in (("account", account), ("ip", ip)):
            if value and await self._count(_key(kind, value)) >= self.limits[kind]:
                return WINDOW_SECONDS
        return None

    async def failed(self, account: str, ip: str | None) -> None:
        for kind, value in (("account", account), ("ip", ip)):
            if not value:
                continue
            key = _key(kind, value)
            if self._redis is not None:
                try:
                    async with self._redis.pipeline(transaction=True) as pipe:
                        await pipe.incr(key).expire(key, WINDOW_SECONDS).execute()
                    continue
                except Exception as exc:  # noqa: BLE001 - Redis down: count in this process
                    logger.warning("login throttle unavailable in Redis (%s)", type(exc).__name__)
            self._local_count(key, time.monotonic())
            self._failures[key].append(time.monotonic())

    async def succeeded(self, account: str) -> None:
        key = _key("account", account)
        self._failures.pop(key, None)
        if self._redis is not None:
            try:
                await self._redis.delete(key)
            except Exception as exc:  # noqa: BLE001
                logger.warning("login throttle unavailable in Redis (%s)", type(exc).__name__)
