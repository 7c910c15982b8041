"""bot/serve.py, in Rasa's own environment: action-server responses are still validated (a good one
passes, a malformed one raises jsonschema's ValidationError), with the validator built once."""

import subprocess

from api.core.config import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venvs" / "rasa" / "bin" / "python"

CHECK = """
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from bot import serve

serve.install()
action = RemoteAction("action_x", None)
good = {"events": [{"event": "slot", "name": "language", "value": "nl"}], "responses": [{"text": "hallo"}]}
assert action._validate_action_result(good) is True
for bad in ({"events": "not a list"}, {"responses": [1]}, {"events": [{"no_event_key": 1}]}):
    try:
        action._validate_action_result(bad)
    except ValidationError as error:
        assert "action server" in error.message
    else:
        raise SystemExit(f"accepted a malformed response: {bad}")
assert serve._action_response_validator.cache_info().misses == 1
print("ok")
"""


def test_action_responses_are_still_validated_with_one_validator():
    result = subprocess.run([str(RASA_PYTHON), "-c", CHECK], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300, env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                                              "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
