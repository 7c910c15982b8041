"""The API's Rasa client: pinning conversations to a Rasa process, the circuit breaker, the deadline with
its undo, the slow-answer notice, and the bounded wait. Rasa is replaced by a scripted transport here;
tests/e2e exercise the same client against the real Rasa."""

import asyncio

import httpx
import pytest

from api.channel import rasa_client as rc
from common.config import load_settings


def _settings(**overrides):
    values = {"rasa_url": "http://127.0.0.1:5005", "rasa_timeout_seconds": 1.0,
              "rasa_slow_notice_seconds": 0.2, **overrides}
    return load_settings(gbo_env="test", **values)


def test_conversations_stay_on_one_worker_and_spread_over_all():
    settings = _settings(rasa_workers=3)
    assert rc.worker_urls(settings) == ["http://127.0.0.1:5005", "http://127.0.0.1:5006", "http://127.0.0.1:5007"]
    client = rc.RasaClient(settings)
    ids = [f"conversation-{i}" for i in range(300)]
    assert all(client.url_for(i) == client.url_for(i) for i in ids)
    used = {client.url_for(i) for i in ids}
    assert used == set(client.urls)


def _run(coro):
    return asyncio.run(coro)


def test_a_normal_turn_returns_rasas_replies():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=[{"recipient_id": "c1", "text": "Hallo"}])

    client = rc.RasaClient(_settings(), transport=httpx.MockTransport(handler))
    assert _run(client.turn("c1", "hallo", {}))[0]["text"] == "Hallo"
    assert seen == ["/webhooks/rest/webhook"]


def test_the_breaker_opens_after_repeated_failures_and_then_refuses_at_once():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("refused", request=request)

    client = rc.RasaClient(_settings(), transport=httpx.MockTransport(handler))

    async def scenario():
        for _ in range(rc.BREAKER_FAILURES):
            with pytest.raises(rc.RasaUnavailable):
                await client.turn("c1", "hallo", {})
        with pytest.raises(rc.RasaUnavailable, match="circuit open"):
            await client.turn("c1", "hallo", {})

    _run(scenario())
    assert len(calls) == rc.BREAKER_FAILURES


def test_a_slow_turn_sends_one_notice_and_the_late_answer_is_kept():
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.5)
        return httpx.Response(200, json=[{"text": "late but right"}])

    notices = []

    async def on_slow():
        notices.append(1)

    client = rc.RasaClient(_settings(rasa_timeout_seconds=2.0), transport=httpx.MockTransport(handler))
    replies = _run(client.turn("c1", "hallo", {}, on_slow=on_slow))
    assert replies == [{"text": "late but right"}] and notices == [1]


def test_past_the_deadline_the_turn_is_undone_in_rasa():
    events = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/tracker/events"):
            events.append(request.content)
            return httpx.Response(200, json={})
        await asyncio.sleep(5)
        return httpx.Response(200, json=[{"text": "too late"}])

    client = rc.RasaClient(_settings(rasa_timeout_seconds=0.3), transport=httpx.MockTransport(handler))

    async def scenario():
        with pytest.raises(rc.RasaUnavailable, match="undone"):
            await client.turn("c1", "hallo", {})
        for _ in range(50):
            if events:
                break
            await asyncio.sleep(0.02)

    _run(scenario())
    assert events == [b'{"event":"rewind"}']


def test_an_empty_answer_or_a_server_error_is_unavailable():
    answers = iter([httpx.Response(200, json=[]), httpx.Response(500, text="boom")])
    client = rc.RasaClient(_settings(), transport=httpx.MockTransport(lambda _request: next(answers)))
    for _ in range(2):
        with pytest.raises(rc.RasaUnavailable):
            _run(client.turn("c1", "hallo", {}))


def test_too_many_waiting_turns_are_refused_without_reaching_rasa(monkeypatch):
    monkeypatch.setattr(rc, "MAX_WAITING", 2)
    release = asyncio.Event()
    reached = []

    async def handler(request: httpx.Request) -> httpx.Response:
        reached.append(1)
        await release.wait()
        return httpx.Response(200, json=[{"text": "ok"}])

    client = rc.RasaClient(_settings(rasa_timeout_seconds=5), transport=httpx.MockTransport(handler))

    async def scenario():
        first = [asyncio.ensure_future(client.turn(f"same-{i}", "x", {})) for i in range(2)]
        await asyncio.sleep(0.05)
        # the first two wait on the same worker (a single worker here)
        with pytest.raises(rc.RasaBusy):
            await client.turn("third", "x", {})
        release.set()
        return await asyncio.gather(*first)

    assert len(_run(scenario())) == 2
    assert len(reached) == 2
