"""The API's door to Rasa: long-lived pooled HTTP clients, conversations pinned to one Rasa process,
a circuit breaker, and a bounded wait.

- One `httpx.AsyncClient` per Rasa process (and per event loop), kept open: no new connection, TLS context
  or pool per message (profiled: two thirds of the API's CPU under load went to building clients).
- Several Rasa processes (RASA_WORKERS) serve one model; each conversation always goes to the same one
  (a stable hash of its id), so its turns never interleave even where the lock store is per process
  (the embedded SQLite default). With PostgreSQL + Redis the lock store is shared as well.
- A slow answer is not a failure. The API waits up to RASA_TIMEOUT_SECONDS for the turn; after
  RASA_SLOW_NOTICE_SECONDS the caller is told once (the socket then says "a moment, your message is
  kept"). Only when Rasa cannot be reached (connection refused or reset, HTTP 5xx, several times in a
  row: the breaker opens for BREAKER_OPEN_SECONDS) or the deadline passes does the caller answer with
  the onthaal's number; a turn given up at the deadline is undone in Rasa (a `rewind` event, applied
  after the turn under Rasa's conversation lock), so the citizen never gets a fallback and then a
  contradicting answer.
- At most MAX_WAITING turns wait per Rasa process; past that, new ones are refused at once as busy
  (nothing is sent to Rasa, so the outcome stays one answer per message).
"""

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from common.config import Settings

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2.0
BREAKER_FAILURES = 3  # consecutive failures that open the breaker
BREAKER_OPEN_SECONDS = 5.0
MAX_WAITING = 200  # turns waiting for one Rasa process, per API process
MAX_CONNECTIONS = 64


class RasaUnavailable(Exception):
    """Rasa cannot answer this message: down, failing, or past the deadline (the turn was undone)."""


class RasaBusy(RasaUnavailable):
    """Too many messages are already waiting for this Rasa process; this one was not sent."""


@dataclass
class Breaker:
    failures: int = 0
    open_until: float = 0.0

    def allows(self, now: float) -> bool:
        return now >= self.open_until  # past the open period one call goes through (half-open)

    def succeeded(self) -> None:
        self.failures = 0
        self.open_until = 0.0

    def failed(self, now: float) -> None:
        self.failures += 1
        if self.failures >= BREAKER_FAILURES:
            self.open_until = now + BREAKER_OPEN_SECONDS


def worker_urls(settings: Settings) -> list[str]:
    """The Rasa processes' base URLs: RASA_URL, then the next ports for RASA_WORKERS > 1."""
    base = settings.rasa_url.rstrip("/")
    workers = max(1, getattr(settings, "rasa_workers", 1))
    if workers == 1:
        return [base]
    scheme_host, _, port = base.rpartition(":")
    return [f"{scheme_host}:{int(port) + i}" for i in range(workers)]


def worker_index(conversation_id: str, workers: int) -> int:
    """The Rasa process of a conversation: stable across API processes and restarts."""
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % workers


class RasaClient:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._transport = transport  # tests only: a stand-in for the network
        self.urls = worker_urls(settings)
        self.breakers = {url: Breaker() for url in self.urls}
        self.waiting = dict.fromkeys(self.urls, 0)
        self._clients: dict[tuple[int, str], httpx.AsyncClient] = {}

    def url_for(self, conversation_id: str) -> str:
        return self.urls[worker_index(conversation_id, len(self.urls))]

    def client(self, url: str) -> httpx.AsyncClient:
        # One per event loop: an AsyncClient's connections belong to the loop that opened them.
        key = (id(asyncio.get_running_loop()), url)
        client = self._clients.get(key)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                base_url=url,
                timeout=httpx.Timeout(self.settings.rasa_timeout_seconds, connect=CONNECT_TIMEOUT_SECONDS),
                limits=httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS),
                transport=self._transport,
            )
            self._clients[key] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def turn(
        self, conversation_id: str, text: str, metadata: dict[str, Any],
        on_slow: Callable[[], Awaitable[None]] | None = None,
    ) -> list[dict[str, Any]]:
        """Rasa's replies to one citizen message; raises RasaUnavailable (or RasaBusy)."""
        url = self.url_for(conversation_id)
        breaker = self.breakers[url]
        if not breaker.allows(time.monotonic()):
            raise RasaUnavailable("circuit open: Rasa failed several times in a row")
        if self.waiting[url] >= MAX_WAITING:
            raise RasaBusy("too many messages waiting")
        self.waiting[url] += 1
        try:
            request = asyncio.ensure_future(self.client(url).post(
                "/webhooks/rest/webhook", json={"sender": conversation_id, "message": text, "metadata": metadata},
            ))
            try:
                response = await self._await_with_notice(request, on_slow)
            except httpx.ConnectTimeout:
                breaker.failed(time.monotonic())
                raise RasaUnavailable("unreachable: ConnectTimeout") from None
            except (httpx.TimeoutException, TimeoutError):
                self._undo_later(url, conversation_id)
                raise RasaUnavailable("no answer before the deadline; the turn is undone") from None
            except httpx.TransportError as exc:  # refused, reset, protocol error
                breaker.failed(time.monotonic())
                raise RasaUnavailable(f"unreachable: {type(exc).__name__}") from None
        finally:
            self.waiting[url] -= 1
        if response.status_code >= 500:
            breaker.failed(time.monotonic())
            raise RasaUnavailable(f"answered HTTP {response.status_code}")
        breaker.succeeded()
        if response.status_code != 200:
            raise RasaUnavailable(f"answered HTTP {response.status_code}")
        replies = response.json()
        if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
            raise RasaUnavailable("Rasa answered something else than a list of messages")
        if not replies:
            # What Rasa does when a custom action fails (action server down): the citizen would get nothing.
            raise RasaUnavailable("Rasa answered no message")
        return replies

    async def _await_with_notice(self, request: asyncio.Future, on_slow) -> httpx.Response:
        deadline = self.settings.rasa_timeout_seconds
        notice_after = getattr(self.settings, "rasa_slow_notice_seconds", deadline)
        async with asyncio.timeout(deadline):
            if on_slow is not None and notice_after < deadline:
                done, _ = await asyncio.wait({request}, timeout=notice_after)
                if not done:
                    try:
                        await on_slow()
                    except Exception:  # noqa: BLE001 - a notice must never lose the answer
                        logger.exception("could not send the slow-answer notice")
            return await request

    def _undo_later(self, url: str, conversation_id: str) -> None:
        async def undo() -> None:
            try:
                response = await self.client(url).post(
                    f"/conversations/{conversation_id}/tracker/events",
                    params={"token": self.settings.rasa_token}, json={"event": "rewind"},
                    timeout=httpx.Timeout(120, connect=CONNECT_TIMEOUT_SECONDS),
                )
                response.raise_for_status()
            except httpx.HTTPError as exc:
                logger.warning("could not undo a turn given up on: %s", type(exc).__name__)

        task = asyncio.ensure_future(undo())
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def tracker_event(self, conversation_id: str, event: dict[str, Any]) -> None:
        """Append an event to the conversation's tracker (pause/resume for a handover); raises httpx errors."""
        url = self.url_for(conversation_id)
        response = await self.client(url).post(
            f"/conversations/{conversation_id}/tracker/events", params={"token": self.settings.rasa_token},
            json=event,
        )
        response.raise_for_status()

    async def status(self, url: str, timeout: float) -> httpx.Response:
        return await self.client(url).get("/status", params={"token": self.settings.rasa_token}, timeout=timeout)


_background: set[asyncio.Task] = set()
_clients_by_settings: dict[int, RasaClient] = {}


def rasa_client(settings: Settings) -> RasaClient:
    """The process's Rasa client for these settings (one per Settings object, so tests stay apart)."""
    client = _clients_by_settings.get(id(settings))
    if client is None or client.settings is not settings:
        client = RasaClient(settings)
        _clients_by_settings[id(settings)] = client
    return client
