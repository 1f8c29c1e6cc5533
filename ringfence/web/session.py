"""The page-side view of the caller: who is logged in, and what the page chrome shows of it."""

from __future__ import annotations

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from ringfence.errors import AuthError
from ringfence.investigate.check import unread_alerts
from ringfence.service.context import (
    Caller,
    Services,
    get_services,
    optional_caller,
)


def remember_for_page(request: Request, services: Services, caller: Caller) -> None:
    """Keep what the page chrome shows (caller, organisation name, CSRF token) on the request."""
    request.state.web_caller = caller
    request.state.web_csrf = caller.csrf_token or ""
    request.state.web_organisation = services.organisation(caller.organisation).name


async def page_caller(request: Request, services: Services = Depends(get_services)) -> Caller:
    """FastAPI dependency of every logged-in page: the caller, or AuthError (→ login page)."""
    caller = await optional_caller(request)
    if caller is None:
        raise AuthError("log in to continue")
    remember_for_page(request, services, caller)
    # The menu's alert badge (the organisation's watches are checked first if data landed).
    request.state.web_alerts = await run_in_threadpool(unread_alerts, services, caller.organisation)
    return caller


async def anonymous_or_caller(request: Request) -> Caller | None:
    """The caller if a valid session or key came with the request; None otherwise.

    A stale cookie is treated as no cookie, so the login page always opens.
    """
    try:
        return await optional_caller(request)
    except AuthError:
        return None
