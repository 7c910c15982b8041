"""Fixtures for the API's tests: staff accounts (role, password) and their Authorization headers."""

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from api.accounts.service import add_user
from api.core.security import create_access_token
from common.staff_accounts import User
from tests.support import PASSWORD


@pytest.fixture
def make_user(db_session: Session) -> Callable[..., User]:
    counter = iter(range(1, 1000))

    def make(role: str, email: str | None = None, password: str = PASSWORD) -> User:
        return add_user(db_session, email or f"{role}{next(counter)}@elz.test", role, password)

    return make


@pytest.fixture
def headers_for(make_user) -> Callable[[str], dict[str, str]]:
    """Authorization headers of a fresh user with this role."""

    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_access_token(make_user(role))}"}

    return headers
