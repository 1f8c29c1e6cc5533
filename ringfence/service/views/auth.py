"""Browser login and logout; every attempt, good or bad, is audited."""

from __future__ import annotations

from dataclasses import dataclass

from ringfence.errors import AuthError
from ringfence.service.context import Caller, Services, caller_for_user

SESSION_HOURS = 12.0


@dataclass(frozen=True)
class LoginResult:
    """A new session: the cookie token, its CSRF token and who logged in."""

    token: str
    csrf: str
    caller: Caller


def login(services: Services, email: str, password: str) -> LoginResult:
    """Check the password and open a session; ``AuthError`` (audited) if it is wrong."""
    store = services.store
    try:
        user = store.authenticate_password(email, password)
    except AuthError:
        # The e-mail is recorded so brute force shows in the log; the password never is.
        store.audit("login.failed", email[:320], None, {"email": email[:320]})
        raise
    token, csrf = store.create_web_session(user.id, SESSION_HOURS)
    store.audit("login", user.email, user.organisation, {"user": user.id})
    return LoginResult(
        token=token, csrf=csrf, caller=caller_for_user(services, user, csrf_token=csrf)
    )


def logout(services: Services, token: str) -> None:
    """End the session of a cookie token (audited when it was a live one)."""
    try:
        user, _ = services.store.web_session(token)
    except AuthError:
        return
    services.store.end_web_session(token)
    services.store.audit("logout", user.email, user.organisation, {"user": user.id})
