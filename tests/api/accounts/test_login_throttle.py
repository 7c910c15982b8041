"""Staff sign-in throttling: failures per account and per address, and a success clearing the count."""

from api.accounts.login_throttle import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP
from tests.support import PASSWORD


def _login(client, email, password=PASSWORD, ip_headers=None):
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_after_five_wrong_passwords_even_the_right_one_waits(client, make_user):
    user = make_user("elz")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert _login(client, user.email, "wrong password").status_code == 401
    blocked = _login(client, user.email)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    other = make_user("elz")
    assert _login(client, other.email).status_code == 200  # another account is not locked out
    client.cookies.clear()


def test_a_success_clears_the_accounts_failures(client, make_user):
    user = make_user("onthaal")
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        assert _login(client, user.email, "wrong").status_code == 401
    assert _login(client, user.email).status_code == 200
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        assert _login(client, user.email, "wrong").status_code == 401
    assert _login(client, user.email).status_code == 200
    client.cookies.clear()


def test_many_accounts_from_one_address_are_throttled_per_address(client, make_user):
    for i in range(MAX_FAILURES_PER_IP):
        assert _login(client, f"nobody{i}@elz.test", "wrong").status_code == 401
    assert _login(client, make_user("elz").email).status_code == 429
