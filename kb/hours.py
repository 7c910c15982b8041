"""Opening hours from HSDS schedules: as text in NL/FR, as structured data, and "open now"."""

from datetime import datetime
from zoneinfo import ZoneInfo

from kb.hsds import pick

BRUSSELS = ZoneInfo("Europe/Brussels")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "fr": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
}


def _days(byday: str | None) -> list[str]:
    return [d.strip().upper()[-2:] for d in (byday or "").split(",") if d.strip().upper()[-2:] in DAYS]


def structured(schedules: list) -> list[dict]:
    """Weekly opening periods: [{"days": ["MO", ...], "opens_at": "09:00", "closes_at": "12:00"}]."""
    out = []
    for s in schedules:
        days = _days(s.byday)
        if (s.freq or "WEEKLY") == "WEEKLY" and days and s.opens_at and s.closes_at:
            out.append({"days": days, "opens_at": s.opens_at[:5], "closes_at": s.closes_at[:5]})
    return out


def as_text(schedules: list, lang: str) -> str | None:
    """'ma, di, do 09:00–12:00; vr 13:00–16:00' or the schedule's own description."""
    names = DAY_NAMES["fr" if lang == "fr" else "nl"]
    parts = []
    for period in structured(schedules):
        days = ", ".join(names[DAYS.index(d)] for d in period["days"])
        parts.append(f"{days} {period['opens_at']}–{period['closes_at']}")
    if parts:
        return "; ".join(parts)
    texts = [pick(s, "description", lang) for s in schedules]
    texts = [t for t in texts if t]
    return " ".join(texts) or None


def open_now(schedules: list, now: datetime | None = None) -> bool | None:
    """True/False from structured weekly hours; None when the hours are unknown (text only)."""
    periods = structured(schedules)
    if not periods:
        return None
    now = (now or datetime.now(BRUSSELS)).astimezone(BRUSSELS)
    day, hhmm = DAYS[now.weekday()], now.strftime("%H:%M")
    return any(day in p["days"] and p["opens_at"] <= hhmm < p["closes_at"] for p in periods)
