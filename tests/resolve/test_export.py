"""``ringfence entities export``: exact columns in CSV and Parquet, FtM JSON lines that validate."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from followthemoney import model

from ringfence.resolve.network.export import EXPORT_COLUMNS, export_entities
from ringfence.resolve.network.risk import compute_network_risk
from ringfence.settings import Settings
from tests.resolve.test_network import LI, PARTIES, ZHANG, invoke, write_world

COLUMNS = ["organisation", "feed", "source_key", "entity_id", "watchlisted", "network_risk"]


@pytest.fixture
def resolved(tmp_path: Path) -> Settings:
    """The network fixture world with ZHANG Wei's watchlist mention and Li Na as one entity."""
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
    settings = write_world(tmp_path / "data", merged)
    compute_network_risk(settings)
    return settings


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_columns_exact(resolved: Settings, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"entities{suffix}"
    result = invoke("entities", "export", "--out", out, "--data-dir", resolved.data_dir)
    assert result.exit_code == 0, result.output
    data = pacsv.read_csv(out) if suffix == ".csv" else pq.read_table(out)
    assert data.column_names == COLUMNS == list(EXPORT_COLUMNS)
    assert data.num_rows == len(PARTIES)
    rows = {r["source_key"]: r for r in data.to_pylist()}
    assert rows["shipper:S1"]["entity_id"] == rows["watchlist:WL-1"]["entity_id"] == "en-zhang"
    assert rows["shipper:S1"]["watchlisted"] is True
    assert rows["shipper:S2"]["watchlisted"] is False
    assert 0.0 < rows["shipper:S2"]["network_risk"] <= 1.0
    assert {r["feed"] for r in rows.values()} == {"parties"}


def test_export_without_risk_leaves_it_empty(tmp_path: Path) -> None:
    settings = write_world(tmp_path / "d")
    out = tmp_path / "e.parquet"
    assert export_entities(settings, out) == len(PARTIES)
    data = pq.read_table(out)
    assert data.column("network_risk").null_count == len(PARTIES)
    # unresolved: each mention is its own entity
    assert data.column("entity_id").to_pylist() != data.column("source_key").to_pylist()


def test_unknown_extension_exits_2(resolved: Settings, tmp_path: Path) -> None:
    result = invoke(
        "entities", "export", "--out", tmp_path / "e.xlsx", "--data-dir", resolved.data_dir
    )
    assert result.exit_code == 2
    assert "e.xlsx" in result.output and "Traceback" not in result.output


def test_ftm_export_validates(resolved: Settings, tmp_path: Path) -> None:
    out = tmp_path / "entities.ftm.json"
    result = invoke(
        "entities", "export", "--out", out, "--format", "ftm", "--data-dir", resolved.data_dir
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    proxies = [model.get_proxy(json.loads(line), cleaned=False) for line in lines]
    assert all(p.id for p in proxies)
    assert len({p.id for p in proxies}) == len(proxies)  # ids unique
    zhang = next(p for p in proxies if "ZHANG Wei" in p.get("name"))
    assert set(zhang.get("name")) == {"ZHANG Wei", "Li Na"}
    assert zhang.get("phone") == ["+8613800000001"]
    assert "crime" in zhang.get("topics")
    links = [p for p in proxies if p.schema.name == "UnknownLink"]
    assert links and zhang.id in links[0].get("subject")
    # deterministic ids: a second export is identical
    again = tmp_path / "again.ftm.json"
    invoke("entities", "export", "--out", again, "--data-dir", resolved.data_dir)
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
