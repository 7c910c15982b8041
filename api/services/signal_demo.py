"""Signals from the DEMO directory: which signals are demo, and how reports show them.

The rule (decided from the data, inside record_signal, never by the caller):
- a signal about a service (service_id: a knelpunt or a data-quality problem with that entry) is demo
  when that service is a demo service;
- any other signal (an unmet need, a knelpunt without a service) is demo when the sociale kaart holds
  demo services but no real (non-demo) active service in the signal's categories (in none at all when
  the signal has no category). Why: the assistant records an unmet need after searching the whole
  directory; when the only services that could have answered it are fictitious, the "nothing found"
  reflects the DEMO directory, not the real map. Once real services are imported for a category, its
  signals count as real again, also while demo records are still loaded.

Reports: every figure (a cell, a total) comes in three versions, all signals / real signals / demo
signals, suppressed together (`suppress_split`), so that no small cell can be recovered by subtracting
a published demo count from a published total, or one report variant (include / exclude / only demo)
from another.
"""

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

DEMO_FILTERS = ("include", "exclude", "only")  # all signals (with the demo share), real only, demo only


def is_demo_signal(session: Session, category_ids: list[int], service_id: str | None) -> bool:
    from kb import models as m
    from kb.taxonomy import term_uuid

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


def check_filter(value: str | None) -> str:
    if value is None or value == "":
        return "include"
    if value not in DEMO_FILTERS:
        raise ValueError(f"demo must be one of {', '.join(DEMO_FILTERS)}, got {value[:20]!r}")
    return value


def pick(all_n: int, demo_n: int, demo_filter: str) -> int:
    """The count a report shows under the demo filter."""
    if demo_filter == "only":
        return demo_n
    if demo_filter == "exclude":
        return all_n - demo_n
    return all_n


def suppress_split(cells: dict[tuple, int], demo_cells: dict[tuple, int]) -> dict[tuple, tuple]:
    """Suppress the all / real / demo versions of every cell together.

    cells: all signals per cell; demo_cells: the demo signals among them. Returns
    {cell: (Published all, Published real, Published demo)}. The three versions are one extra dimension
    of one table, so `suppress` protects every line along it (a cell's real and demo counts add up to
    its total: when one of the three is hidden, so is another) and every line along the other dimensions
    for each version (the real counts of one month over the communes, ...). One table, because a figure
    hidden for one version's sake must not be given away by the others (e.g. a hidden demo count as total
    minus a real count of 0). Without demo signals the result is what `suppress(cells)` alone gives.
    """
    from api.services.signals import Published, suppress

    zero = Published(0, "0")
    if not any(demo_cells.values()):
        plain = suppress(cells)
        return {k: (p, p, zero) for k, p in plain.items()}
    table: dict[tuple, int] = {}
    for key, n in cells.items():
        d = demo_cells.get(key, 0)
        table[(*key, "all")] = n
        if n - d:
            table[(*key, "real")] = n - d
        if d:
            table[(*key, "demo")] = d
    shown = suppress(table)
    return {k: (shown[(*k, "all")], shown.get((*k, "real"), zero), shown.get((*k, "demo"), zero)) for k in cells}


def publish_split(all_n: int, demo_n: int) -> tuple:
    """A total and its demo part, suppressed together: (Published all, Published real, Published demo)."""
    return suppress_split({(): all_n}, {(): demo_n})[()] if all_n else _zeros()


def _zeros() -> tuple:
    from api.services.signals import Published

    zero = Published(0, "0")
    return zero, zero, zero
