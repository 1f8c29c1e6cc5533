"""Red team R2, as the attacker ran it on a PostgreSQL store: a NUL character in a brand name
(or, anonymously, in the e-mail of a login) made the store fail, and the 503 answer — and the
audit entry the organisation's admins read — quoted the store's error: the database's host,
port, user, database and schema. A fresh server's 404 from screening named its data folder.
Now NUL text is a 400 on both backends, a store fault's message says what failed but not where
the database is, and messages name no server path."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.errors import NotFoundError, StoreError, UserError
from ringfence.service.errors import install_error_handlers
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

STORE_FAULT = (
    "operational store at postgresql+psycopg://ringfence@db.internal:5432/prod?options=-csearch_"
    "path%3Dtenant: registering a brand failed: PostgreSQL text fields cannot contain NUL"
)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/store")
    def store_fault() -> None:
        raise StoreError(STORE_FAULT)

    @app.get("/screen")
    def empty_lake() -> None:
        raise NotFoundError("nothing to screen against in /srv/ringfence/data/lake: ingest first")

    return app


def test_server_faults_and_not_found_name_no_server_internals() -> None:
    client = TestClient(_app())
    fault = client.post("/store")
    assert fault.status_code == 503 and fault.json()["error"]["type"] == "StoreError"
    for secret in ("db.internal", "5432", "ringfence@", "tenant", "postgresql+psycopg"):
        assert secret not in fault.text
    assert "registering a brand failed" in fault.json()["error"]["message"]  # the reason stays
    missing = client.get("/screen")
    assert missing.status_code == 404
    assert "/srv" not in missing.text and "in lake" in missing.json()["error"]["message"]


def test_nul_text_is_refused_on_every_store(settings: Settings) -> None:
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("brand-x")
        for brand, aliases in (("Evil\x00Brand", []), ("Fine", ["\x00"]), ("Ni\u202eke", [])):
            with pytest.raises(UserError, match="control or invisible"):
                store.register_brand("brand-x", brand, aliases, actor="attacker")
        assert store.brand_registrations("brand-x") == []
        if settings.database_url and settings.database_url.startswith("postgresql"):
            # Any other text with NUL: PostgreSQL cannot store it; a 400, not a store fault.
            with pytest.raises(UserError, match="NUL"):
                store.audit("probe", "attacker\x00", "brand-x", {"k": "v\x00"})
