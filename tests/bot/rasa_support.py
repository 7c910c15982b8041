"""The tests of tests/bot run in the application's environment; what needs Rasa runs as a script in Rasa's own
(.venvs/rasa, Python 3.10), started here."""

import subprocess

from common.config import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venvs" / "rasa" / "bin" / "python"


def run_in_rasa(script: str) -> None:
    """Run `script` with Rasa's Python: it must exit cleanly and print "ok" last."""
    result = subprocess.run([str(RASA_PYTHON), "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300, env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                                              "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok"), result.stdout[-2000:]
