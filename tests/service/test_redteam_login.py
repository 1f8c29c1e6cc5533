"""Red team F7, as the attacker ran it: five anonymous wrong passwords for someone else's
e-mail, and that user's correct password was refused with 429 for the next 15 minutes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.service.test_login import EMAIL, GOOD, _login, app, tight  # noqa: F401 (fixtures)


def test_strangers_failures_do_not_lock_the_owner_out(app: FastAPI) -> None:  # noqa: F811
    limit = app.state.services.settings.login_max_failures_per_account
    attacker = TestClient(app, client=("203.0.113.9", 50000))
    assert {_login(attacker, EMAIL, f"guess {i}") for i in range(limit)} == {401}
    assert _login(attacker, EMAIL, "guess again") == 429  # the guesser stays throttled
    assert _login(attacker, EMAIL, GOOD) == 429  # even with the right one: no oracle
    owner = TestClient(app, client=("198.51.100.7", 50000))
    assert _login(owner, EMAIL, GOOD) == 200
