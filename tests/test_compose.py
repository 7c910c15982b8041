"""docker-compose.yml is valid Compose and agrees with the application's settings and Rasa's endpoints."""

import json
import re
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

from common.config import REPO_ROOT, Settings

COMPOSE_SCHEMA = REPO_ROOT.parent / "shared" / "data" / "compose-spec" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_validates_against_the_compose_specification(compose):
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.validate(compose, schema, cls=jsonschema.validators.validator_for(schema))


def test_single_host_production_services_with_healthchecks(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "rasa", "actions", "api"}
    for name, service in services.items():
        assert "test" in service.get("healthcheck", {}), f"{name} has no healthcheck"
        # A crashed process comes back by itself (Docker restarts it with a growing delay).
        assert service.get("restart") in {"always", "unless-stopped"}, f"{name} is not restarted"
    assert any("/var/lib/postgresql/data" in v for v in services["postgres"]["volumes"])


def test_application_variables_are_settings(compose):
    known = {name.upper() for name in Settings.model_fields}
    for name in ("api", "actions"):
        unknown = set(compose["services"][name]["environment"]) - known
        assert not unknown, f"{name} sets variables the application does not read: {unknown}"
    assert compose["services"]["api"]["environment"]["GBO_ENV"] == "production"


def test_ports_agree_with_settings(compose):
    defaults = Settings(gbo_env="development")
    services = compose["services"]
    env = services["api"]["environment"]
    # Published on the loopback only: citizens come through the host's reverse proxy.
    assert services["api"]["ports"] == [f"127.0.0.1:{defaults.api_port}:{defaults.api_port}"]
    assert f"--port {defaults.api_port}" in " ".join(services["api"]["command"])
    assert urlparse(env["RASA_URL"]).port == defaults.rasa_port
    assert f"--port {defaults.rasa_port}" in " ".join(services["rasa"]["command"])
    assert urlparse(env["ACTION_SERVER_URL"]).port == defaults.action_server_port
    assert str(defaults.action_server_port) in services["actions"]["command"]
    assert services["rasa"]["environment"]["ACTION_ENDPOINT_URL"] == env["ACTION_SERVER_URL"] + "/webhook"


def test_rasa_gets_every_variable_its_production_endpoints_use(compose):
    endpoints = (REPO_ROOT / "bot" / "endpoints.production.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)\}", endpoints))
    assert used, "the production endpoints should be configured from the environment"
    assert used <= set(compose["services"]["rasa"]["environment"])
    tracker = yaml.safe_load(endpoints)
    assert tracker["tracker_store"]["dialect"] == "postgresql"
    assert tracker["lock_store"]["type"] == "bot.lock_store.SharedRedisLockStore"  # shared across replicas


def test_only_the_proxy_is_trusted_for_forwarded_addresses(compose):
    """The per-IP rate limit must count citizens: uvicorn believes X-Forwarded-For only from the proxy,
    which (on the host) reaches the API through the compose network's gateway."""
    api = compose["services"]["api"]
    command = " ".join(api["command"])
    assert "--proxy-headers" in command and '--forwarded-allow-ips "$$FORWARDED_ALLOW_IPS"' in command
    trusted = re.fullmatch(r"\$\{FORWARDED_ALLOW_IPS:-([0-9.]+)\}", api["environment"]["FORWARDED_ALLOW_IPS"])
    assert trusted, "FORWARDED_ALLOW_IPS must default to one address, never *"
    gateways = [c["gateway"] for c in compose["networks"]["default"]["ipam"]["config"]]
    assert trusted.group(1) in gateways
