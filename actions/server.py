"""The action server, in one process: `python -m actions.server --port 5055 [--host 127.0.0.1]`.

rasa-sdk's own entry point runs Sanic's worker manager, which imports the actions twice (in the manager
and again in a spawned worker) and kills the worker if it has not started within a fixed 30 s. On a
loaded two-core machine, loading the language models can take longer, so the action server died at
start-up; and two copies of the models cost twice the memory. Here the same rasa-sdk application is
served by Sanic in a single process: the actions are imported once and nothing times out. Scaling out
is done with more processes behind Rasa's action endpoint, as with any HTTP service.
"""

import argparse
import logging
import os
from pathlib import Path

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor


def main() -> None:
    parser = argparse.ArgumentParser(description="GBO action server (rasa-sdk, one process)")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    logging.getLogger("matplotlib").setLevel(logging.WARNING)

    executor = ActionExecutor()
    executor.register_package(args.actions)
    # The personal-data scrubber (French name model) loads in seconds: load it before serving, so the
    # first knelpunt of a citizen does not wait for it (actions run on the server's event loop).
    from api.services.scrubbing import warm_up

    warm_up()
    # Rasa's endpoints file: the tracer reads its `tracing` section (none configured here).
    endpoints = Path(__file__).resolve().parents[1] / "bot" / "endpoints.yml"
    app = create_app_for_serve(executor, cors_origins=[], endpoints=str(endpoints))
    app.run(host=args.host, port=args.port, single_process=True, access_log=False)


if __name__ == "__main__":
    main()
