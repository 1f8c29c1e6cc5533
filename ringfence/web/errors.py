"""Errors as pages: 401 sends the browser to the login page, 403/404/... render an error page.

``HtmlRoute`` is the route class of every HTML page, so an error raised anywhere under a page
handler (its dependencies included) becomes a page, whatever exception handlers the JSON API has
registered. Errors outside the pages (an unknown URL) reach ``html_error_renderer``, which the
service's error handlers call for browser requests; the API keeps its JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from ringfence.errors import AuthError, ForbiddenError, RingfenceError
from ringfence.service.refusals import audit_refused_request
from ringfence.web.render import render, wants_fragment

HEADINGS = {
    400: "That request did not make sense",
    403: "This is not shared with your organisation",
    404: "Nothing here",
    409: "That conflicts with what is already recorded",
    500: "Something went wrong on our side",
    503: "The store is unavailable",
}


def login_redirect(request: Request) -> Response:
    """Send the browser to the login page, coming back here afterwards (htmx: full redirect)."""
    if wants_fragment(request):  # come back to the page the fragment was part of
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = current.path + (f"?{current.query}" if current.query else "")
    else:
        back = request.url.path if request.method == "GET" else ""
    target = "/login"
    if back and back.startswith("/") and back not in {"/", "/login"}:
        target += f"?next={quote(back, safe='/')}"
    if wants_fragment(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def error_page(request: Request, status: int, message: str) -> Response:
    """The error page (or, for htmx, the error fragment shown as a notice) with ``status``."""
    heading = HEADINGS.get(status, HEADINGS[500] if status >= 500 else HEADINGS[400])
    template = "errors/fragment.html" if wants_fragment(request) else "errors/error.html"
    return render(
        request, template, title=heading, status_code=status,
        status=status, heading=heading, message=message,
    )  # fmt: skip


def ringfence_error_response(request: Request, exc: RingfenceError) -> Response:
    """Map one of Ringfence's errors to the page a browser should see."""
    if isinstance(exc, AuthError) and not isinstance(exc, ForbiddenError):
        return login_redirect(request)
    return error_page(request, exc.http_status, exc.message)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "invalid request"


class HtmlRoute(APIRoute):
    """An APIRoute whose errors are rendered as HTML pages instead of JSON bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The default handler, wrapped so Ringfence and validation errors become pages."""
        handler = super().get_route_handler()

        async def html_errors(request: Request) -> Response:
            try:
                return await handler(request)
            except RingfenceError as exc:
                audit_refused_request(request, exc.http_status, type(exc).__name__, exc.message)
                return ringfence_error_response(request, exc)
            except RequestValidationError as exc:
                message = _validation_message(exc)
                audit_refused_request(request, 400, "ValidationError", message)
                return error_page(request, 400, message)

        return html_errors


def html_error_renderer(request: Request, status: int, kind: str, message: str) -> Response:
    """The service's hook for browser requests outside the pages (e.g. an unknown URL)."""
    del kind  # the page says what went wrong in words; the error class is for API clients
    if status == 401:
        return login_redirect(request)
    if status == 404 and message in {"Not Found", ""}:
        message = f"There is no page at {request.url.path}."
    return error_page(request, status, message)
