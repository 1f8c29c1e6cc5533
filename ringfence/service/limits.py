"""Request body limits, enforced before the body is read and while it streams in.

Every request body may hold at most ``RINGFENCE_MAX_REQUEST_BYTES``; the upload routes accept up
to ``RINGFENCE_MAX_UPLOAD_BYTES``, but only from a caller whose API key or session is valid, and
that is checked from the headers alone, before a byte of the body is read. A declared
``Content-Length`` over the limit is answered 413 at once; a body without one (chunked) is
counted as it arrives and cut off with 413 the moment it passes the limit, so the server never
buffers more than the limit, whoever sends it.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ringfence.errors import AuthError
from ringfence.service.context import SESSION_COOKIE
from ringfence.service.errors import error_body
from ringfence.settings import Settings

log = logging.getLogger("ringfence.service")

UPLOAD_ROUTES = frozenset({("POST", "/api/v1/uploads"), ("POST", "/ingest")})


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once the body passes the limit (the app then fails its read)."""


def is_upload(scope: Scope) -> bool:
    """Whether the request goes to a route that accepts a feed file."""
    path = str(scope.get("path", "")).rstrip("/") or "/"
    return (str(scope.get("method", "")).upper(), path) in UPLOAD_ROUTES


class BodyLimitMiddleware:
    """ASGI middleware: 413 for bodies over the limit, 401 for large anonymous uploads."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.small = settings.max_request_bytes
        self.upload = settings.max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = is_upload(scope)
        limit = self.upload if upload else self.small
        declared = _content_length(headers)
        if declared == -1:
            await _refuse(scope, send, 400, "HTTPError", "Content-Length is not a number")
            return
        if declared is not None and declared > limit:
            if upload:
                await _audit_refusal(scope, headers, declared, limit)
            await _refuse_size(scope, send, limit)
            return
        large = declared is None or declared > self.small
        if upload and large and await _identity(scope, headers) is None:
            await _refuse(
                scope, send, 401, "AuthError", "log in or send an API key before uploading a file"
            )
            return
        await self._guarded(scope, receive, send, limit)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app, counting body bytes; past ``limit`` the app's answer becomes a 413."""
        state = {"read": 0, "exceeded": False, "started": False, "replaced": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["exceeded"] = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["replaced"]:
                return
            if message["type"] == "http.response.start":
                if state["exceeded"]:
                    state["replaced"] = True
                    await self._refuse_streamed(scope, state["read"], limit, send)
                    return
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if not state["started"] and not state["replaced"]:
                await self._refuse_streamed(scope, state["read"], limit, send)

    @staticmethod
    async def _refuse_streamed(scope: Scope, read: int, limit: int, send: Send) -> None:
        if is_upload(scope):
            await _audit_refusal(scope, Headers(scope=scope), read, limit)
        await _refuse_size(scope, send, limit)


def _content_length(headers: Headers) -> int | None:
    """The declared body length; None without one, -1 when it is not a number."""
    value = headers.get("content-length")
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isdigit() and len(value) < 20 else -1


async def _identity(scope: Scope, headers: Headers) -> tuple[str, str] | None:
    """(organisation, actor) of a valid API key or session cookie (headers only, no body)."""
    services = scope["app"].state.services
    authorization = headers.get("authorization", "")
    key = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
    key = key or headers.get("x-api-key")
    request = Request(scope)
    token = request.cookies.get(SESSION_COOKIE)
    try:
        if key:
            organisation, user = await run_in_threadpool(services.store.api_key_holder, key)
            return organisation, user.email if user is not None else f"key:{organisation}"
        if token:
            user, _ = await run_in_threadpool(services.store.web_session, token)
            return user.organisation, user.email
    except AuthError:
        return None
    return None


async def _audit_refusal(scope: Scope, headers: Headers, size: int, limit: int) -> None:
    """Audit an upload refused for its size when its caller is known (a refused write)."""
    who = await _identity(scope, headers)
    if who is None:
        log.warning("anonymous upload of %s bytes refused (limit %s)", size, limit)
        return
    organisation, actor = who
    detail = {"reason": "request body over RINGFENCE_MAX_UPLOAD_BYTES", "bytes": size,
              "limit": limit}  # fmt: skip
    store = scope["app"].state.services.store
    await run_in_threadpool(store.audit, "upload.refused", actor, organisation, detail)


async def _refuse_size(scope: Scope, send: Send, limit: int) -> None:
    setting = "RINGFENCE_MAX_UPLOAD_BYTES" if is_upload(scope) else "RINGFENCE_MAX_REQUEST_BYTES"
    await _refuse(
        scope,
        send,
        413,
        "LimitError",
        f"the request body is larger than {limit} bytes (limit {setting})",
    )


async def _refuse(scope: Scope, send: Send, status: int, kind: str, message: str) -> None:
    """Answer without reading the body; the server then closes the connection."""
    response = _error_response(scope, status, kind, message)
    response.headers["Connection"] = "close"
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _error_response(scope: Scope, status: int, kind: str, message: str) -> Response:
    """The app's error page for a browser, else the JSON error body every API error has."""
    request = Request(scope)
    accept = request.headers.get("accept", "")
    renderer: Any = getattr(scope["app"].state, "html_error_renderer", None)
    if renderer is not None and "text/html" in accept and not request.url.path.startswith("/api/"):
        try:
            response: Response = renderer(request, status, kind, message)
            return response
        except Exception:  # the page needs more of the request than a refusal has
            log.debug("falling back to JSON for a %s refusal", status, exc_info=True)
    return JSONResponse(error_body(kind, message), status_code=status)
