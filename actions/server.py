"""The action server, in one process: `python -m actions.server --port 5055 [--host 127.0.0.1]`.

rasa-sdk's own entry point runs Sanic's worker manager, which imports the actions twice (in the manager
and again in a spawned worker) and kills the worker if it has not started within a fixed 30 s. On a
loaded two-core machine, loading the language models can take longer, so the action server died at
start-up; and two copies of the models cost twice the memory. Here the same rasa-sdk application is
served by Sanic in a single process: the actions are imported once and nothing times out. Scaling out
is done with more processes behind Rasa's action endpoint, as with any HTTP service.

Rasa sends its domain only to the actions that need it (`enable_selective_domain`; only
validate_need_form reads it): 26 KB less to encode and parse on every other call. rasa-sdk 3.21 expects
Rasa Pro's domain digest with a domain left out and refuses the call (HTTP 449) without one; Rasa 3.6
sends no digest, so an action called without the domain gets an empty one (it does not read it).
"""

import argparse
import logging
import os
from pathlib import Path

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor


class SelectiveDomainExecutor(ActionExecutor):
    """rasa-sdk's executor for Rasa 3.6's selective domain (no digest): no domain sent, none read."""

    def update_and_return_domain(self, payload: dict, action_name: str) -> dict:
        return payload.get("domain") or {}


def main() -> None:
    parser = argparse.ArgumentParser(description="GBO action server (rasa-sdk, one process)")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    logging.getLogger("matplotlib").setLevel(logging.WARNING)

    executor = SelectiveDomainExecutor()
    executor.register_package(args.actions)
    # The personal-data scrubber (French name model) loads in seconds: load it before serving, so the
    # first knelpunt of a citizen does not wait for it (actions run on the server's event loop).
    # The rule pipelines and the need matcher too: a citizen's first message would otherwise build them.
    from dialogue import intake
    from dialogue.language import SUPPORTED
    from dialogue.scrubbing import warm_up
    from dialogue.understanding import understand

    warm_up()
    for lang in SUPPORTED:
        understand("warm-up", lang)
    intake.analyse_need("warm-up", "nl")
    # Rasa's endpoints file: the tracer reads its `tracing` section (none configured here).
    endpoints = Path(__file__).resolve().parents[1] / "bot" / "endpoints.yml"
    app = create_app_for_serve(executor, cors_origins=[], endpoints=str(endpoints))
    app.run(host=args.host, port=args.port, single_process=True, access_log=False)


if __name__ == "__main__":
    main()
