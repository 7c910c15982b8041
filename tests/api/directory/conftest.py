"""Fixtures for the sociale kaart editing tests: a small directory imported from an HSDS file, staff users."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kb.demo import load_demo
from kb.importer import import_path
from tests.api.directory.kaart_support import hsds_document, new_ids, write_file
from tests.support import staff_user


@pytest.fixture
def directory(db_session: Session, tmp_path: Path) -> dict[str, str]:
    """A freshly imported service (new uuids each test); returns the ids plus the source file path."""
    ids = new_ids()
    path = write_file(tmp_path, hsds_document(ids))
    import_path(db_session, path)
    db_session.commit()
    return {**ids, "file": str(path)}


@pytest.fixture
def staff(db_session: Session) -> Callable[[str], tuple[dict[str, str], str]]:
    """(Authorization headers, e-mail) of a fresh user with this role."""

    def headers(role: str) -> tuple[dict[str, str], str]:
        user, auth = staff_user(db_session, role, "kaart.test")
        return auth, user.email

    return headers


@pytest.fixture
def demo_client(db_session: Session, client):
    assert load_demo(db_session) > 250
    return client
