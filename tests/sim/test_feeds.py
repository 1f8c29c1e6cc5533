"""The partner feeds: reproducible, listed in world.json, readable with their mapping files."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ringfence.ingest.mapping import SHIPPED_MAPPINGS, Mapping, load_mapping
from ringfence.model.feeds import feeds
from ringfence.sim import SimulationSummary, simulate

World = tuple[Path, SimulationSummary]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=4, days=2, scale=0.2)
    simulate(tmp_path / "b", seed=4, days=2, scale=0.2)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) > 20
    assert [k for k in a if a[k] != b[k]] == []
    simulate(tmp_path / "c", seed=5, days=2, scale=0.2)
    assert _files(tmp_path / "c")["swiftpost/manifest.csv"] != a["swiftpost/manifest.csv"]


def test_output_does_not_depend_on_the_process(tmp_path: Path) -> None:
    """String hashing differs per process; nothing written may depend on set or dict order."""
    simulate(tmp_path / "here", seed=8, days=1, scale=0.1)
    code = ("import sys; from pathlib import Path; from ringfence.sim import simulate; "
            "simulate(Path(sys.argv[1]), seed=8, days=1, scale=0.1)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert _files(tmp_path / "here") == _files(tmp_path / "there")


def _manifest(root: Path) -> dict:
    return json.loads((root / "world.json").read_text(encoding="utf-8"))


def test_world_json_lists_existing_files_and_mappings(small_world: World) -> None:
    root = small_world[0]
    manifest = _manifest(root)
    orgs = {o["slug"]: o["kind"] for o in manifest["organisations"]}
    assert set(orgs.values()) == {"marketplace", "customs", "carrier", "ipcrime", "brand"}
    kinds = [f["kind"] for f in manifest["feeds"]]
    assert kinds.index("products") < kinds.index("listings") < kinds.index("shipments")
    assert kinds.index("shipments") < kinds.index("outcomes") < kinds.index("watchlist")
    for entry in manifest["feeds"]:
        assert (root / entry["path"]).is_file(), entry
        assert entry["organisation"] in orgs
        assert entry["kind"] in feeds()
        mapping = load_mapping(SHIPPED_MAPPINGS / f"{entry['mapping']}.yaml")
        assert mapping.organisation == entry["organisation"]
        assert feeds()[entry["kind"]].name == entry["kind"]


def _columns(path: Path, mapping: Mapping) -> list[str]:
    """The header of a feed file, read the way its mapping says."""
    fmt = mapping.format
    if fmt.type == "parquet" or path.suffix == ".parquet":
        return pq.read_schema(path).names
    if fmt.type == "jsonl" or ".jsonl" in path.suffixes:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            return list(json.loads(handle.readline()))
    encoding = "utf-8" if fmt.encoding.lower() in ("utf-8-sig", "utf8") else fmt.encoding
    table = pacsv.read_csv(path, pacsv.ReadOptions(encoding=encoding),
                           pacsv.ParseOptions(delimiter=fmt.delimiter))
    return table.column_names


def test_every_mapping_reads_only_columns_its_file_has(small_world: World) -> None:
    root = small_world[0]
    for entry in _manifest(root)["feeds"]:
        mapping = load_mapping(SHIPPED_MAPPINGS / f"{entry['mapping']}.yaml")
        columns = _columns(root / entry["path"], mapping)
        missing = mapping.source_columns() - set(columns)
        assert not missing, f"{entry['mapping']}: {missing}"


def test_every_shipped_sim_mapping_is_used(small_world: World) -> None:
    used = {f["mapping"] for f in _manifest(small_world[0])["feeds"]}
    shipped = {p.stem for p in SHIPPED_MAPPINGS.glob("sim-*.yaml")}
    assert shipped == used


def test_malformed_rows_are_few_and_recorded(small_world: World) -> None:
    root, summary = small_world
    malformed = pq.read_table(root / "truth" / "malformed.parquet").to_pylist()
    assert summary.malformed == len(malformed) > 0
    assert len(malformed) < 0.005 * summary.shipments * 2
    assert {m["organisation"] for m in malformed} >= {"swiftpost", "customs-nl"}


def test_cli_writes_a_world(tmp_path: Path) -> None:
    from ringfence.cli.main import app

    result = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path), "--days", "1",
                                      "--scale", "0.1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["shipments"] == 200
    assert (tmp_path / "world.json").is_file()


def test_every_feed_ingests_with_quarantine_only_for_malformed_rows(
    tiny_world: World, tmp_path: Path
) -> None:
    ingest = pytest.importorskip("ringfence.ingest")
    if not hasattr(ingest, "ingest_files"):
        pytest.skip("ringfence.ingest has no ingest_files yet")
    from ringfence.settings import Settings

    root = tiny_world[0]
    settings = Settings(data_dir=tmp_path / "data")
    quarantined = 0
    for entry in _manifest(root)["feeds"]:
        summary = ingest.ingest_files(settings, entry["kind"], [root / entry["path"]],
                                      mapping=entry["mapping"],
                                      organisation=entry["organisation"])
        assert summary.rows_read == summary.accepted + summary.quarantined, entry
        assert summary.accepted > 0 or summary.rows_read == 0, entry
        quarantined += summary.quarantined
    malformed = pq.read_table(root / "truth" / "malformed.parquet").to_pylist()
    expected = {(m["organisation"], m["row"]) for m in malformed}
    # A broken required value quarantines its row; a broken optional one is a field problem.
    lake = tmp_path / "data" / "lake"
    held = pq.read_table(lake / "quarantine").to_pylist()
    rejected = {(q["organisation"], q["source_row"]) for q in held}
    kept = {(p["organisation"], p["source_row"])
            for p in pq.read_table(lake / "field_problems").to_pylist()}
    assert rejected | kept == expected and not rejected & kept
    assert quarantined == len(rejected)
    # Every party mention the ingestion made is one the truth knows (role:key per partner).
    truth = pq.read_table(root / "truth" / "parties.parquet").to_pylist()
    known = {(t["organisation"], t["mention_key"]) for t in truth}
    mentions = pq.read_table(tmp_path / "data" / "lake" / "parties").to_pylist()
    assert mentions and {(m["organisation"], m["source_key"]) for m in mentions} <= known
