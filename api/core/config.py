"""Application settings, read from the environment (and an optional .env file).

Every setting has an embedded default for development, except secrets in production:
with GBO_ENV=production the process refuses to start without real secrets.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-only-insecure-secret"  # noqa: S105 - refused in production below


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
    rasa_token: str = DEV_SECRET
    rasa_timeout_seconds: float = Field(2.5, gt=0, le=60)
    action_server_url: str = "http://127.0.0.1:5055"
    action_server_port: int = Field(5055, ge=1, le=65535)
    # Embedded mode: Rasa's SQL tracker store is this SQLite file (production: bot/endpoints.production.yml).
    rasa_tracker_sqlite_path: Path = REPO_ROOT / "var" / "rasa_tracker.sqlite3"
    rasa_model_path: Path = REPO_ROOT / "models" / "gbo.tar.gz"
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

    # Handover to the onthaal (api.services.handover). Opening hours per weekday in Brussels time,
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

    secret_key: str = DEV_SECRET
    # Staff sign-in (onthaal, ELZ, admin): lifetime of a bearer token and of the web session cookie.
    access_token_minutes: int = Field(480, ge=5, le=7 * 24 * 60)

    @field_validator("onthaal_opening_hours")
    @classmethod
    def _valid_opening_hours(cls, value: str) -> str:
        from api.services.opening_hours import parse_opening_hours

        parse_opening_hours(value)  # raises a ValueError saying what is wrong
        return value

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> "Settings":
        if self.gbo_env == "production":
            for name in ("secret_key", "rasa_token"):
                value = getattr(self, name)
                if value == DEV_SECRET or len(value) < 16:
                    raise ValueError(
                        f"{name.upper()} must be set to a random value of at least 16 characters "
                        "when GBO_ENV=production"
                    )
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
