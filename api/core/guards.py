"""Request guards that run before any route: a cap on request bodies, and a cross-site check on
cookie-authenticated writes.

- Bodies: every request body is capped at MAX_BODY_BYTES (64 KB), whether it announces its length or
  streams it; past the cap the API answers 413 and the route never runs. A chat message is at most
  5 000 characters, a staff edit a few kilobytes: nothing legitimate comes near it.
- Cross-site writes: staff screens sign in with an HttpOnly SameSite=Strict cookie. A write (POST, PUT,
  PATCH, DELETE) that carries that cookie and no bearer token must come from our own pages: the browser's
  `Sec-Fetch-Site` must say same-origin (or none, typed by the user); a browser that does not send it must
  send an `Origin` that is the API's own. Browsers always send one of the two on a cross-site write, so a
  forged form or fetch from another site is refused with 403 even if a browser ever sent the cookie along.
  API clients that send a bearer token are not affected (a cross-site page cannot set that header without
  CORS permission).
"""

import json
from urllib.parse import urlsplit

MAX_BODY_BYTES = 64 * 1024
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_COOKIE = "gbo_session"  # the same name as api.core.security.SESSION_COOKIE (imported there from here)


async def _send_json(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes (declared or streamed)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, "invalid Content-Length")
                    return
                if declared > self.limit:
                    await _send_json(send, 413, f"request body too large: at most {self.limit} bytes")
                    return
        received = 0
        rejected = False

        async def limited_receive():
            # Past the cap: answer 413 ourselves, and tell the app the client went away, so whatever it
            # was doing with the body stops (its own reply is then dropped by dropping_send).
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    rejected = True
                    await _send_json(send, 413, f"request body too large: at most {self.limit} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def dropping_send(message) -> None:
            if not rejected:
                await send(message)

        try:
            await self.app(scope, limited_receive, dropping_send)
        except Exception:
            if not rejected:
                raise


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _has_session_cookie(scope) -> bool:
    cookie = _header(scope, b"cookie") or ""
    return any(part.strip().startswith(SESSION_COOKIE + "=") for part in cookie.split(";"))


def _own_origin(scope) -> str | None:
    host = _header(scope, b"host")
    if not host:
        return None
    return f"{scope.get('scheme', 'http')}://{host}".lower()


def is_cross_site_write(scope) -> bool:
    """True for a cookie-authenticated write that the browser says came from another site."""
    if scope.get("method") not in UNSAFE_METHODS or not _has_session_cookie(scope):
        return False
    if (_header(scope, b"authorization") or "").lower().startswith("bearer "):
        return False
    fetch_site = (_header(scope, b"sec-fetch-site") or "").lower()
    if fetch_site:
        # The browser's own word; it also holds behind a proxy that changes the scheme the API sees.
        return fetch_site not in ("same-origin", "none")
    origin = (_header(scope, b"origin") or "").lower()
    if origin and origin != "null":
        parts = urlsplit(origin)
        return f"{parts.scheme}://{parts.netloc}" != _own_origin(scope)
    return origin == "null"


class CrossSiteWriteGuard:
    """ASGI middleware: 403 for cookie-authenticated writes from another site."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and is_cross_site_write(scope):
            await _send_json(send, 403, "cross-site request refused: use the staff screens of this site")
            return
        await self.app(scope, receive, send)
