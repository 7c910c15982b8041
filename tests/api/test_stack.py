"""The launcher's supervision with stand-in processes: what stops unexpectedly is restarted after 1, 2, 4 ...
at most 30 s, back to 1 s after a healthy run; what is stopped on purpose stays stopped."""

import socket
import sys
import time

from api import stack
from api.stack import HEALTHY_RUN_SECONDS, MAX_RESTART_DELAY_SECONDS, Stack
from common.config import load_settings
from tests.bot.rasa_support import run_in_rasa


class StandInStack(Stack):
    def commands(self) -> dict[str, list[str]]:
        crash = [sys.executable, "-c", "import sys; sys.exit(3)"]
        return {"rasa": crash, "actions": crash, "api": [sys.executable, "-c", "import time; time.sleep(60)"]}


def wait_exit(stack: Stack, name: str) -> None:
    stack.processes[name].wait(timeout=30)


def test_restart_delays_double_up_to_the_maximum_and_reset_after_a_healthy_run(tmp_path):
    notices: list[str] = []
    stack = StandInStack(load_settings(gbo_env="test"), log_dir=tmp_path, say=notices.append)
    stack.start_process("rasa")
    try:
        delays = []
        now = time.monotonic()
        for _crash in range(7):
            wait_exit(stack, "rasa")
            stack.started_at["rasa"] = now  # it crashed right after starting
            stack.supervise_once(now)
            delays.append(stack.restart_at["rasa"] - now)
            stack.supervise_once(now + delays[-1] - 0.01)
            assert "rasa" in stack.restart_at  # not yet
            now += delays[-1]
            stack.supervise_once(now)
            assert "rasa" not in stack.restart_at  # restarted
        assert delays == [1, 2, 4, 8, 16, 30, 30]
        assert MAX_RESTART_DELAY_SECONDS == 30
        assert stack.restarts == 7
        assert any("rasa stopped unexpectedly (exit code 3" in n for n in notices)
        # After a healthy run, the next crash is restarted after the first delay again.
        wait_exit(stack, "rasa")
        stack.started_at["rasa"] = now - HEALTHY_RUN_SECONDS
        stack.supervise_once(now)
        assert stack.restart_at["rasa"] - now == 1
    finally:
        stack.stop()


def test_a_process_stopped_on_purpose_is_not_restarted(tmp_path):
    stack = StandInStack(load_settings(gbo_env="test"), log_dir=tmp_path, say=lambda _line: None)
    stack.start_process("api")
    stack.stop_process("api")
    stack.supervise_once(time.monotonic() + 100)
    assert "api" not in stack.processes and stack.restarts == 0


def test_a_rasa_token_starting_with_a_dash_reaches_rasa(tmp_path):
    # A generated token (token_urlsafe) starts with "-" once in 64: Rasa's parser took it for an option and
    # every stack of that checkout failed to start.
    token = "-Xa1_" + "b" * 40
    command = Stack(load_settings(gbo_env="test", rasa_token=token), log_dir=tmp_path).rasa_command(5005)
    args = command[command.index("run") + 1:]
    run_in_rasa(f"""
from rasa.__main__ import create_argument_parser
parsed = create_argument_parser().parse_args(["run", *{args!r}])
assert parsed.auth_token == {token!r}, parsed.auth_token
print("ok")
""")


def test_scratch_settings_give_rasa_workers_a_run_of_free_ports(tmp_path, monkeypatch):
    real_free_port = stack.free_port
    with socket.socket() as busy:  # taken: the port right after the first one offered for Rasa
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        next_to_busy = busy.getsockname()[1] - 1
        # the second and third ports offered: whichever of them goes to Rasa must be refused
        offered = iter([real_free_port(), next_to_busy, next_to_busy])
        monkeypatch.setattr(stack, "free_port", lambda: next(offered, None) or real_free_port())
        settings = stack.scratch_settings(tmp_path, rasa_workers=2)
        assert settings.rasa_port != next_to_busy
        for port in (settings.rasa_port, settings.rasa_port + 1):
            assert port not in (settings.api_port, settings.action_server_port)
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port))
