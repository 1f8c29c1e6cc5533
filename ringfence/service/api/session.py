"""Login, logout and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.auth import clear_session_cookie, set_session_cookie
from ringfence.service.context import SESSION_COOKIE, Caller
from ringfence.service.views import auth
from ringfence.service.views.body import RequestBody

router = APIRouter(tags=["session"])
THROTTLED = {
    "description": "Too many failed logins; retry after the seconds in `Retry-After`",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
}


class LoginIn(RequestBody):
    """E-mail and password."""

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class PasswordChange(RequestBody):
    """The current password and the new one (which must pass the password policy)."""

    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


class Me(BaseModel):
    """Who the credentials belong to."""

    organisation: str
    organisation_kind: str
    user_id: int | None
    email: str | None
    role: str | None
    display_name: str
    csrf_token: str | None = Field(
        default=None, description="send as X-CSRF-Token on writes made with the session cookie"
    )


def me_model(caller: Caller) -> Me:
    """The caller as the API shows it."""
    return Me(
        organisation=caller.organisation,
        organisation_kind=caller.organisation_kind,
        user_id=caller.user_id,
        email=caller.email,
        role=caller.role,
        display_name=caller.display_name,
        csrf_token=caller.csrf_token,
    )


@router.post("/session", response_model=Me, responses={401: ERRORS[401], 429: THROTTLED})
def login(body: LoginIn, request: Request, response: Response, services: ServicesDep) -> Me:
    """Log in with e-mail and password: sets the session cookie (audited, also on failure).

    Too many failures for the account or from the address answer 429 with ``Retry-After``.
    """
    address = request.client.host if request.client else "unknown"
    result = auth.login(services, body.email, body.password, address)
    set_session_cookie(request, response, result.token)
    return me_model(result.caller)


@router.delete("/session", status_code=204, responses=ERRORS)
def logout(request: Request, caller: CallerDep, services: ServicesDep) -> Response:
    """Log out: ends the session and clears the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.logout(services, token)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@router.put(
    "/session/password",
    status_code=204,
    responses={
        **ERRORS,
        400: {"description": "the new password breaks the policy"},
        429: THROTTLED,
    },
)
def change_password(
    body: PasswordChange, request: Request, caller: CallerDep, services: ServicesDep
) -> Response:
    """Change your own password: every session of yours ends, this one too (log in again).

    A wrong current password is 403 and counts towards login throttling; a new password the
    policy refuses is 400 with the reason.
    """
    address = request.client.host if request.client else "unknown"
    auth.change_password(services, caller, body.current_password, body.new_password, address)
    response = Response(status_code=204)
    clear_session_cookie(request, response)
    return response


@router.get("/me", response_model=Me, responses=ERRORS)
def me(caller: CallerDep) -> Me:
    """The organisation, user and role of the credentials."""
    return me_model(caller)
