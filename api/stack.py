"""Start and stop the three processes of the product: Rasa, the action server and the API.

Used by `make run` (python -m api run) and by the end-to-end tests, so both start the stack the same way.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.core.config import REPO_ROOT, ConfigError, Settings
from api.core.migrate import upgrade_to_head

DEFAULT_RASA = REPO_ROOT / ".venvs" / "rasa" / "bin" / "rasa"


class StackError(Exception):
    """The stack cannot start; the message says why and what to do, in one line."""


@dataclass
class Stack:
    settings: Settings
    rasa_executable: Path = DEFAULT_RASA
    log_dir: Path = REPO_ROOT / "var" / "log"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    # --- preparation -------------------------------------------------------------------------
    def check_ports(self) -> None:
        s = self.settings
        for name, port, env in (
            ("API", s.api_port, "API_PORT"),
            ("Rasa", s.rasa_port, "RASA_PORT"),
            ("action server", s.action_server_port, "ACTION_SERVER_PORT"),
        ):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    raise StackError(
                        f"port {port} ({name}) is already in use: stop what runs there or set {env}"
                    ) from None

    def check_files(self) -> None:
        if not self.rasa_executable.exists():
            raise StackError(f"Rasa is not installed at {self.rasa_executable}: run `make run` or `make install`")
        if not self.settings.rasa_model_path.exists():
            raise StackError(f"no trained model at {self.settings.rasa_model_path}: run `make train`")

    def migrate(self) -> None:
        url = make_url(self.settings.database_url)
        if url.get_backend_name() == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            upgrade_to_head(self.settings.database_url)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise StackError(f"cannot reach the database ({reason}): check DATABASE_URL") from None

    def child_env(self) -> dict[str, str]:
        """The environment of the three processes: every setting of the launcher, so they all agree."""
        env = dict(os.environ)
        for name, value in self.settings.model_dump().items():
            if value is not None:
                env[name.upper()] = json.dumps(value) if isinstance(value, list | dict) else str(value)
        env.update(
            {
                "PYTHONPATH": str(REPO_ROOT),
                "ACTION_ENDPOINT_URL": f"{self.settings.action_server_url}/webhook",
                "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2",
            }
        )
        return env

    def load_demo_directory(self) -> None:
        """The demo sociale kaart, loaded only into an empty directory."""
        result = subprocess.run(
            [sys.executable, "-m", "kb", "load-demo", "--if-empty"],
            cwd=REPO_ROOT, env=self.child_env(), capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise StackError(f"loading the demo sociale kaart failed: {last[0]}")
        if result.stdout.strip():
            print(result.stdout.strip().splitlines()[-1])

    # --- processes -----------------------------------------------------------------------------
    def commands(self) -> dict[str, list[str]]:
        s = self.settings
        return {
            "actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                        "--port", str(s.action_server_port)],
            "rasa": [str(self.rasa_executable), "run", "--model", str(s.rasa_model_path),
                     "--enable-api", "--auth-token", s.rasa_token, "--interface", "127.0.0.1",
                     "--port", str(s.rasa_port), "--endpoints", str(REPO_ROOT / "bot" / "endpoints.yml"),
                     "--credentials", str(REPO_ROOT / "bot" / "credentials.yml")],
            "api": [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
                    "--host", s.api_host, "--port", str(s.api_port), "--log-level", "warning"],
        }

    def start(self) -> None:
        self.check_files()
        self.check_ports()
        self.migrate()
        self.load_demo_directory()
        self.settings.rasa_tracker_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in self.commands():
            self.start_process(name)

    def start_process(self, name: str) -> None:
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(
                self.commands()[name], cwd=REPO_ROOT, env=self.child_env(), stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # why: Ctrl-C reaches only the launcher, which stops the children
            )

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_tail(self, name: str, lines: int = 5) -> str:
        path = self.log_dir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def wait_until_healthy(self, timeout_seconds: float = 300) -> dict:
        deadline = time.monotonic() + timeout_seconds
        url = f"http://127.0.0.1:{self.settings.api_port}/healthz"
        last = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(
                        f"{name} stopped with exit code {process.returncode}; "
                        f"see {self.log_dir / (name + '.log')}:\n{self.log_tail(name)}"
                    )
            try:
                response = httpx.get(url, timeout=3)
                last = response.json()
                if response.status_code == 200:
                    return last
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1)
        raise StackError(f"not healthy after {timeout_seconds:.0f} s; last /healthz: {last}")

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)


def run_forever(stack: Stack) -> int:
    """`make run`: start everything, print where to go, stop everything on Ctrl-C (or SIGTERM)."""

    def _terminate(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        stack.start()
        started = time.monotonic()
        print("starting Rasa, the action server and the API (logs in var/log/) ...", flush=True)
        stack.wait_until_healthy()
        print(f"ready in {time.monotonic() - started:.0f} s: open {stack.settings.base_url}/ "
              f"(health: {stack.settings.base_url}/healthz). Ctrl-C stops all three.", flush=True)
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        stopped = [name for name, p in stack.processes.items() if p.poll() is not None]
        raise StackError(f"{', '.join(stopped)} stopped unexpectedly; see {stack.log_dir}")
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except (StackError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
