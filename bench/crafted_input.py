"""Crafted input benchmark: ten texts of up to 5 000 characters built to stall a scrubber or a parser
(backtracking shapes, long runs of digits and separators, repeated words), sent as a staff signal text
(POST /api/v1/signals) and as a citizen's knelpunt in the chat, while another citizen talks to the assistant.

    python bench/crafted_input.py

Starts the real stack as bench/load.py does. Prints, per text, how long the staff API and the chat took to
answer, and how long the other citizen's messages took meanwhile and whether they got a real answer (not
the "assistant unavailable" fallback). Target (issue 13): every answer within 3 s.
"""

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.accounts.service import add_user  # noqa: E402
from api.core.security import create_access_token  # noqa: E402
from api.stack import Stack, scratch_settings  # noqa: E402
from common.config import REPO_ROOT  # noqa: E402
from common.db import make_engine  # noqa: E402

LIMIT = 5000


def crafted_texts() -> list[tuple[str, str]]:
    def fill(piece: str) -> str:
        return (piece * (LIMIT // len(piece) + 1))[:LIMIT]

    return [
        ("capitalised hyphenated run", fill("Aa-Bb-Cc-Dd-Ee-")),
        ("street words without numbers", fill("rue de la Loi avenue Louise chaussée ")),
        ("street suffix then no number", fill("Kerkstraat Sint-Jansplein Leopold II-laan ")),
        ("digits", fill("0123456789")),
        ("digits and separators", fill("12.34/56-78 ")),
        ("phone-like groups", fill("+32 (0)4 70 12 ")),
        ("e-mail-like", fill("jan.peeters(at)example ")),
        ("names after cues", fill("mijn naam is Jan Van Den Broeck-De Smet en ")),
        ("words", fill("wachtlijst veel te lang geen plaats ")),
        ("mixed symbols", fill("<<>>{{}}[[]]((--))''\"\"@@##")),
    ]


async def other_citizen(client: httpx.AsyncClient, stop: asyncio.Event, results: list) -> None:
    started = (await client.post("/api/v1/conversations")).json()
    headers = {"Authorization": f"Bearer {started['token']}"}
    for text in ("goedendag", "ik zoek een huisarts in Jette", "dank je") * 20:
        if stop.is_set():
            return
        began = time.monotonic()
        response = await client.post("/webhooks/rest/webhook", headers=headers,
                                     json={"sender": started["conversation_id"], "message": text})
        replies = response.json() if response.status_code == 200 else []
        fallback = any((r.get("custom") or {}).get("type") == "assistant_unavailable" for r in replies)
        results.append((time.monotonic() - began, response.status_code == 200 and bool(replies) and not fallback))


async def run(stack: Stack, staff_token: str) -> None:
    base = f"http://127.0.0.1:{stack.settings.api_port}"
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        stop, others = asyncio.Event(), []
        other = asyncio.ensure_future(other_citizen(client, stop, others))
        started = (await client.post("/api/v1/conversations")).json()
        chat = {"Authorization": f"Bearer {started['token']}"}
        print(f"{'text':32} {'staff API':>10} {'chat':>10}")
        worst = 0.0
        for name, text in crafted_texts():
            began = time.monotonic()
            staff = await client.post("/api/v1/signals", headers={"Authorization": f"Bearer {staff_token}"},
                                      json={"signal_type": "knelpunt", "language": "nl", "text": text})
            staff_seconds = time.monotonic() - began
            began = time.monotonic()
            said = await client.post("/webhooks/rest/webhook", headers=chat, json={
                "sender": started["conversation_id"], "message": "de wachtlijst is veel te lang " + text[:4900]})
            chat_seconds = time.monotonic() - began
            worst = max(worst, staff_seconds, chat_seconds)
            print(f"{name:32} {staff_seconds:8.2f} s {chat_seconds:8.2f} s   (HTTP {staff.status_code}, "
                  f"{said.status_code})")
        stop.set()
        await other
    real = sum(ok for _s, ok in others)
    slowest = max((s for s, _ok in others), default=float("nan"))
    print(f"slowest crafted answer {worst:.2f} s; the other citizen meanwhile: {real}/{len(others)} real "
          f"answers, slowest {slowest:.2f} s")


def main() -> int:
    model = REPO_ROOT / "models" / "gbo.tar.gz"
    if not model.exists():
        print("no trained model: run `make train` first")
        return 1
    with tempfile.TemporaryDirectory(prefix="gbo-crafted-") as tmp:
        settings = scratch_settings(Path(tmp), gbo_env="development", rate_limit_per_conversation=1_000,
                                    retention_interval_seconds=0)
        stack = Stack(settings, log_dir=Path(tmp) / "log")
        try:
            stack.start()
            stack.wait_until_healthy(timeout_seconds=300)
            engine = make_engine(settings.database_url)
            from sqlalchemy.orm import Session

            with Session(engine) as session:
                user = add_user(session, "bench@elz.test", "elz", "a long bench password 123")
                session.commit()
                token = create_access_token(user, settings)
            engine.dispose()
            asyncio.run(run(stack, token))
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
