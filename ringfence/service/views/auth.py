"""Browser login and logout; every attempt, good or bad, is audited."""

from __future__ import annotations

from dataclasses import dataclass

from ringfence.errors import AuthError, ForbiddenError
from ringfence.service import throttle
from ringfence.service.context import Caller, Services, caller_for_user
from ringfence.store.operational.credentials import normalise_email

SESSION_HOURS = 12.0


@dataclass(frozen=True)
class LoginResult:
    """A new session: the cookie token, its CSRF token and who logged in."""

    token: str
    csrf: str
    caller: Caller


def login(services: Services, email: str, password: str, address: str = "unknown") -> LoginResult:
    """Check the password and open a session; ``AuthError`` (audited) if it is wrong.

    ``address`` is the client's IP address: failures are counted per account and per address,
    and too many of either answer ``ThrottledError`` (429) before the password is checked.
    """
    store = services.store
    account = normalise_email(email)[:320]
    throttle.check_login_allowed(services, account, address)
    try:
        user = store.authenticate_password(account, password)
    except AuthError:
        throttle.record_login_failure(services, account, address)
        # The e-mail is recorded so brute force shows in the log; the password never is.
        store.audit("login.failed", account, None, {"email": account, "address": address})
        raise
    throttle.clear_login_failures(services, account)
    token, csrf = store.create_web_session(user.id, SESSION_HOURS)
    store.audit("login", user.email, user.organisation, {"user": user.id})
    return LoginResult(
        token=token, csrf=csrf, caller=caller_for_user(services, user, csrf_token=csrf)
    )


def change_password(
    services: Services, caller: Caller, current: str, new: str, address: str = "unknown"
) -> None:
    """Change the caller's own password (audited); every session of the user ends.

    The current password is checked like a login (a wrong one counts towards throttling and
    is 403, not 401, so a browser is not sent to the login page); the new one must pass the
    password policy (``UserError``, 400).
    """
    if caller.user_id is None or caller.email is None:
        raise ForbiddenError("an organisation key has no password; use a user's session or key")
    store, account = services.store, normalise_email(caller.email)
    throttle.check_login_allowed(services, account, address)
    try:
        store.authenticate_password(account, current)
    except AuthError:
        throttle.record_login_failure(services, account, address)
        raise ForbiddenError("the current password is wrong") from None
    store.set_password(account, new)
    store.audit("user.password", caller.actor, caller.organisation, {"user": caller.user_id})


def logout(services: Services, token: str) -> None:
    """End the session of a cookie token (audited when it was a live one)."""
    try:
        user, _ = services.store.web_session(token)
    except AuthError:
        return
    services.store.end_web_session(token)
    services.store.audit("logout", user.email, user.organisation, {"user": user.id})
