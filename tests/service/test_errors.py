"""Every error of the hierarchy maps to its HTTP status and one JSON error shape."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.errors import (
    AuthError,
    ConflictError,
    EngineError,
    ForbiddenError,
    InputFileError,
    LimitError,
    MappingError,
    NotFoundError,
    RingfenceError,
    SettingsError,
    StoreError,
    ThrottledError,
    UserError,
)
from ringfence.service.errors import install_error_handlers

EXPECTED = [
    (UserError("bad"), 400),
    (InputFileError("bad", file="f.csv", row=2), 400),
    (MappingError("bad", file="m.yaml"), 400),
    (NotFoundError("gone"), 404),
    (ConflictError("twice"), 409),
    (LimitError("too big"), 413),
    (ThrottledError("slow down", retry_after=30), 429),
    (AuthError("who"), 401),
    (ForbiddenError("no"), 403),
    (EngineError("sql"), 500),
    (StoreError("down"), 503),
    (SettingsError("RINGFENCE_X: bad"), 500),  # the operator's setting, not the client's input
]


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{index}")
    def raise_error(index: int) -> None:
        raise EXPECTED[index][0]

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("secret internals")

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    return app


def test_every_error_class_is_covered() -> None:
    """A new class in ringfence.errors must be added to EXPECTED (a status chosen on purpose)."""

    def subclasses(cls: type) -> set[type]:
        return {c for s in cls.__subclasses__() for c in {s, *subclasses(s)}}

    hierarchy = {c for c in subclasses(RingfenceError) if c.__module__ == "ringfence.errors"}
    assert hierarchy <= {type(e) for e, _ in EXPECTED}


@pytest.mark.parametrize(("index", "status"), [(i, s) for i, (_, s) in enumerate(EXPECTED)])
def test_error_maps_to_status(index: int, status: int) -> None:
    response = TestClient(_app()).get(f"/raise/{index}")
    assert response.status_code == status
    error = response.json()["error"]
    assert error["type"] == type(EXPECTED[index][0]).__name__
    if status < 500 or status == 503:
        assert error["message"] == EXPECTED[index][0].message
    else:  # an engine fault's internals stay in the server log
        assert EXPECTED[index][0].message not in error["message"]
        assert "the server log has details" in error["message"]


def test_unexpected_error_is_500_without_internals() -> None:
    response = TestClient(_app(), raise_server_exceptions=False).get("/bug")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert response.json()["error"]["type"] == "InternalError"


def test_validation_error_is_422_with_location() -> None:
    response = TestClient(_app()).get("/typed?n=x")
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("query.n:")
