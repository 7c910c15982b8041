"""Security headers on every response of the API (pages, widget files, JSON).

- Content-Security-Policy: scripts, styles, fonts and connections from the API itself only (no inline
  scripts or styles); framing only by the configured host sites (FRAME_ANCESTORS).
- X-Content-Type-Options, Referrer-Policy, Permissions-Policy.
CORS (which host sites may call the API from a browser) is Starlette's CORSMiddleware, configured with
CORS_ALLOWED_ORIGINS in api.main.
"""

from common.config import Settings

DOCS_PATHS = ("/docs", "/openapi.json")


def content_security_policy(settings: Settings) -> str:
    ancestors = " ".join(["'self'", *settings.allowed_frame_ancestors])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response that lacks them."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.csp = (b"content-security-policy", content_security_policy(settings).encode())
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # The interactive API docs (development only) load their own inline scripts: no CSP there.
        headers = self.headers if scope["path"].startswith(DOCS_PATHS) else [self.csp, *self.headers]

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
