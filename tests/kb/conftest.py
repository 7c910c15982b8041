"""Fixtures for the sociale kaart tests: the taxonomy and the demo directory in the test database."""

import pytest
from sqlalchemy.orm import Session

from kb.demo import load_demo
from kb.importer import load_taxonomy


@pytest.fixture
def taxonomy_session(db_session: Session) -> Session:
    load_taxonomy(db_session)
    return db_session


@pytest.fixture
def demo_session(db_session: Session) -> Session:
    assert load_demo(db_session) > 250
    return db_session
