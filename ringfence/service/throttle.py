"""Login throttling per account and per address, shared by every server process through the store.

Failed logins are recorded in the operational store (``login_failures``), so ``--workers`` and
several instances count together. Once an account (a normalised e-mail, whether or not it
exists) or an address has ``RINGFENCE_LOGIN_MAX_FAILURES_PER_ACCOUNT`` / ``..._PER_ADDRESS``
failures within ``RINGFENCE_LOGIN_FAILURE_WINDOW_SECONDS``, further attempts are refused with
``ThrottledError`` (HTTP 429 with ``Retry-After``) without checking the password, until the
oldest of those failures leaves the window. A successful login clears the account's failures.

An account's failures hold up only the address they came from: counted over every address,
anyone could lock any user out with a few anonymous requests (red team F7), while the owner
logging in from elsewhere is not the one guessing. Guessing one account from many addresses is
bounded by each address's own limit.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ringfence.errors import ThrottledError
from ringfence.service.context import Services
from ringfence.store.operational.tables import utcnow


def _wait(times: list[datetime], limit: int, window: timedelta, now: datetime) -> float:
    """Seconds until fewer than ``limit`` of the failures ``times`` (newest first) are recent."""
    if len(times) < limit:
        return 0.0
    return max(0.0, (times[limit - 1] + window - now).total_seconds())


def check_login_allowed(services: Services, account: str, address: str) -> None:
    """``ThrottledError`` (audited) when the account failed too often lately from this address,
    or the address did, whichever account it tried."""
    settings, store = services.settings, services.store
    window = timedelta(seconds=settings.login_failure_window_seconds)
    now = utcnow()
    since = now - window
    per_account = settings.login_max_failures_per_account
    per_address = settings.login_max_failures_per_address
    wait = max(
        _wait(
            store.recent_login_failures(
                since=since, limit=per_account, account=account, address=address
            ),
            per_account,
            window,
            now,
        ),
        _wait(
            store.recent_login_failures(since=since, limit=per_address, address=address),
            per_address,
            window,
            now,
        ),
    )
    if wait <= 0:
        return
    retry_after = max(1, math.ceil(wait))
    detail = {"email": account, "address": address, "retry_after": retry_after}
    store.audit("login.throttled", account, None, detail)
    raise ThrottledError(
        f"too many failed logins; try again in {retry_after} seconds", retry_after=retry_after
    )


def record_login_failure(services: Services, account: str, address: str) -> None:
    """Count one failed login against the account and the address."""
    services.store.record_login_failure(account, address)


def clear_login_failures(services: Services, account: str) -> None:
    """Forget the account's failures after a successful login."""
    services.store.clear_login_failures(account)
