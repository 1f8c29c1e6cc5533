"""Security headers on every response: CSP, no framing, no sniffing, no referrer, no caching.

The web UI loads only its own files (htmx, Vega, Cytoscape and app.js are vendored under
``/static``) and has no inline script; JSON blocks (``<script type="application/json">``) are data,
not script, so CSP leaves them alone. Styles allow ``'unsafe-inline'`` because the templates set
bar widths with ``style=`` attributes and Vega-Embed and htmx inject small style sheets. FastAPI's
``/docs`` and ``/redoc`` pages load Swagger UI and ReDoc from jsDelivr with an inline bootstrap
script, so they get a policy of their own.

Data and pages are never stored by browsers or proxies (``Cache-Control: no-store``): they hold
what one organisation may see. Only ``/static`` files may be cached.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
DOCS_PATHS = ("/docs", "/redoc")

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def security_headers(path: str) -> dict[str, str]:
    """The headers a response to ``path`` gets (``Cache-Control`` only off ``/static``)."""
    docs = path.startswith(DOCS_PATHS)
    headers = {
        **COMMON_HEADERS,
        "Content-Security-Policy": DOCS_POLICY if docs else CONTENT_SECURITY_POLICY,
    }
    if not path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return headers


class SecurityHeadersMiddleware:
    """ASGI middleware adding :func:`security_headers` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(str(scope.get("path", "")))
        if scope.get("scheme") == "https":  # behind TLS (uvicorn reads X-Forwarded-Proto)
            extra["Strict-Transport-Security"] = "max-age=31536000"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
