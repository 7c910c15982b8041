"""The domain's errors: what went wrong in terms the caller can act on.

Every layer raises these (or a subclass named for its feature); the API maps each kind to one HTTP status
in one handler (api.core.errors), so routes never translate errors themselves. InvalidInput is a
ValueError and NotFound a LookupError, so code that predates this hierarchy keeps catching them.
"""


class DomainError(Exception):
    """Base of every error the API reports to its caller as it is (the message is safe to show)."""

    def __init__(self, message: str = "", detail: object = None) -> None:
        super().__init__(message)
        # What the client receives as "detail" (a list of field problems, say); the message by default.
        self.detail = detail if detail is not None else message


class InvalidInput(DomainError, ValueError):
    """The request is well-formed but its content is wrong (HTTP 422)."""


class NotFound(DomainError, LookupError):
    """What the request names does not exist (HTTP 404)."""


class Conflict(DomainError):
    """The request clashes with the current state, e.g. someone else changed it first (HTTP 409)."""


class StaleVersion(DomainError):
    """If-Match names a version that is no longer the current one (HTTP 412)."""


class Unavailable(DomainError):
    """A store or peer the request needs is down; retry later (HTTP 503)."""
