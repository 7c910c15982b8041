"""Start Rasa 3.6 (`python -m bot.serve run ...`, the same arguments as `rasa ...`) with one fix for its
per-message cost.

Rasa checks every action-server response against a fixed JSON schema with `jsonschema.validate`, which
first re-validates the schema itself against the meta-schema and builds a new validator: under load that
took about a third of Rasa's CPU (py-spy: `_validate_action_result` -> `check_schema`). Here the validator
is built once and reused; responses are still checked exactly as before, with the same error type.
Rasa 3.6 is the last open-source release, so this fix cannot land upstream; it is kept to this file and
covered by tests/bot/test_serve.py (run in Rasa's environment by `make test`).
"""

import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _action_response_validator():
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, at the first response
    return validator_class(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once (raises ValidationError)."""
    from jsonschema.exceptions import best_match

    error = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". The action server's response does not have the shape Rasa expects "
            "(see Rasa's documentation on custom actions)."
        )
        raise error
    return True


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
