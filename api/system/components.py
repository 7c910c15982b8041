"""Readiness of the parts the API depends on: its database, Rasa (with a model) and the action server."""

import asyncio
from dataclasses import dataclass

import httpx
from sqlalchemy import text

from api.channel.rasa_client import rasa_client
from common.config import Settings
from common.db import get_engine

PROBE_TIMEOUT_SECONDS = 2.0


@dataclass
class ComponentStatus:
    ok: bool
    detail: str


def _check_database() -> ComponentStatus:
    try:
        # Autocommit: a plain read, which does not wait for another transaction's write lock (SQLite).
        with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT 1"))
        return ComponentStatus(True, "reachable")
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return ComponentStatus(False, f"unreachable: {type(exc).__name__}")


async def _check_rasa(settings: Settings) -> ComponentStatus:
    """Every Rasa process must answer with a model loaded (RASA_WORKERS of them)."""
    client = rasa_client(settings)
    details = []
    for url in client.urls:
        try:
            response = await client.status(url, timeout=PROBE_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            return ComponentStatus(False, f"{url} unreachable: {type(exc).__name__}")
        if response.status_code != 200:
            return ComponentStatus(False, f"{url} answered HTTP {response.status_code}")
        model = (response.json() or {}).get("model_file")
        if not model:
            return ComponentStatus(False, f"{url}: no model loaded")
        details.append(model)
    return ComponentStatus(True, f"model {details[0]}" + (f" in {len(details)} processes" if len(details) > 1 else ""))


async def _check_action_server(client: httpx.AsyncClient, settings: Settings) -> ComponentStatus:
    try:
        response = await client.get(f"{settings.action_server_url}/health")
    except httpx.HTTPError as exc:
        return ComponentStatus(False, f"unreachable: {type(exc).__name__}")
    if response.status_code == 200:
        return ComponentStatus(True, "ready")
    return ComponentStatus(False, f"answered HTTP {response.status_code}")


async def check_components(settings: Settings) -> dict[str, ComponentStatus]:
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS) as client:
        database, rasa, actions = await asyncio.gather(
            asyncio.to_thread(_check_database),
            _check_rasa(settings),
            _check_action_server(client, settings),
        )
    return {"database": database, "rasa": rasa, "action_server": actions}
