"""One mapping from Ringfence's exception hierarchy to HTTP statuses and JSON error bodies.

Each error class carries its own ``http_status`` (``ringfence.errors``); this module turns any of
them into ``{"error": {"type": ..., "message": ...}}`` with that status. Browser requests may get
an HTML page instead when the web UI registers a renderer on ``app.state.html_error_renderer``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringfence.errors import RingfenceError, StoreError, ThrottledError
from ringfence.service.redact import public_message
from ringfence.service.refusals import audit_refused_request

log = logging.getLogger("ringfence.service")

HtmlRenderer = Callable[[Request, int, str, str], Response]


def error_body(kind: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"error": {"type": kind, "message": message, **extra}}


def status_of(exc: RingfenceError) -> int:
    """The HTTP status an error maps to (its class's ``http_status``)."""
    return int(exc.http_status)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return not request.url.path.startswith("/api/") and "text/html" in accept


def _respond(request: Request, status: int, kind: str, message: str, **extra: Any) -> Response:
    audit_refused_request(request, status, kind, message)  # a refused write is audited too
    renderer: HtmlRenderer | None = getattr(request.app.state, "html_error_renderer", None)
    if renderer is not None and _wants_html(request):
        return renderer(request, status, kind, message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(kind, message, **extra), status_code=status, headers=headers)


# "operational store at postgresql+psycopg://user@host:5432/db?options=...: ..." (store_errors)
_STORE_AT = re.compile(r"operational store at \S+?: ")


def client_message(exc: RingfenceError, status: int) -> str:
    """What the caller is told: never where the database is (host, user, schema: in the server
    log only), nor an engine fault's internals; every message names files, never server paths.
    A store's own reason stays (e.g. a full disk)."""
    if isinstance(exc, StoreError):
        return public_message(_STORE_AT.sub("operational store: ", exc.message))
    if status >= 500:
        return "internal error; the server log has details"
    return public_message(exc.message)


async def _ringfence_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RingfenceError)
    status = status_of(exc)
    if status >= 500:
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
    response = _respond(request, status, type(exc).__name__, client_message(exc, status))
    if isinstance(exc, ThrottledError):  # contract: a throttled request says when to retry
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"loc": [], "message": "invalid request"}
    message = f"{'.'.join(first['loc'])}: {first['message']}"
    return _respond(request, 422, "ValidationError", message, problems=problems)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _respond(request, exc.status_code, "HTTPError", str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _respond(request, 500, "InternalError", "internal error; the server log has details")


def install_error_handlers(app: FastAPI) -> None:
    """Map every error the app can raise to its status and JSON (or HTML) body."""
    app.add_exception_handler(RingfenceError, _ringfence_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
