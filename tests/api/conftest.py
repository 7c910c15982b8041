"""Fixtures for the sociale kaart API tests: the demo directory behind the test client."""

import pytest
from sqlalchemy.orm import Session

from kb.demo import load_demo


@pytest.fixture
def demo_client(db_session: Session, client):
    assert load_demo(db_session) > 250
    return client
