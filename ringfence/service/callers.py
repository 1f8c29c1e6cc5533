"""Who is calling: the ``Caller`` a request acts for, from an API key or a browser session
(with its CSRF check), as FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

from ringfence.errors import AuthError, ForbiddenError
from ringfence.store.operational.tables import User

if TYPE_CHECKING:
    from ringfence.service.context import Services

API_PREFIX = "/api/v1"
SESSION_COOKIE = "ringfence_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A key that belongs to no user acts as an analyst of its organisation: it can read and upload,
# but decisions (outcomes) and administration need a named person.
ORGANISATION_KEY_ROLE = "analyst"


@dataclass(frozen=True)
class Caller:
    """The organisation (and, for users, the person and role) a request acts for."""

    organisation: str
    organisation_kind: str
    user_id: int | None
    email: str | None
    role: str | None
    display_name: str
    via_session: bool = False
    csrf_token: str | None = None

    @property
    def actor(self) -> str:
        """What the audit log records as the actor: the e-mail, or ``key:<org>``."""
        return self.email or f"key:{self.organisation}"

    def require_role(self, *roles: str) -> None:
        """``ForbiddenError`` unless the caller has one of ``roles``."""
        if self.role not in roles:
            raise ForbiddenError(
                f"this needs the role {' or '.join(roles)}; you are {self.role or 'a bare key'}"
            )


def caller_for_user(services: Services, user: User, *, csrf_token: str | None = None) -> Caller:
    """The ``Caller`` of a user (session when ``csrf_token`` is given)."""
    organisation = services.organisation(user.organisation)
    return Caller(
        organisation=user.organisation,
        organisation_kind=organisation.kind,
        user_id=user.id,
        email=user.email,
        role=user.role,
        display_name=user.display_name,
        via_session=csrf_token is not None,
        csrf_token=csrf_token,
    )


def _api_key_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def _caller_from_key(services: Services, key: str) -> Caller:
    organisation, user = services.store.api_key_holder(key)
    if user is not None:
        return caller_for_user(services, user)
    kind = services.organisation(organisation).kind
    return Caller(organisation, kind, None, None, ORGANISATION_KEY_ROLE, f"{organisation} key")


async def _check_csrf(request: Request, caller: Caller) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER.lower())
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or sent != caller.csrf_token:
        raise ForbiddenError("missing or wrong CSRF token; reload the page and try again")


async def optional_caller(request: Request) -> Caller | None:
    """FastAPI dependency: the caller, or None when the request carries no credentials.

    Wrong credentials still fail (``AuthError``): only their absence gives None.
    """
    cached = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    services: Services = request.app.state.services
    key = _api_key_from(request)
    if key:
        caller = _caller_from_key(services, key)
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        user, web_session = services.store.web_session(token)
        caller = caller_for_user(services, user, csrf_token=web_session.csrf_token)
        await _check_csrf(request, caller)
    request.state.caller = caller
    return caller


async def require_caller(request: Request) -> Caller:
    """FastAPI dependency: the caller; ``AuthError`` (401) without valid credentials."""
    caller = await optional_caller(request)
    if caller is None:
        raise AuthError("log in or send an API key (Authorization: Bearer <key>)")
    return caller
