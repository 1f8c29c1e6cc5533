"""Refused and failed writes go into the audit log too (a refusal is a decision worth keeping).

``audit_refusal`` is the one helper every part of the service calls for that; it never raises, so
an audit problem cannot turn a clear 4xx answer into a 500. ``audit_refused_request`` is what the
error handlers call for any write request (POST, PUT, PATCH, DELETE) that ends in an error: the
API's handlers and the web pages' ``HtmlRoute`` both use it, so every refused write is audited
once, whoever refused it. Logins audit themselves (``login.failed``, ``login.throttled``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import Request

from ringfence.errors import RingfenceError
from ringfence.service.context import UNSAFE_METHODS, Caller, Services

log = logging.getLogger("ringfence.service")
MESSAGE_CHARS = 300
SELF_AUDITED_PATHS = frozenset({"/login", "/api/v1/session"})
# Addresses whose anonymous refusals are counted at once; past it, ended windows are forgotten.
MAX_ADDRESSES = 10_000


class AnonymousRefusals:
    """Per client address, the anonymous refused writes audited in the current minute (red team
    D1: without credentials, anyone could append to the audit log as fast as the server
    answers, and the audit page re-verifies the whole chain on every view). Up to ``limit`` a
    minute are audited; the rest are counted and logged, and the address's next refusal after
    its minute audits one ``request.refused.suppressed`` entry with that count. Per server
    process: ``--workers N`` audits at most N times the limit."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, tuple[float, int, int]] = {}  # address: (start, count, suppressed)
        self._lock = threading.Lock()

    def admit(self, address: str) -> tuple[bool, int]:
        """(audit this refusal, refusals suppressed in the address's window that just ended)."""
        now = self.clock()
        with self._lock:
            start, count, suppressed = self._seen.get(address, (now, 0, 0))
            ended = 0
            if now - start >= self.window:
                ended, start, count, suppressed = suppressed, now, 0, 0
            count += 1
            admitted = count <= self.limit
            if not admitted:
                suppressed += 1
                if suppressed == 1:
                    log.warning("more than %d anonymous refused writes a minute from %s: the "
                                "rest of its minute is counted, not audited", self.limit, address)
            self._seen[address] = (start, count, suppressed)
            if len(self._seen) > MAX_ADDRESSES:
                self._forget(now)
            return admitted, ended

    def _forget(self, now: float) -> None:
        """Drop the addresses whose window ended (all of them if none has)."""
        live = {a: v for a, v in self._seen.items() if now - v[0] < self.window}
        self._seen = live if len(live) <= MAX_ADDRESSES else {}


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
    if actor == "anonymous" and not _anonymous_admitted(request, services):
        return
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


def _anonymous_admitted(request: Request, services: Services) -> bool:
    """Whether this anonymous refusal is audited (``AnonymousRefusals``); audits the summary of
    the address's last minute when one ended with refusals left out."""
    tracker: AnonymousRefusals | None = getattr(request.app.state, "anonymous_refusals", None)
    if tracker is None:
        tracker = AnonymousRefusals(services.settings.anonymous_refusals_audited_per_minute)
        request.app.state.anonymous_refusals = tracker
    address = request.client.host if request.client else "unknown"
    admitted, ended = tracker.admit(address)
    if ended:
        audit_refusal(services, "request.refused.suppressed", actor="anonymous", organisation=None,
                      reason=f"{ended} more refused writes without credentials from this address "
                      "within a minute were not audited", address=address, count=ended)  # fmt: skip
    return admitted
