"""Security headers on every response, pages, API and sandboxes alike: a Content Security Policy
with no inline script, no framing (an officer's action form can never be framed), no MIME
sniffing, no full address sent to other sites, and HSTS where the deployment is behind TLS.
"""

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from motcua.core.settings import Settings, get_settings

# Swagger UI (``/docs``) is FastAPI's page: its script and styles come from a CDN, inline.
DOCS_PATHS = ("/docs", "/redoc")
DOCS_SOURCES = "https://cdn.jsdelivr.net"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def policy(settings: Settings, path: str) -> str:
    """The CSP of one response. Scripts only from the platform itself, never inline. Inline
    styles are allowed: the monitoring and workflow pages carry a style block and the progress
    bars a width attribute (styles cannot run code; moving them to motcua.css would let this go)."""
    form_action = " ".join(filter(None, ["'self'", _origin(settings.eid_issuer)]))
    script, style = "'self'", "'self' 'unsafe-inline'"
    if path.startswith(DOCS_PATHS):
        script = style = f"'self' 'unsafe-inline' {DOCS_SOURCES}"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            f"style-src {style}",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response that has not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy(settings, scope["path"]))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", settings.referrer_policy)
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if settings.hsts_seconds:
                    headers.setdefault(
                        "Strict-Transport-Security",
                        f"max-age={settings.hsts_seconds}; includeSubDomains",
                    )
            await send(message)

        await self.app(scope, receive, with_headers)
