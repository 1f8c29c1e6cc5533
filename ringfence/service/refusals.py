"""Refused and failed writes go into the audit log too (a refusal is a decision worth keeping).

``audit_refusal`` is the one helper every part of the service calls for that; it never raises, so
an audit problem cannot turn a clear 4xx answer into a 500. ``audit_refused_request`` is what the
error handlers call for any write request (POST, PUT, PATCH, DELETE) that ends in an error: the
API's handlers and the web pages' ``HtmlRoute`` both use it, so every refused write is audited
once, whoever refused it. Logins audit themselves (``login.failed``, ``login.throttled``).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request

from ringfence.errors import RingfenceError
from ringfence.service.context import UNSAFE_METHODS, Caller, Services

log = logging.getLogger("ringfence.service")
MESSAGE_CHARS = 300
SELF_AUDITED_PATHS = frozenset({"/login", "/api/v1/session"})


def audit_refusal(
    services: Services,
    action: str,
    *,
    actor: str,
    organisation: str | None,
    reason: str,
    **detail: Any,
) -> None:
    """Append ``action`` (e.g. ``upload.refused``) with its reason; log instead of raising."""
    try:
        services.store.audit(
            action, actor[:320], organisation, {"reason": reason[:MESSAGE_CHARS], **detail}
        )
    except RingfenceError as exc:  # the store is down: the refusal itself still stands
        log.error("could not audit %s by %s: %s", action, actor, exc.message)


def request_actor(request: Request) -> tuple[str, str | None]:
    """Who made the request as far as it got: (actor, organisation), or anonymous."""
    caller: Caller | None = getattr(request.state, "caller", None)
    if caller is None:
        return "anonymous", None
    return caller.actor, caller.organisation


def audit_refused_request(request: Request, status: int, kind: str, message: str) -> None:
    """Audit a write request that ended in an error (reads and logins are left out)."""
    if request.method not in UNSAFE_METHODS or request.url.path in SELF_AUDITED_PATHS:
        return
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        return
    actor, organisation = request_actor(request)
    audit_refusal(
        services,
        "request.refused" if status < 500 else "request.failed",
        actor=actor,
        organisation=organisation,
        reason=message,
        method=request.method,
        path=request.url.path[:200],
        status=status,
        error=kind,
    )
