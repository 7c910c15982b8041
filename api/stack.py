"""Start, watch and stop the three processes of the product: Rasa, the action server and the API.

Used by `make run` (python -m api run) and by the end-to-end tests, so both start the stack the same way.
A process that stops unexpectedly is restarted with a growing delay (1, 2, 4 ... 30 s; back to 1 s after
it ran healthily for a while); meanwhile the API answers citizens itself and /healthz says 503.
"""

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.core.migrate import upgrade_to_head
from common.config import REPO_ROOT, ConfigError, Settings, load_settings

DEFAULT_RASA = REPO_ROOT / ".venvs" / "rasa" / "bin" / "rasa"
FIRST_RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0
# A process that ran this long before it stopped was healthy: its next restart waits the first delay again.
HEALTHY_RUN_SECONDS = 120.0


class StackError(Exception):
    """The stack cannot start; the message says why and what to do, in one line."""


@dataclass
class Stack:
    settings: Settings
    rasa_executable: Path = DEFAULT_RASA
    log_dir: Path = REPO_ROOT / "var" / "log"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Supervision: when each process was started, the delay before its next restart, pending restarts.
    started_at: dict[str, float] = field(default_factory=dict)
    restart_delay: dict[str, float] = field(default_factory=dict)
    restart_at: dict[str, float] = field(default_factory=dict)
    restarts: int = 0
    say: Callable[[str], None] = print  # where supervision notices go (make run: the terminal)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _watcher: threading.Thread | None = None
    _watching: threading.Event = field(default_factory=threading.Event)

    # --- preparation -------------------------------------------------------------------------
    def check_ports(self) -> None:
        s = self.settings
        for name, port, env in (
            ("API", s.api_port, "API_PORT"),
            *((f"Rasa {i + 1}", s.rasa_port + i, "RASA_PORT") for i in range(s.rasa_workers)),
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
    def rasa_command(self, port: int) -> list[str]:
        s = self.settings
        # bot.serve is `rasa` with a fix for its per-message cost (see bot/serve.py)
        return [str(self.rasa_executable.parent / "python"), "-m", "bot.serve", "run",
                "--model", str(s.rasa_model_path),
                # why "=": a token may start with "-" (token_urlsafe), which argparse would read as an option
                "--enable-api", f"--auth-token={s.rasa_token}", "--interface", "127.0.0.1",
                "--port", str(port), "--endpoints", str(s.rasa_endpoints_path),
                "--credentials", str(REPO_ROOT / "bot" / "credentials.yml")]

    def commands(self) -> dict[str, list[str]]:
        """The processes by name: the action server, RASA_WORKERS Rasa processes ("rasa", "rasa-2", ...)
        on consecutive ports (the API pins each conversation to one of them), and the API."""
        s = self.settings
        rasa = {("rasa" if i == 0 else f"rasa-{i + 1}"): self.rasa_command(s.rasa_port + i)
                for i in range(s.rasa_workers)}
        return {
            **rasa,
            # One process (actions/server.py): imports the models once, no 30 s start-up deadline.
            "actions": [sys.executable, "-m", "actions.server", "--port", str(s.action_server_port)],
            "api": [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
                    "--host", s.api_host, "--port", str(s.api_port), "--log-level", "warning",
                    # X-Forwarded-For is believed only from these addresses (the reverse proxy), so the
                    # per-IP rate limit counts citizens, not the proxy.
                    "--proxy-headers", "--forwarded-allow-ips", s.forwarded_allow_ips],
        }

    def rasa_names(self) -> list[str]:
        return [name for name in self.commands() if name.startswith("rasa")]

    def start(self) -> float:
        """Start everything; returns the seconds the preparation took (migrations, demo directory).

        Rasa needs nothing the preparation makes (its tracker store is its own), so it starts first and
        loads its model, the longest step, meanwhile; the action server and the API read the directory,
        so they start once it is ready."""
        self.check_files()
        self.check_ports()
        rasa = self.rasa_names()
        self.launch(rasa)
        began = time.monotonic()
        try:
            self.migrate()
            self.load_demo_directory()
        except BaseException:
            self.stop()
            raise
        prepared = time.monotonic() - began
        self.launch([name for name in self.commands() if name not in rasa])
        return prepared

    def launch(self, names: list[str] | None = None) -> None:
        """Start these processes (default: all) at once: they load in parallel."""
        self.settings.rasa_tracker_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        names = list(self.commands()) if names is None else names
        if self.settings.rasa_workers > 1 and any(name.startswith("rasa") for name in names):
            _shared_sqlite(self.settings.rasa_tracker_sqlite_path)
        for name in names:
            self.start_process(name)

    def start_process(self, name: str) -> None:
        with self._lock, open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its descriptor
            self.processes[name] = subprocess.Popen(
                self.commands()[name], cwd=REPO_ROOT, env=self.child_env(), stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # why: Ctrl-C reaches only the launcher, which stops the children
            )
            self.started_at[name] = time.monotonic()
            self.restart_at.pop(name, None)

    def stop_process(self, name: str) -> None:
        """Stop a process on purpose: it is no longer supervised until start_process."""
        with self._lock:
            process = self.processes.pop(name)
            self.restart_at.pop(name, None)
        if process.poll() is None:
            _kill_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid, signal.SIGKILL)
            process.wait()

    # --- supervision ---------------------------------------------------------------------------
    def supervise_once(self, now: float | None = None) -> None:
        """Restart what stopped unexpectedly, each after its own delay (doubling up to the maximum)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for name, process in list(self.processes.items()):
                if process.poll() is None or name in self.restart_at:
                    continue
                _kill_group(process.pid, signal.SIGKILL)  # leftovers of its group would hold the port
                ran = now - self.started_at.get(name, now)
                delay = self.restart_delay.get(name, FIRST_RESTART_DELAY_SECONDS)
                if ran >= HEALTHY_RUN_SECONDS:
                    delay = FIRST_RESTART_DELAY_SECONDS
                self.restart_delay[name] = min(delay * 2, MAX_RESTART_DELAY_SECONDS)
                self.restart_at[name] = now + delay
                self.say(f"{name} stopped unexpectedly (exit code {process.returncode}, after {ran:.0f} s); "
                         f"restarting it in {delay:.0f} s (log: {self.log_dir / (name + '.log')})")
            for name, when in list(self.restart_at.items()):
                if now >= when and name in self.processes:
                    self.start_process(name)
                    self.restarts += 1
                    self.say(f"{name} restarted")

    def start_supervision(self, interval_seconds: float = 0.5) -> None:
        """Supervise in a background thread (the end-to-end tests); `make run` calls supervise_once itself."""
        if self._watcher is not None:
            return
        self._watching.set()

        def watch() -> None:
            while self._watching.is_set():
                self.supervise_once()
                time.sleep(interval_seconds)

        self._watcher = threading.Thread(target=watch, name="stack-supervisor", daemon=True)
        self._watcher.start()

    def stop_supervision(self) -> None:
        if self._watcher is not None:
            self._watching.clear()
            self._watcher.join(timeout=5)
            self._watcher = None

    def log_tail(self, name: str, lines: int = 5) -> str:
        path = self.log_dir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def wait_until_healthy(self, timeout_seconds: float = 300, report: bool = False) -> dict:
        """Wait for /healthz 200; a process that stops meanwhile is an error (a wrong setting, a bad
        model). With report, print when each component became ready (where start-up time goes)."""
        started = time.monotonic()
        deadline = started + timeout_seconds
        url = f"http://127.0.0.1:{self.settings.api_port}/healthz"
        last = None
        ready: set[str] = set()
        while time.monotonic() < deadline:
            with self._lock:
                running = list(self.processes.items())
            for name, process in running:
                if process.poll() is not None:
                    raise StackError(
                        f"{name} stopped with exit code {process.returncode}; "
                        f"see {self.log_dir / (name + '.log')}:\n{self.log_tail(name)}"
                    )
            try:
                response = httpx.get(url, timeout=3)
                last = response.json()
                if report:
                    for name, status in (last.get("components") or {}).items():
                        if status.get("ok") and name not in ready:
                            ready.add(name)
                            self.say(f"  {name} ready after {time.monotonic() - started:.1f} s")
                if response.status_code == 200:
                    return last
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        raise StackError(f"not healthy after {timeout_seconds:.0f} s; last /healthz: {last}")

    def stop(self) -> None:
        self.stop_supervision()
        for name in list(self.processes):
            self.stop_process(name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _free_port_run(count: int, taken: set[int]) -> int:
    """The first of `count` consecutive free ports, none of them in `taken`."""
    while True:
        first = free_port()
        run = range(first, first + count)
        if run[-1] > 65535 or taken & set(run):
            continue
        try:
            with contextlib.ExitStack() as probes:
                for port in run[1:]:
                    probe = probes.enter_context(socket.socket())
                    probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue


def scratch_settings(directory: Path, **overrides) -> Settings:
    """Settings of a throwaway stack (tests, benchmarks): free ports, the trained model, every file under
    `directory`; `overrides` are further settings."""
    # why a run of ports for Rasa: its worker i listens on rasa_port + i, and a port next to a free one may be
    # taken (a scale-out test once failed on "port ... (Rasa 2) is already in use")
    ports = {name: free_port() for name in ("api", "actions")}
    ports["rasa"] = _free_port_run(int(overrides.get("rasa_workers", 1)), set(ports.values()))
    return load_settings(**{
        "gbo_env": "test",
        "database_url": f"sqlite:///{directory / 'gbo.sqlite3'}",
        "api_port": ports["api"],
        "rasa_port": ports["rasa"],
        "rasa_url": f"http://127.0.0.1:{ports['rasa']}",
        "action_server_port": ports["actions"],
        "action_server_url": f"http://127.0.0.1:{ports['actions']}",
        "rasa_tracker_sqlite_path": directory / "tracker.sqlite3",
        "rasa_model_path": REPO_ROOT / "models" / "gbo.tar.gz",
        **overrides,
    })


def _shared_sqlite(path: Path) -> None:
    """Several Rasa processes write the embedded tracker file: WAL lets readers go on during a write (the
    mode is stored in the file). Each conversation stays with one process, so no turn is interleaved."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def _kill_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def run_forever(stack: Stack) -> int:
    """`make run`: start everything, print where to go, keep the three running (restarting what stops),
    stop everything on Ctrl-C (or SIGTERM)."""

    def _terminate(_signum, _frame):
        raise KeyboardInterrupt

    def say(line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)

    signal.signal(signal.SIGTERM, _terminate)
    stack.say = say
    try:
        begun = time.monotonic()
        print("starting Rasa, then the action server and the API (logs in var/log/) ...", flush=True)
        prepared = stack.start()
        print(f"prepared in {prepared:.1f} s while Rasa loads (database migrations, demo sociale kaart)",
              flush=True)
        stack.wait_until_healthy(report=True)
        print(f"ready in {time.monotonic() - begun:.0f} s: open {stack.settings.base_url}/ "
              f"(health: {stack.settings.base_url}/healthz). Ctrl-C stops all three.", flush=True)
        while True:
            stack.supervise_once()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except (StackError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()
