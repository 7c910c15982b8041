"""Shared test data for the signals tests: signals inserted directly on given days."""

from datetime import date

from sqlalchemy.orm import Session

from dialogue.signal_models import Signal, SignalCategory
from dialogue.signal_recording import rebuild_counts

# Real social.brussels category ids (kb/data/social_brussels_categories.json).
CAT_A, CAT_B, CAT_C = 489, 602, 584


def insert_signals(session: Session, n: int, *, day: date, signal_type: str = "unmet_need",
                   categories=(CAT_A,), commune: str | None = "21015", status: str = "new",
                   note: str | None = None, text: str | None = None, demo: bool = False) -> list[Signal]:
    """Insert n signals directly (a given day, type, categories, commune), then rebuild the running
    counts (record_signal keeps them in step; a direct insert does not)."""
    made = []
    for _ in range(n):
        signal = Signal(
            signal_type=signal_type, commune_code=commune, language="nl", source="assistant",
            created_on=day, month=day.replace(day=1), status=status, note=note, text=text,
            barrier="waiting_list" if signal_type == "knelpunt" else None, demo=demo,
        )
        signal.categories = [
            SignalCategory(category_id=c, signal_type=signal_type, commune_code=commune, month=signal.month,
                           demo=demo)
            for c in categories
        ]
        session.add(signal)
        made.append(signal)
    session.commit()
    rebuild_counts(session)
    return made
