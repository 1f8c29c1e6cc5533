"""Red team F11, as the attacker ran it: a sharing agreement with an unknown key
(``expires_at``), a misspelt field (``emial``) or a row filter on a field the rows do not have
(``brnad``) was stored (201) and shared nothing, or admitted nothing, while the owner believed
otherwise. Each is now refused, naming the field, and nothing is stored — through the API, the
web page and ``ringfence sharing grant``."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ringfence.cli.main import app as cli
from ringfence.service.agreement_fields import dataset_fields
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"
GOOD = {"recipient": "swiftpost", "dataset": "watchlist", "fields": ["name", "email"]}


def _count(world: World) -> int:
    with OperationalStore.open(world.settings) as store:
        return len(store.sharing_agreements(include_revoked=True))


def test_agreements_naming_unknown_fields_are_refused(
    scratch_client: TestClient, scratch_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, headers = scratch_world, scratch_world.headers("bazaar")
    before = _count(world)
    probes = [
        (GOOD | {"expires_at": "2030-01-01"}, 422, "expires_at"),
        (GOOD | {"fields": ["name", "emial"]}, 400, "emial"),
        (GOOD | {"fields": ["name", "email", "seller_account"]}, 400, "seller_account"),
        (GOOD | {"row_filter": {"brnad": "$recipient_brands"}}, 400, "brnad"),
    ]
    for body, status, named in probes:
        refused = scratch_client.post(f"{API}/sharing", json=body, headers=headers)
        assert refused.status_code == status, (body, refused.text)
        assert named in refused.json()["error"]["message"]
    assert _count(world) == before  # nothing stored

    # The web form refuses the same, as a page.
    page = scratch_client.post(
        "/sharing",
        data={"recipient": "swiftpost", "dataset": "watchlist", "fields": "name, emial"},
        headers=headers | {"accept": "text/html"},
    )
    assert page.status_code == 400 and "emial" in page.text
    # So does the operator's command.
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(world.settings.data_dir))
    if world.settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", world.settings.database_url)
    args = ["sharing", "grant", "--from", "bazaar", "--to", "swiftpost", "--dataset", "watchlist"]
    result = CliRunner().invoke(cli, [*args, "--fields", "name,emial"])
    assert result.exit_code == 2 and "emial" in result.output
    result = CliRunner().invoke(cli, [*args, "--fields", "name", "--filter", '{"brnad": "x"}'])
    assert result.exit_code == 2 and "brnad" in result.output
    assert _count(world) == before

    granted = scratch_client.post(f"{API}/sharing", json=GOOD, headers=headers)
    assert granted.status_code == 201, granted.text


def test_every_field_rows_have_can_be_agreed(scratch_world: World) -> None:
    """The check never refuses a real field: every column of every dataset in the lake."""
    lake = Lake(scratch_world.settings)
    checked = 0
    for name in ("watchlist", "shipments", "parties", "outcomes", "sellers", "listings",
                 "quarantine", "field_problems", "entities"):  # fmt: skip
        parts = lake.parts(name)
        if not parts:
            continue
        columns = set(pq.read_schema(parts[0]).names)
        assert columns <= dataset_fields(name), (name, columns - dataset_fields(name))
        checked += 1
    assert checked >= 6
