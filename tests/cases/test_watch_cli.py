"""``ringfence watch``: an organisation watches an entity, a new shipment of one of its records
is ingested, ``watch check`` raises one alert that ``watch alerts`` lists and marks read; another
organisation cannot watch (or learn of) an entity it may not read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.ingest.pipeline import ingest_files
from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake

PARTIES = "id,name,country,phone,role\nP1,Shenzhen Bright Trading,CN,+8613800000001,shipper\n"
OTHER = "id,name,country,role\nQ1,Rotterdam Forwarding BV,NL,consignee\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture()
def world(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", settings.database_url)
    for org, text in (("ipr-center", PARTIES), ("other-org", OTHER)):
        (tmp_path / f"{org}.csv").write_text(text, encoding="utf-8")
        ingest_files(settings, "parties", [tmp_path / f"{org}.csv"], organisation=org)
    resolve_parties(settings)
    return settings


def _entity(settings: Settings, organisation: str, key: str = "P1") -> str:
    lake, engine = Lake(settings), open_engine(settings)
    try:
        lake.register(engine, "entity_mentions")
        rows = engine.query(
            f"SELECT entity_id FROM entity_mentions WHERE organisation = '{organisation}' "
            f"AND source_key LIKE '%{key}'"
        ).to_pylist()
    finally:
        engine.close()
    return str(rows[0]["entity_id"])


def test_a_watched_entity_alerts_on_a_new_shipment(world: Settings, tmp_path: Path) -> None:
    entity = _entity(world, "ipr-center")
    code, out = run("watch", "add", entity, "--org", "ipr-center", "--note", "ring leader")
    assert code == 0, out
    code, out = run("watch", "add", entity, "--org", "ipr-center")
    assert code != 0 and "already watches" in out
    # Another organisation may not read the entity: as if there were none.
    code, out = run("watch", "add", entity, "--org", "other-org")
    assert code == 3 and "no entity" in out and "Traceback" not in out
    code, out = run("watch", "check", "--json")
    assert json.loads(out) == {"watches": 1, "alerts": 0, "unreadable": 0}

    shipments = tmp_path / "shipments.csv"
    shipments.write_text("id,date,shipper,description\nS9,2025-03-01,P1,earbuds\n", "utf-8")
    ingest_files(world, "shipments", [shipments], organisation="ipr-center")
    code, out = run("watch", "check", "--org", "ipr-center", "--json")
    assert json.loads(out)["alerts"] == 1, out
    code, out = run("watch", "alerts", "--org", "ipr-center", "--json")
    (alert,) = json.loads(out)
    assert alert["kind"] == "shipment" and "S9" in alert["what"] and not alert["read"]
    assert json.loads(run("watch", "alerts", "--org", "other-org", "--json")[1]) == []
    code, out = run("watch", "alerts", "--org", "ipr-center", "--read")
    assert code == 0 and "earbuds" in out and "(new)" in out

    # A new record of the same party (another spelling, the same phone) resolves into it.
    alias = tmp_path / "alias.csv"
    alias.write_text("id,name,country,phone,role\nP2,Shenzhen Bright Trading Ltd,CN,"
                     "+8613800000001,consignee\n", "utf-8")  # fmt: skip
    ingest_files(world, "parties", [alias], organisation="ipr-center")
    resolve_parties(world)
    assert _entity(world, "ipr-center") == entity  # the entity keeps its id
    assert _entity(world, "ipr-center", "P2") == entity, "the new record did not resolve into it"
    code, out = run("watch", "check", "--json")
    assert json.loads(out)["alerts"] == 1, out
    code, out = run("watch", "alerts", "--org", "ipr-center", "--unread", "--json")
    assert [(a["kind"], "Ltd" in a["what"]) for a in json.loads(out)] == [("mention", True)]
    run("watch", "alerts", "--org", "ipr-center", "--read")
    code, out = run("watch", "alerts", "--org", "ipr-center", "--unread", "--json")
    assert json.loads(out) == []
    code, out = run("watch", "list", "--org", "ipr-center")
    assert out.strip() == f"{entity}  ring leader"
    assert run("watch", "remove", entity, "--org", "ipr-center")[0] == 0
    assert run("watch", "list", "--org", "ipr-center")[1].strip() == "no watches"
