"""Application settings, read from the environment (and an optional .env file).

Every setting has an embedded default for development, except secrets. Development and test generate
random secrets once, kept in var/dev-secrets.json (mode 0600). With GBO_ENV=production the process refuses
to start unless SECRET_KEY and RASA_TOKEN are long, varied and found nowhere in the repository (staff
tokens are derived from SECRET_KEY: a published value would let anyone forge a staff session).
"""

import json
import math
import os
import secrets
import subprocess
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET_NAMES = ("secret_key", "rasa_token")
DEV_SECRETS_FILE = REPO_ROOT / "var" / "dev-secrets.json"
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT_CHARS = 12
MIN_SECRET_BITS = 100  # estimated from the character frequencies (Shannon) times the length; 32 hex: ~110


class ConfigError(Exception):
    """A setting is missing or invalid; the message says which and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    gbo_env: Literal["development", "test", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'gbo.sqlite3'}"
    redis_url: str | None = None

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    public_url: str | None = None  # the URL citizens open; defaults to http://api_host:api_port

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = Field(5005, ge=1, le=65535)
    rasa_token: str = ""  # empty: development generates one (var/dev-secrets.json); production refuses
    # How long the API waits for Rasa's answer to a message before giving up (the turn is then undone in
    # Rasa and the citizen gets the onthaal's number); a slow answer under load is not a failure.
    rasa_timeout_seconds: float = Field(45, gt=0, le=300)
    # After this long, a socket client is told "a moment, your message is kept" (once per message).
    rasa_slow_notice_seconds: float = Field(2.5, gt=0, le=300)
    # Rasa processes serving the model, on RASA_PORT, RASA_PORT+1, ...; each conversation stays on one.
    rasa_workers: int = Field(1, ge=1, le=16)
    action_server_url: str = "http://127.0.0.1:5055"
    action_server_port: int = Field(5055, ge=1, le=65535)
    # Embedded mode: Rasa's SQL tracker store is this SQLite file (production: bot/endpoints.production.yml).
    rasa_tracker_sqlite_path: Path = REPO_ROOT / "var" / "rasa_tracker.sqlite3"
    rasa_model_path: Path = REPO_ROOT / "models" / "gbo.tar.gz"
    # Rasa's endpoints: embedded (SQLite tracker, in-process lock) or bot/endpoints.production.yml
    # (PostgreSQL tracker store and Redis lock store, shared by several Rasa processes or machines).
    rasa_endpoints_path: Path = REPO_ROOT / "bot" / "endpoints.yml"
    # Where Rasa's SQL tracker store lives, for deleting a conversation's events (retention, "forget").
    # Default: the embedded SQLite file above; production: the PostgreSQL tracker database.
    rasa_tracker_db_url: str | None = None

    # Live events between several API processes go through Redis (REDIS_URL) on this pub/sub channel.
    redis_channel: str = "gbo-socketio"

    # Transcripts are deleted this many days after the conversation's last message (API store and
    # Rasa's tracker store); the API checks every retention_interval_seconds (0: only `python -m api purge`).
    retention_days: int = Field(30, ge=1, le=3650)
    retention_interval_seconds: float = Field(3600, ge=0)

    # Citizen channel limits: messages per minute per conversation and per client IP address.
    rate_limit_per_conversation: int = Field(20, ge=1)
    rate_limit_per_ip: int = Field(60, ge=1)

    # Host sites (origins such as https://www.elz-brussel.be, comma-separated) allowed to call the API
    # from the browser (CORS, socket.io) and to frame its pages (CSP frame-ancestors).
    cors_allowed_origins: str = ""
    frame_ancestors: str = ""

    # Told to citizens whenever the assistant cannot answer.
    onthaal_phone: str = "02 000 00 00"
    onthaal_hours_nl: str = "maandag tot vrijdag van 9 tot 17 uur"
    onthaal_hours_fr: str = "du lundi au vendredi de 9h à 17h"
    onthaal_hours_en: str = "Monday to Friday, 9 am to 5 pm"

    # Handover to the onthaal (api.handover.service). Opening hours per weekday in Brussels time,
    # "mon=09:00-17:00;tue=..." (a day may have several ranges: "mon=09:00-12:00,13:00-17:00"; a day left
    # out is closed); Belgian public holidays are closed.
    onthaal_opening_hours: str = (
        "mon=09:00-17:00;tue=09:00-17:00;wed=09:00-17:00;thu=09:00-17:00;fri=09:00-17:00"
    )
    # A claimed case whose worker's console has not been seen for this long goes back to the queue.
    handover_claim_timeout_seconds: float = Field(300, ge=10)
    # A case nobody claimed for this long: the citizen is offered a call back.
    handover_callback_after_seconds: float = Field(600, ge=10)
    # Rough answer-time estimate told to the citizen: this many minutes per case ahead in the queue.
    handover_minutes_per_case: int = Field(10, ge=1, le=240)
    # How often the API checks claim and call-back timeouts (0: never).
    handover_check_interval_seconds: float = Field(30, ge=0)
    # A resolved case (and its conversation, contact details included) is kept this many days.
    handover_retention_days: int = Field(30, ge=1, le=3650)
    # Sociale kaart: a service not verified for this many days is in the review queue (/kaart/).
    stale_after_days: int = Field(365, ge=1, le=3650)

    secret_key: str = ""  # as rasa_token
    # A citizen's conversation token that has not been used for this many minutes no longer opens the
    # conversation (401): a shared or lost device does not keep it open. Measured from its last message.
    citizen_idle_minutes: int = Field(60, ge=1, le=7 * 24 * 60)
    # Addresses (comma-separated) of the reverse proxy whose X-Forwarded-For the API believes; the per-IP
    # rate limit then counts each citizen, not the proxy. Passed to uvicorn's --forwarded-allow-ips.
    forwarded_allow_ips: str = "127.0.0.1"
    # Staff sign-in (onthaal, ELZ, admin): lifetime of a bearer token and of the web session cookie.
    access_token_minutes: int = Field(480, ge=5, le=7 * 24 * 60)

    @field_validator("onthaal_opening_hours")
    @classmethod
    def _valid_opening_hours(cls, value: str) -> str:
        from common.opening_hours import parse_opening_hours

        parse_opening_hours(value)  # raises a ValueError saying what is wrong
        return value

    @model_validator(mode="after")
    def _real_secrets(self) -> "Settings":
        if self.gbo_env != "production":
            for name in SECRET_NAMES:
                if not getattr(self, name):
                    setattr(self, name, development_secret(name))
            return self
        for name in SECRET_NAMES:
            problem = secret_problem(getattr(self, name))
            if problem:
                raise ValueError(
                    f"{name.upper()} {problem} (GBO_ENV=production); generate one with `openssl rand -hex 32`"
                )
        if self.secret_key == self.rasa_token:
            raise ValueError("SECRET_KEY and RASA_TOKEN must differ (GBO_ENV=production)")
        return self

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.api_host}:{self.api_port}"

    @property
    def tracker_db_url(self) -> str:
        return self.rasa_tracker_db_url or f"sqlite:///{self.rasa_tracker_sqlite_path}"

    @property
    def allowed_origins(self) -> list[str]:
        return _split(self.cors_allowed_origins)

    @property
    def allowed_frame_ancestors(self) -> list[str]:
        return _split(self.frame_ancestors)


# --- secrets -----------------------------------------------------------------------------------------


def secret_problem(value: str) -> str | None:
    """Why a production secret is not good enough, or None."""
    if not value:
        return "is not set"
    if len(value) < MIN_SECRET_CHARS:
        return f"is too short: use at least {MIN_SECRET_CHARS} random characters"
    counts = Counter(value)
    bits = -sum(n * math.log2(n / len(value)) for n in counts.values())
    if len(counts) < MIN_SECRET_DISTINCT_CHARS or bits < MIN_SECRET_BITS:
        return "is too plain (too few different characters): use a random value"
    if value in repository_texts():
        return "appears in the repository (e.g. .env.example): it is public, use a new random value"
    return None


@lru_cache(maxsize=1)
def repository_texts() -> str:
    """The text of the repository's tracked files (one string), read once: a secret found in it is public.
    Without git (the production image), every file under REPO_ROOT except local data and environments."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "ls-files", "-z"], capture_output=True, timeout=10, check=True
        ).stdout.decode().split("\0")
        paths = [REPO_ROOT / name for name in listed if name]
    except (OSError, subprocess.SubprocessError):
        skip = {".git", ".venvs", "node_modules", "var", "models", "build", "__pycache__", ".pytest_cache"}
        paths = []
        for folder, dirs, files in os.walk(REPO_ROOT):
            dirs[:] = [d for d in dirs if d not in skip]
            paths += [Path(folder, f) for f in files if not (f.startswith(".env") and f != ".env.example")]
    texts = []
    for path in paths:
        try:
            if path.is_file() and path.stat().st_size <= 2_000_000:
                texts.append(path.read_bytes().decode("utf-8", errors="ignore"))
        except OSError:
            continue
    return "\n".join(texts)


def development_secret(name: str, path: Path | None = None) -> str:
    """A random secret made once for this checkout (development, test) and reused by every process."""
    path = path or DEV_SECRETS_FILE
    for _attempt in range(3):
        try:
            stored = json.loads(path.read_text())
            if all(isinstance(stored.get(n), str) and len(stored[n]) >= MIN_SECRET_CHARS for n in SECRET_NAMES):
                return stored[name]
            path.unlink()  # damaged: made anew below
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError):
            path.unlink(missing_ok=True)
        # Every secret at once, in a private file, linked into place only if no other process was first.
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({n: secrets.token_urlsafe(32) for n in SECRET_NAMES}, handle)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: read theirs
        finally:
            temporary.unlink(missing_ok=True)
    raise OSError(f"cannot keep development secrets in {path}")


def _split(value: str) -> list[str]:
    return [part.strip().rstrip("/") for part in value.replace(" ", ",").split(",") if part.strip()]


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'setting'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
