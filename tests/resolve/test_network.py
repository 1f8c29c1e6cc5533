"""The entity network: links, hub caps, risk propagation, paths and expand (small named fixtures).

The fixture world (``write_world``):

* ZHANG Wei — watchlisted by ipr-center (a watchlist mention), phone +8613800000001;
* Li Na — a shipper sharing ZHANG Wei's phone: one hop from the seed;
* Wang Fang — shares Li Na's e-mail: two hops;
* Chen Jie — consignee of Li Na's seized shipment AWB-1 (trade link);
* Stranger Ltd — shares nothing with anyone;
* 40 merchants all at one forwarder's address, one of them Wang Fang: a hub, capped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import typer
from scipy import sparse
from typer.testing import CliRunner

from ringfence.cli import network_cmd
from ringfence.model.feeds import feed
from ringfence.model.records.base import make_id
from ringfence.resolve.network.graph import bfs, build_graph
from ringfence.resolve.network.risk import compute_network_risk, personalized_pagerank
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake

HUB_ADDRESS = "Room 1, Forwarder Plaza 9"


def party(org: str, key: str, role: str, name: str, **fields: Any) -> dict[str, Any]:
    """A party mention row; its id is what ingestion would give it."""
    return {
        "id": make_id(org, "parties", key),
        "organisation": org,
        "source_key": key,
        "role": role,
        "name": name,
        "schema_": "LegalEntity",
        **fields,
    }


def table(feed_name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as the feed's Arrow table; columns a row leaves out are null."""
    schema = feed(feed_name).schema
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    columns["source_file"] = ["fixture"] * len(rows)
    columns["source_row"] = list(range(1, len(rows) + 1))
    fields = [f for f in schema if f.name != "ingested_at"]
    return pa.table({f.name: pa.array(columns[f.name], f.type) for f in fields})


PARTIES = [
    party(
        "ipr-center",
        "watchlist:WL-1",
        "watchlist",
        "ZHANG Wei",
        phone="+8613800000001",
        country="CN",
    ),
    party(
        "swiftpost",
        "shipper:S1",
        "shipper",
        "Li Na",
        phone="+8613800000001",
        email="lina@example.cn",
        country="CN",
    ),
    party(
        "swiftpost",
        "shipper:S2",
        "shipper",
        "Wang Fang",
        email="lina@example.cn",
        street=HUB_ADDRESS,
        city="Shenzhen",
        country="CN",
    ),
    party("swiftpost", "consignee:C1", "consignee", "Chen Jie", country="NL"),
    party("swiftpost", "shipper:S3", "shipper", "Stranger Ltd", phone="+3120000000", country="NL"),
] + [
    party(
        "swiftpost",
        f"shipper:M{i}",
        "shipper",
        f"Merchant {i}",
        street=HUB_ADDRESS,
        city="Shenzhen",
        country="CN",
    )
    for i in range(40)
]

ZHANG, LI, WANG, CHEN, STRANGER = (p["id"] for p in PARTIES[:5])


def write_world(data_dir: Path, entity_mentions: pa.Table | None = None) -> Settings:
    """Write the fixture datasets into a fresh lake and return its settings."""
    settings = Settings(data_dir=data_dir)
    lake = Lake(settings)
    lake.write_table("parties", table("parties", PARTIES), "fixture")
    shipment = {
        "id": make_id("swiftpost", "shipments", "AWB-1"),
        "organisation": "swiftpost",
        "source_key": "AWB-1",
        "tracking_number": "AWB-1",
        "shipper_ref": LI,
        "consignee_ref": CHEN,
    }
    lake.write_table("shipments", table("shipments", [shipment]), "fixture")
    outcome = {
        "id": "ou-1",
        "organisation": "customs-nl",
        "source_key": "CTL-1",
        "shipment_ref": shipment["id"],
        "label": "counterfeit",
        "positive": True,
        "result": "seized",
    }
    lake.write_table("outcomes", table("outcomes", [outcome]), "fixture")
    watch = {
        "id": make_id("ipr-center", "watchlist", "WL-1"),
        "organisation": "ipr-center",
        "source_key": "WL-1",
        "name": "ZHANG Wei",
        "confirmed_by": "IPRC",
    }
    lake.write_table("watchlist", table("watchlist", [watch]), "fixture")
    if entity_mentions is not None:
        lake.write_table("entity_mentions", entity_mentions, "fixture")
    return settings


@pytest.fixture
def world(tmp_path: Path) -> Settings:
    return write_world(tmp_path / "data")


def risk_rows(settings: Settings) -> dict[str, dict[str, Any]]:
    engine = open_engine(settings)
    try:
        Lake(settings).register(engine, "network_risk")
        rows = engine.query("SELECT * FROM network_risk").to_pylist()
    finally:
        engine.close()
    return {r["entity_id"]: r for r in rows}


def invoke(*args: object) -> Any:
    app = typer.Typer()
    network_cmd.register(app)

    @app.callback()
    def main() -> None:
        """Test app."""

    return CliRunner().invoke(app, [str(a) for a in args])


def test_shared_phone_links_two_entities_and_path_names_it(world: Settings) -> None:
    summary = compute_network_risk(world)
    rows = risk_rows(world)
    assert summary.seeds >= 1 and not summary.resolved and "one entity per party" in summary.note
    li = rows[LI]
    assert li["hops"] == 0  # shipper of the seized shipment: a seed itself
    zhang_neighbour = rows[WANG]
    assert zhang_neighbour["hops"] == 1
    assert "shares e-mail lina@example.cn with Li Na" in zhang_neighbour["path"]
    assert rows[ZHANG]["path"] == "watchlisted by ipr-center"


def test_path_text_through_watchlisted_entity(tmp_path: Path) -> None:
    # Without the seizure, Li Na's only way to a seed is ZHANG Wei's phone.
    settings = write_world(tmp_path / "d")
    Lake(settings).parts("outcomes")[0].unlink()
    compute_network_risk(settings)
    li = risk_rows(settings)[LI]
    assert li["hops"] == 1 and li["nearest_seed"] == ZHANG
    assert li["path"] == "shares phone +8613800000001 with ZHANG Wei (watchlisted by ipr-center)"


def test_hub_identifier_is_capped(world: Settings) -> None:
    summary = compute_network_risk(world)
    assert summary.hub_identifiers_dropped == 1  # the forwarder's address, 41 entities
    rows = risk_rows(world)
    merchant = make_id("swiftpost", "parties", "shipper:M0")
    assert rows[merchant]["hops"] is None and rows[merchant]["network_risk"] == 0.0


def test_ppr_ranks_neighbours_above_strangers(world: Settings) -> None:
    compute_network_risk(world)
    rows = risk_rows(world)
    assert rows[WANG]["network_risk"] > rows[STRANGER]["network_risk"] == 0.0
    assert rows[LI]["network_risk"] >= rows[WANG]["network_risk"]
    assert all(0.0 <= r["network_risk"] <= 1.0 for r in rows.values())


def test_personalized_pagerank_is_a_distribution_and_converges() -> None:
    # path 0 - 1 - 2 and an isolated node 3; restart to node 0
    adjacency = sparse.csr_matrix((np.ones(4), ([0, 1, 1, 2], [1, 0, 2, 1])), shape=(4, 4))
    pr = personalized_pagerank(adjacency, np.array([1.0, 0, 0, 0]))
    assert pr.scores.sum() == pytest.approx(1.0)
    # node 1 has two edges, so it collects more than the seed; the far end less
    assert pr.scores[1] > pr.scores[0] > pr.scores[2] > pr.scores[3] == 0.0
    assert pr.residual < 1e-9


def test_bfs_levels_and_predecessors() -> None:
    links = pa.table({"kind": ["phone", "email"]})
    graph = build_graph(3, np.array([0, 1, 1, 2]), np.array([0, 0, 1, 1]), np.ones(4), links)
    search = bfs(graph.adjacency, np.array([0]))
    assert search.steps[:3].tolist() == [0, 2, 4]
    assert search.pred[2] == 3 + 1 and search.pred[3 + 1] == 1


def test_entity_mentions_merge_mentions(tmp_path: Path) -> None:
    merged = pa.table(
        {
            "mention_id": [ZHANG, LI],
            "entity_id": ["en-zhang", "en-zhang"],
            "organisation": ["ipr-center", "swiftpost"],
            "feed": ["parties"] * 2,
            "source_key": ["watchlist:WL-1", "shipper:S1"],
            "role": ["watchlist", "shipper"],
        }
    )
    settings = write_world(tmp_path / "r", merged)
    summary = compute_network_risk(settings)
    rows = risk_rows(settings)
    assert summary.resolved and "en-zhang" in rows and ZHANG not in rows
    assert rows[WANG]["nearest_seed"] == "en-zhang"


@pytest.mark.parametrize(
    ("hops", "expected"), [(1, {"Li Na"}), (2, {"Li Na", "Wang Fang", "Chen Jie"})]
)
def test_expand_hops(world: Settings, hops: int, expected: set[str]) -> None:
    compute_network_risk(world)
    result = invoke(
        "network", "expand", "WL-1", "--hops", hops, "--json", "--data-dir", world.data_dir
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["matched_as"] == "watchlist entry"
    assert {n["name"] for n in data["neighbours"]} == expected
    li = next(n for n in data["neighbours"] if n["name"] == "Li Na")
    assert li["hops"] == 1 and "phone +8613800000001" in li["path"]


def test_expand_by_shipment_and_mention(world: Settings) -> None:
    result = invoke("network", "expand", "AWB-1", "--hops", 1, "--data-dir", world.data_dir)
    assert result.exit_code == 0 and "is a shipment" in result.stdout
    result = invoke("network", "expand", WANG, "--hops", 1, "--data-dir", world.data_dir)
    assert result.exit_code == 0 and "Li Na" in result.stdout


def test_expand_unknown_id_exits_3(world: Settings) -> None:
    result = invoke("network", "expand", "no-such-id", "--data-dir", world.data_dir)
    assert result.exit_code == 3
    assert "no-such-id" in result.output and "Traceback" not in result.output


def test_network_risk_on_small_demo_world(tmp_path: Path) -> None:
    from ringfence.demo import run_demo

    settings = Settings(data_dir=tmp_path / "demo")
    run_demo(settings, seed=3, days=2, scale=0.3, progress=None)
    summary = compute_network_risk(settings)
    assert summary.seeds > 0 and summary.reached > summary.seeds
    rows = risk_rows(settings)
    assert len(rows) == summary.entities
    assert any(r["hops"] == 1 and r["path"] for r in rows.values())


def test_network_on_each_engine(settings: Settings, engine: Any, tmp_path: Path) -> None:
    """The same SQL runs on DuckDB and Spark (the ``engine`` fixture) with the same answers."""
    from ringfence.resolve.network.export import export_entities

    write_world(settings.data_dir)
    summary = compute_network_risk(settings, engine=engine)
    assert (summary.hub_identifiers_dropped, summary.seeds, summary.reached) == (1, 3, 4)
    rows = risk_rows(settings)
    assert rows[WANG]["hops"] == 1
    assert rows[WANG]["path"] == (
        "shares e-mail lina@example.cn with Li Na (shipper of seized shipment AWB-1 (swiftpost))"
    )
    assert export_entities(settings, tmp_path / "e.csv", engine=engine) == len(PARTIES)
    assert export_entities(settings, tmp_path / "e.ftm.json", engine=engine) == len(PARTIES) + 1
