"""Login hardening (issue 15, finding 9): throttling, constant-time unknown users, password
policy, normalised e-mails, sessions ended by a password change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ringfence.cli.main import app as cli
from ringfence.errors import ConflictError, UserError
from ringfence.service.app import create_app
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore, hashing
from ringfence.store.operational.credentials import password_problem

API = "/api/v1"
GOOD = "violet tugboat orbit 42"
EMAIL = "ann@acme.test"


@pytest.fixture
def tight(settings: Settings) -> Settings:
    """Small limits, so a test reaches them in a few requests."""
    return settings.model_copy(
        update={"login_max_failures_per_account": 3, "login_max_failures_per_address": 5}
    )


@pytest.fixture
def app(tight: Settings) -> Iterator[FastAPI]:
    application = create_app(tight)
    store = application.state.services.store
    store.ensure_organisation("acme", kind="customs")
    for email in (EMAIL, "bob@acme.test"):
        store.create_user(
            organisation="acme", email=email, display_name=email, role="officer", password=GOOD
        )
    yield application


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post(f"{API}/session", json={"email": email, "password": password}).status_code


def _actions(app: FastAPI) -> list[str]:
    return [e.action for e in app.state.services.store.audit_entries()]


def test_an_account_is_throttled_with_retry_after(app: FastAPI, tight: Settings) -> None:
    client = TestClient(app)
    assert [_login(client, EMAIL, f"wrong guess {i}") for i in range(3)] == [401, 401, 401]
    refused = client.post(f"{API}/session", json={"email": EMAIL, "password": GOOD})
    assert refused.status_code == 429  # even the right password waits: no guessing through
    assert refused.json()["error"]["type"] == "ThrottledError"
    retry = int(refused.headers["Retry-After"])
    assert 0 < retry <= tight.login_failure_window_seconds
    assert "login.throttled" in _actions(app)
    # Another account from the same address is not held up by this one's failures.
    assert _login(client, "bob@acme.test", GOOD) == 200


def test_an_address_is_throttled_across_accounts(app: FastAPI) -> None:
    attacker = TestClient(app, client=("203.0.113.9", 50000))
    statuses = [_login(attacker, f"user{i}@acme.test", "a guess that fails") for i in range(5)]
    assert statuses == [401] * 5
    assert _login(attacker, EMAIL, GOOD) == 429
    other = TestClient(app, client=("198.51.100.7", 50000))
    assert _login(other, EMAIL, GOOD) == 200


def test_a_success_clears_the_account_failures(app: FastAPI) -> None:
    client = TestClient(app)
    assert [_login(client, EMAIL, "nope nope nope") for _ in range(2)] == [401, 401]
    assert _login(client, EMAIL, GOOD) == 200
    assert [_login(client, EMAIL, "nope nope nope") for _ in range(2)] == [401, 401]


def test_the_web_login_page_is_throttled_too(app: FastAPI) -> None:
    client = TestClient(app)
    for _ in range(3):
        client.post("/login", data={"email": EMAIL, "password": "wrong again"})
    page = client.post("/login", data={"email": EMAIL, "password": GOOD})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in page.text
    assert "ringfence_session" not in page.cookies


def test_unknown_users_cost_one_password_check(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = hashing._scrypt

    def counting(*args: object) -> bytes:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(hashing, "_scrypt", counting)
    client = TestClient(app)
    assert _login(client, EMAIL, "wrong password!") == 401
    known = len(calls)
    calls.clear()
    assert _login(client, "nobody@acme.test", "wrong password!") == 401
    assert known == len(calls) == 1


@pytest.mark.parametrize(
    "password",
    ["password", "Password1234!", "PASSWORD123456", "qwertyuiop123", "short one", "aaaaaaaaaaaaaa"],
)
def test_weak_passwords_are_refused(app: FastAPI, password: str) -> None:
    store = app.state.services.store
    with pytest.raises(UserError, match="password"):
        store.create_user(
            organisation="acme", email="c@acme.test", display_name="C", role="analyst",
            password=password,
        )  # fmt: skip
    with pytest.raises(UserError, match="password"):
        store.set_password(EMAIL, password)


def test_the_e_mail_is_no_password() -> None:
    assert password_problem("ann.smith@acme.test", "Ann.Smith@acme.test") is not None
    assert password_problem("ann.smith2024!", "ann.smith@acme.test") is not None
    assert password_problem(GOOD, EMAIL) is None


def test_e_mails_are_normalised_at_create_and_login(app: FastAPI) -> None:
    store = app.state.services.store
    user_id = store.create_user(
        organisation="acme", email="  Carla@ACME.test ", display_name="Carla", role="analyst",
        password=GOOD,
    )  # fmt: skip
    assert store.user(user_id).email == "carla@acme.test"
    with pytest.raises(ConflictError):
        store.create_user(
            organisation="acme", email="CARLA@acme.TEST", display_name="Carla 2",
            role="analyst", password=GOOD,
        )  # fmt: skip
    response = TestClient(app).post(
        f"{API}/session", json={"email": " CARLA@Acme.Test", "password": GOOD}
    )
    assert response.status_code == 200 and response.json()["email"] == "carla@acme.test"


def test_a_password_change_ends_every_session(app: FastAPI) -> None:
    first, second = TestClient(app), TestClient(app)
    assert _login(first, EMAIL, GOOD) == 200 and _login(second, EMAIL, GOOD) == 200
    assert first.get(f"{API}/me").status_code == 200
    app.state.services.store.set_password(EMAIL, "a completely new phrase")
    assert first.get(f"{API}/me").status_code == 401
    assert second.get(f"{API}/me").status_code == 401
    assert _login(first, EMAIL, GOOD) == 401
    assert _login(first, EMAIL, "a completely new phrase") == 200


def test_user_password_command(
    app: FastAPI, tight: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tight.data_dir))
    if tight.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", tight.database_url)
    client = TestClient(app)
    assert _login(client, EMAIL, GOOD) == 200
    runner = CliRunner()
    weak = tmp_path / "weak"
    weak.write_text("password\n")
    refused = runner.invoke(cli, ["user", "password", EMAIL, "--password-file", str(weak)])
    assert refused.exit_code == 2 and "password" in refused.output
    assert client.get(f"{API}/me").status_code == 200  # a refused change ends nothing
    strong = tmp_path / "strong"
    strong.write_text("seven quiet lanterns\n")
    changed = runner.invoke(cli, ["user", "password", " ANN@acme.test", "--password-file",
                                  str(strong)])  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert client.get(f"{API}/me").status_code == 401
    with OperationalStore.open(tight) as store:
        assert store.authenticate_password(EMAIL, "seven quiet lanterns").email == EMAIL
        assert "user.password" in [e.action for e in store.audit_entries()]


def test_changing_your_own_password_through_the_api(app: FastAPI) -> None:
    client, other = TestClient(app), TestClient(app)
    assert _login(other, EMAIL, GOOD) == 200
    me = client.post(f"{API}/session", json={"email": EMAIL, "password": GOOD}).json()
    csrf = {"X-CSRF-Token": me["csrf_token"]}
    url = f"{API}/session/password"
    wrong = client.put(url, json={"current_password": "not it at all", "new_password": "x" * 20},
                       headers=csrf)  # fmt: skip
    assert wrong.status_code == 403
    weak = client.put(url, json={"current_password": GOOD, "new_password": "password"},
                      headers=csrf)  # fmt: skip
    assert weak.status_code == 400 and "password" in weak.json()["error"]["message"]
    changed = client.put(
        url, json={"current_password": GOOD, "new_password": "amber kettle drift"}, headers=csrf
    )
    assert changed.status_code == 204
    assert client.get(f"{API}/me").status_code == 401  # this session ended ...
    assert other.get(f"{API}/me").status_code == 401  # ... and every other one
    assert _login(client, EMAIL, "amber kettle drift") == 200
    assert "user.password" in _actions(app)
