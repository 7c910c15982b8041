"""Configuration: embedded defaults for development, one-line errors, no dev secrets in production."""

import re
import secrets
import stat
import subprocess
import sys

import pytest

from common.config import REPO_ROOT, ConfigError, development_secret, load_settings


def test_development_defaults_are_embedded():
    settings = load_settings(gbo_env="development")
    assert settings.database_url.startswith("sqlite:///")
    assert (settings.api_port, settings.rasa_port, settings.action_server_port) == (8000, 5005, 5055)


def test_unknown_value_gives_one_readable_line():
    with pytest.raises(ConfigError) as error:
        load_settings(gbo_env="staging")
    message = str(error.value)
    assert "\n" not in message
    assert "GBO_ENV" in message and "development" in message


def _production(**secrets_: str):
    values = {"secret_key": secrets.token_hex(32), "rasa_token": secrets.token_hex(32), **secrets_}
    return load_settings(gbo_env="production", **values)


def test_production_accepts_long_random_secrets():
    assert _production().gbo_env == "production"
    assert _production(secret_key=secrets.token_urlsafe(32)).gbo_env == "production"


@pytest.mark.parametrize("name", ["secret_key", "rasa_token"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "is not set"),
        ("Zx8-q" * 6, "too short"),  # 30 characters
        ("ab" * 32, "too plain"),
        ("0123456789" * 4, "too plain"),
    ],
)
def test_production_refuses_missing_short_or_plain_secrets(name, value, reason):
    with pytest.raises(ConfigError, match=f"{name.upper()} .*{reason}"):
        _production(**{name: value})


def test_production_refuses_a_secret_published_in_the_repository():
    # Any long enough stretch of a tracked file is public, even if it looks random.
    readme_line = next(
        line for line in (REPO_ROOT / "README.md").read_text().splitlines() if len(line) > 60
    )
    with pytest.raises(ConfigError, match="SECRET_KEY appears in the repository"):
        _production(secret_key=readme_line[:48])
    with pytest.raises(ConfigError, match="must differ"):
        same = secrets.token_hex(32)
        _production(secret_key=same, rasa_token=same)


def test_env_example_carries_no_secret_values():
    example = (REPO_ROOT / ".env.example").read_text()
    for name in ("SECRET_KEY", "RASA_TOKEN"):
        assert re.search(rf"^{name}=$", example, re.MULTILINE), f"{name} must be empty in .env.example"
    assert "openssl rand" in example


def test_development_generates_secrets_once_privately(tmp_path):
    path = tmp_path / "var" / "dev-secrets.json"
    key = development_secret("secret_key", path)
    token = development_secret("rasa_token", path)
    assert len(key) >= 32 and len(token) >= 32 and key != token
    assert development_secret("secret_key", path) == key  # reused, not made anew
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("{not json")
    assert development_secret("secret_key", path) != key  # a damaged file is replaced


def test_development_settings_get_the_generated_secrets():
    first, second = load_settings(gbo_env="development"), load_settings(gbo_env="test")
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert first.rasa_token == second.rasa_token != first.secret_key


def test_command_line_reports_bad_configuration_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "api", "run"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "API_PORT": "eighty", "PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: invalid configuration: API_PORT")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_python_is_one_line_with_what_to_install():
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "find-python.sh"), "3.1"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Python 3.1 not found: install it" in lines[0] and "PYTHON31=" in lines[0]
