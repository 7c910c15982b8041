"""Configuration: embedded defaults for development, one-line errors, no dev secrets in production."""

import subprocess
import sys

import pytest

from api.core.config import DEV_SECRET, REPO_ROOT, ConfigError, load_settings


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


def test_production_refuses_development_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_settings(gbo_env="production", secret_key=DEV_SECRET, rasa_token="x" * 32)
    with pytest.raises(ConfigError, match="RASA_TOKEN must be set"):
        load_settings(gbo_env="production", secret_key="s" * 32, rasa_token=DEV_SECRET)
    assert load_settings(gbo_env="production", secret_key="s" * 32, rasa_token="t" * 32).gbo_env == "production"


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
