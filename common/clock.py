"""The one clock of the application: aware UTC datetimes everywhere."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
