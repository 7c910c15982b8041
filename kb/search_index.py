"""The search table (kb.models.ServiceSearch): kept in step with the directory, rebuilt on demand.

kb.search ranks services on `service_search` alone: one row per active service x category x
location with the location's coordinates and whether the service helps in Dutch / in French. The
rows are derived from service, attribute, service_at_location, location and language; the importer
calls `refresh` for every service a file touches, inside the import's transaction, so a search never
sees a half-updated directory. Deleting a service (or its organisation, or a location) removes its
rows through ON DELETE CASCADE. Anything that writes those tables another way (bulk loads, hand
edits) calls `rebuild` afterwards (`python -m kb reindex`).
"""

from collections.abc import Iterable

from sqlalchemy import Select, and_, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from kb import models as m

CHUNK = 500
SEARCH = m.ServiceSearch.__table__
COLUMNS = ("service_id", "taxonomy_term_id", "location_id", "latitude", "longitude", "speaks_nl", "speaks_fr")


def _speaks(code: str):
    return exists().where(and_(m.Language.service_id == m.Service.id, m.Language.code == code))


def source_rows() -> Select:
    """The rows the search table must hold, computed from the directory itself."""
    return (
        select(
            m.Service.id,
            m.Attribute.taxonomy_term_id,
            m.Location.id,
            m.Location.latitude,
            m.Location.longitude,
            _speaks("nl"),
            _speaks("fr"),
        )
        .select_from(m.Service)
        .outerjoin(
            m.Attribute,
            and_(m.Attribute.link_id == m.Service.id, m.Attribute.link_entity == literal("service")),
        )
        .outerjoin(m.ServiceAtLocation, m.ServiceAtLocation.service_id == m.Service.id)
        .outerjoin(m.Location, m.Location.id == m.ServiceAtLocation.location_id)
        .where(m.Service.status == "active")
        .distinct()
    )


def refresh(session: Session, service_ids: Iterable[str]) -> None:
    """Rewrite the search rows of these services (deleted or inactive ones simply lose theirs)."""
    ids = sorted({i for i in service_ids if i})
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        session.execute(delete(SEARCH).where(SEARCH.c.service_id.in_(chunk)))
        session.execute(
            insert(SEARCH).from_select(COLUMNS, source_rows().where(m.Service.id.in_(chunk))),
        )


def rebuild(session: Session) -> int:
    """Recompute the whole table (after bulk loads); returns the number of rows."""
    session.execute(delete(SEARCH))
    session.execute(insert(SEARCH).from_select(COLUMNS, source_rows()))
    return count(session)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SEARCH)) or 0


def services_at(session: Session, location_ids: Iterable[str]) -> set[str]:
    """Services offered at these locations (their search rows carry the locations' coordinates)."""
    ids = list(dict.fromkeys(location_ids))
    out: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        out.update(
            session.scalars(
                select(m.ServiceAtLocation.service_id).where(m.ServiceAtLocation.location_id.in_(ids[i : i + CHUNK]))
            )
        )
    return out
