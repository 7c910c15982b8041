"""Staff sign-in: password flow, bearer token and cookie session, logout, disabled accounts, the CLI."""

import io
import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.__main__ import main
from api.accounts.service import disable_user
from api.core.guards import SESSION_COOKIE
from api.core.security import create_access_token, token_key
from common.config import REPO_ROOT
from common.db import make_engine
from common.staff_accounts import User
from tests.support import PASSWORD


def _login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_password_flow_returns_a_bearer_token_and_sets_a_strict_httponly_cookie(client, make_user):
    user = make_user("elz", "Staff@ELZ.test")
    response = _login(client, "staff@elz.test")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # test environment over plain http
    assert response.headers["cache-control"] == "no-store"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"email": user.email, "role": "elz"}
    client.cookies.clear()


def test_the_cookie_is_secure_over_https(make_user, db_session):
    from fastapi.testclient import TestClient

    from api.deps import get_session
    from api.main import create_app

    make_user("elz", "secure@elz.test")
    app = create_app()
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app, base_url="https://testserver") as https_client:
        cookie = _login(https_client, "secure@elz.test").headers["set-cookie"]
    assert "Secure" in cookie


def test_the_cookie_alone_signs_in_the_web_screens(client, make_user):
    make_user("elz", "cookie@elz.test")
    _login(client, "cookie@elz.test")
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.get("/api/v1/signals").status_code == 200
    client.cookies.clear()
    assert client.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize(
    ("email", "password"), [("who@elz.test", PASSWORD), ("known@elz.test", "wrong password!")]
)
def test_wrong_credentials_are_401(client, make_user, email, password):
    make_user("elz", "known@elz.test")
    response = _login(client, email, password)
    assert response.status_code == 401 and "set-cookie" not in response.headers


def test_a_disabled_account_cannot_sign_in_and_its_tokens_stop_working(client, make_user, db_session):
    user = make_user("onthaal", "leaver@elz.test")
    token = create_access_token(user)
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    disable_user(db_session, "leaver@elz.test")
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert _login(client, "leaver@elz.test").status_code == 401


def test_logout_clears_the_cookie_and_ends_earlier_tokens(client, make_user, db_session):
    user = make_user("elz", "out@elz.test")
    old = create_access_token(user)
    # Tokens carry whole seconds: make the old one clearly older than the logout.
    old_claims = jwt.decode(old, options={"verify_signature": False})
    secret = token_key()
    old = jwt.encode({**old_claims, "iat": old_claims["iat"] - 5}, secret, algorithm="HS256")
    _login(client, "out@elz.test")
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 204
    cleared = response.headers["set-cookie"]
    assert f'{SESSION_COOKIE}=""' in cleared or "Max-Age=0" in cleared
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.post("/api/v1/auth/logout").status_code == 204  # logging out twice is fine


def test_forged_expired_and_foreign_tokens_are_401(client, make_user):
    user = make_user("elz")
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "aud": "gbo-staff", "iat": int(now.timestamp()),
              "exp": int((now + timedelta(minutes=5)).timestamp())}
    secret = token_key()
    bad = [
        jwt.encode(claims, "another-secret-of-sufficient-length", algorithm="HS256"),
        jwt.encode({**claims, "exp": int((now - timedelta(minutes=1)).timestamp())}, secret, "HS256"),
        jwt.encode({**claims, "aud": "someone-else"}, secret, algorithm="HS256"),
        jwt.encode({**claims, "sub": "999999"}, secret, algorithm="HS256"),
        jwt.encode({**claims, "sub": "not-a-number"}, secret, algorithm="HS256"),
        "not.a.token",
    ]
    for token in bad:
        response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
    good = jwt.encode(claims, secret, algorithm="HS256")
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_a_role_change_takes_effect_at_once(client, make_user, db_session):
    user = make_user("elz")
    headers = {"Authorization": f"Bearer {create_access_token(user)}"}
    assert client.get("/api/v1/signals", headers=headers).status_code == 200
    user.role = "onthaal"
    db_session.commit()
    assert client.get("/api/v1/signals", headers=headers).status_code == 403


def test_cli_adds_lists_and_disables_users(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    email = "cli-user@elz.test"
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        assert main(["users", "add", email, "--role", "onthaal", "--password-stdin"]) == 0
        assert f"added {email} (onthaal)" in capsys.readouterr().out
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        assert main(["users", "add", email, "--role", "onthaal", "--password-stdin"]) == 2
        assert "already exists" in capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
        assert main(["users", "add", "other@elz.test", "--role", "elz", "--password-stdin"]) == 2
        assert "at least 12 characters" in capsys.readouterr().err
        with pytest.raises(SystemExit):
            main(["users", "add", "x@elz.test", "--role", "citizen", "--password-stdin"])
        capsys.readouterr()
        assert main(["users", "list"]) == 0
        assert re.search(rf"{email}\tonthaal\tactive", capsys.readouterr().out)
        assert main(["users", "disable", email]) == 0
        assert main(["users", "list"]) == 0
        assert re.search(rf"{email}\tonthaal\tdisabled", capsys.readouterr().out)
        assert main(["users", "disable", "nobody@elz.test"]) == 2
        engine = make_engine(database_url)
        with Session(engine) as session:
            stored = session.scalars(select(User).where(User.email == email)).one()
            assert stored.password_hash.startswith("$argon2") and "a long enough" not in stored.password_hash
    finally:
        engine = make_engine(database_url)
        with Session(engine) as session:
            session.execute(delete(User).where(User.email == email))
            session.commit()
        engine.dispose()


def test_login_and_dashboard_pages_have_no_inline_scripts(client):
    for path in ("/login", "/elz/"):
        response = client.get(path)
        assert response.status_code == 200
        html = response.text
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "style=" not in html
    assert client.get("/login/login.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/login/../core/config.py").status_code == 404
    assert client.get("/elz/assets/elz.js").status_code == 200
    for name in ("login/login.js", "elz/elz.js"):
        script = (REPO_ROOT / "api" / "static" / name).read_text()
        assert "innerHTML" not in script and "insertAdjacentHTML" not in script
