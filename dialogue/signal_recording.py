"""Recording signals (unmet needs, knelpunten, data-quality problems): validated, scrubbed of personal
data, deduplicated per conversation, counted in signal_count in the same transaction.

`record_signal` is called in-process by the bot's actions and by the API; it never lets a database
failure reach a conversation (it logs and returns None). Invalid input is a ValueError (422 at the API).
Whether a signal is about the DEMO directory is decided here, from the data (`is_demo_signal`):
- a signal about a service (a knelpunt or a data-quality problem with that entry) is demo when that
  service is a demo service;
- any other signal is demo when the sociale kaart holds demo services but no real (non-demo) active
  service in the signal's categories (in none at all when the signal has no category): the "nothing
  found" then reflects the DEMO directory, not the real map.
"""

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from common.config import get_settings
from common.errors import InvalidInput
from dialogue.scrubbing import scrub
from dialogue.signal_models import Signal, SignalCategory, SignalCount
from dialogue.vocabularies import AGE_BANDS, BARRIERS, SIGNAL_LANGUAGES, SIGNAL_SOURCES, SIGNAL_TYPES
from kb import geo, taxonomy
from kb import models as m
from kb.taxonomy import term_uuid

logger = logging.getLogger("signals")

BRUSSELS = ZoneInfo("Europe/Brussels")
MAX_TEXT_CHARS = 500  # stored, after scrubbing
MAX_INPUT_CHARS = 5000  # accepted before scrubbing
MAX_CATEGORIES = 20  # on one signal


# ----------------------------------------------------------------------------------------- validation
def resolve_commune(value: str | None) -> str | None:
    """A commune's NIS code from a code, a name (NL/FR, with typos) or a postcode; ValueError otherwise."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    by_code = {c.code: c for c in geo.communes()}
    if value in by_code:
        return value
    if len(value) > 100:
        raise InvalidInput("commune: too long")
    match = geo.resolve_place(value)
    if match.status == "found" and match.commune is not None:
        return match.commune.code
    if match.status == "ambiguous":
        names = ", ".join(c.name_nl for c in match.candidates)
        raise InvalidInput(f"commune {value!r} is ambiguous ({names}): give the commune's name or NIS code")
    raise InvalidInput(f"unknown commune {value!r}: use one of the 19 Brussels communes (name or NIS code)")


def validate_categories(category_ids: Iterable[object]) -> list[int]:
    ids: list[int] = []
    for raw in category_ids:
        if isinstance(raw, bool):
            raise InvalidInput(f"category ids are social.brussels integers, got {raw!r}")
        try:
            ids.append(int(raw))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidInput(f"category ids are social.brussels integers, got {raw!r}") from None
    known = taxonomy.categories()
    unknown = sorted({i for i in ids if i not in known})
    if unknown:
        raise InvalidInput(f"unknown social.brussels category id(s): {', '.join(map(str, unknown))}")
    return sorted(set(ids))


def one_of(name: str, value: str | None, allowed: tuple[str, ...], required: bool = True) -> None:
    if value is None and not required:
        return
    if value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def dedup_key(conversation_key: str, signal_type: str, category_ids: list[int], commune_code: str | None,
              barrier: str | None, service_id: str | None) -> str:
    """A keyed hash: the same need from the same conversation gets the same key, and without SECRET_KEY
    nobody can tell which conversation a key belongs to."""
    message = "\x1f".join(
        [conversation_key, signal_type, ",".join(map(str, category_ids)), commune_code or "", barrier or "",
         service_id or ""]
    )
    return hmac.new(get_settings().secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def forget_key(conversation_key: str) -> str:
    """A keyed hash of the conversation alone, kept on its signals only so that "forget this conversation"
    can find them (api.flows.retention) and clear their text and keys."""
    message = "gbo signal forget key\x1f" + conversation_key
    return hmac.new(get_settings().secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def today_in_brussels() -> date:
    return datetime.now(BRUSSELS).date()


# ----------------------------------------------------------------------------------------- recording
def record_signal(
    session: Session,
    *,
    signal_type: str,
    category_ids: list[int],
    commune: str | None,
    language: str,
    age_band: str | None = None,
    source: str,
    text: str | None = None,
    conversation_key: str | None = None,
    barrier: str | None = None,
    service_id: str | None = None,
) -> Signal | None:
    """Record one signal and commit. Returns the signal (the existing one if this conversation already
    reported the same need; then `signal.was_duplicate` is True), or None if the database failed.
    Raises ValueError for invalid input (unknown category or commune, bad type, ...)."""
    one_of("signal_type", signal_type, SIGNAL_TYPES)
    one_of("source", source, SIGNAL_SOURCES)
    one_of("language", language, SIGNAL_LANGUAGES)
    one_of("age_band", age_band, AGE_BANDS, required=False)
    one_of("barrier", barrier, BARRIERS, required=False)
    categories = validate_categories(category_ids or [])
    if len(categories) > MAX_CATEGORIES:
        raise InvalidInput(f"at most {MAX_CATEGORIES} categories per signal")
    if signal_type == "unmet_need" and not categories:
        raise InvalidInput("an unmet need needs at least one category")
    if signal_type == "knelpunt" and barrier is None:
        barrier = "other"
    if signal_type == "data_quality" and not service_id:
        raise InvalidInput("a data-quality signal needs the service_id of the sociale kaart entry")
    if service_id is not None and not re.fullmatch(r"[A-Za-z0-9-]{1,36}", service_id):
        raise InvalidInput("service_id must be an HSDS service id")
    commune_code = resolve_commune(commune)
    if text is not None and len(text) > MAX_INPUT_CHARS:
        raise InvalidInput(f"text: at most {MAX_INPUT_CHARS} characters")
    clean = _clean_text(text, language)

    try:
        if service_id is not None and not _service_exists(session, service_id):
            raise InvalidInput(f"unknown sociale kaart service {service_id!r}")
        demo = is_demo_signal(session, categories, service_id)
        key = None
        if conversation_key:
            key = dedup_key(conversation_key, signal_type, categories, commune_code, barrier, service_id)
            existing = session.scalars(select(Signal).where(Signal.dedup_key == key)).one_or_none()
            if existing is not None:
                existing.was_duplicate = True
                return existing
        day = today_in_brussels()
        signal = Signal(
            signal_type=signal_type,
            commune_code=commune_code,
            language=language,
            age_band=age_band,
            source=source,
            barrier=barrier,
            service_id=service_id,
            text=clean,
            dedup_key=key,
            forget_key=forget_key(conversation_key) if conversation_key else None,
            created_on=day,
            month=day.replace(day=1),
            status="new",
            demo=demo,
        )
        signal.categories = [
            SignalCategory(
                category_id=c, signal_type=signal_type, commune_code=commune_code, month=signal.month,
                demo=demo,
            )
            for c in categories
        ]
        session.add(signal)
        try:
            session.flush()
            _count(session, signal.month, signal_type, commune_code, categories, demo)
            session.commit()
        except IntegrityError:
            # Two workers recorded the same need at the same moment: the other one won; count it once.
            session.rollback()
            existing = session.scalars(select(Signal).where(Signal.dedup_key == key)).one_or_none()
            if key is None or existing is None:
                raise
            existing.was_duplicate = True
            return existing
    except SQLAlchemyError as exc:
        # Never break the conversation: log what failed (no text, no ids) and carry on.
        logger.error("could not record a %s signal: %s", signal_type, type(exc).__name__)
        try:
            session.rollback()
        except SQLAlchemyError:
            logger.error("rollback after a failed signal write failed too")
        return None
    try:
        session.refresh(signal)  # loaded, so the caller can still read it after closing its session
    except SQLAlchemyError:
        logger.warning("a signal was stored but could not be read back")
    signal.was_duplicate = False
    return signal


def _count(session: Session, month: date, signal_type: str, commune_code: str | None,
           categories: list[int], demo: bool = False) -> None:
    """Add one signal to the running counts (signal_count), in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    commune = commune_code or ""
    rows = [
        {"month": month, "signal_type": signal_type, "category_id": c, "commune_code": commune, "n": 1,
         "demo_n": int(demo)}
        for c in [0, *categories]
    ]
    statement = upsert(SignalCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["month", "signal_type", "category_id", "commune_code"],
        set_={"n": SignalCount.n + statement.excluded.n, "demo_n": SignalCount.demo_n + statement.excluded.demo_n},
    )
    session.execute(statement)


def rebuild_counts(session: Session) -> int:
    """Recompute signal_count from the signals (after a bulk load or a repair); returns the rows made."""
    session.execute(delete(SignalCount))
    columns = ["month", "signal_type", "category_id", "commune_code", "n", "demo_n"]
    per_signal = select(
        Signal.month, Signal.signal_type, literal(0), func.coalesce(Signal.commune_code, ""), func.count(),
        demo_count(Signal.demo),
    ).group_by(Signal.month, Signal.signal_type, Signal.commune_code)
    per_category = select(
        SignalCategory.month, SignalCategory.signal_type, SignalCategory.category_id,
        func.coalesce(SignalCategory.commune_code, ""), func.count(), demo_count(SignalCategory.demo),
    ).group_by(SignalCategory.month, SignalCategory.signal_type, SignalCategory.category_id,
               SignalCategory.commune_code)
    session.execute(insert(SignalCount).from_select(columns, per_signal))
    session.execute(insert(SignalCount).from_select(columns, per_category))
    session.commit()
    return session.scalar(select(func.count()).select_from(SignalCount)) or 0


def demo_count(column):
    return func.coalesce(func.sum(case((column, 1), else_=0)), 0)


def _clean_text(text: str | None, language: str | None = None) -> str | None:
    if text is None:
        return None
    scrubbed = scrub(text, language, max_chars=2 * MAX_TEXT_CHARS)  # only the beginning is kept anyway
    if scrubbed is None:  # not scrubbed within its time budget: the signal is kept without its text
        logger.warning("signal recorded without its text: scrubbing ran past its time budget")
        return None
    clean = " ".join(scrubbed.split())
    if len(clean) > MAX_TEXT_CHARS:
        clean = clean[: MAX_TEXT_CHARS - 1].rstrip() + "…"
    return clean or None


def _service_exists(session: Session, service_id: str) -> bool:
    from kb.models import Service

    return session.get(Service, service_id) is not None


def is_demo_signal(session: Session, category_ids: list[int], service_id: str | None) -> bool:
    if service_id is not None:
        return bool(session.scalar(select(m.Service.is_demo).where(m.Service.id == service_id)))
    if not session.scalar(select(exists().where(m.Service.is_demo.is_(True)))):
        return False  # no demo data loaded: every signal is about the real map
    real = m.Service.is_demo.is_(False) & (m.Service.status == "active")
    if category_ids:
        terms = [term_uuid(c) for c in category_ids]
        real = real & exists().where(
            m.Attribute.link_id == m.Service.id,
            m.Attribute.link_entity == "service",
            m.Attribute.taxonomy_term_id.in_(terms),
        )
    return not session.scalar(select(exists().where(real)))


