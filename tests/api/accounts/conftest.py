"""Fixtures for the staff sign-in tests."""

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session


@pytest.fixture
def db_session(db_session: Session) -> Session:
    """The shared db_session without the accounts these tests make (on SQLite, committed work would leak
    from one test into the next)."""
    db_session.execute(text("DELETE FROM app_user WHERE email LIKE '%@elz.test'"))
    db_session.commit()
    return db_session
