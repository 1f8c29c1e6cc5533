"""``ringfence sellers train|score`` end to end on a simulated marketplace."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.ingest.pipeline import ingest_files
from ringfence.settings import Settings
from ringfence.sim.run import simulate

FEEDS = ("sellers", "seller_links", "seller_outcomes", "listings", "complaints", "products")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 35-day simulated world with its marketplace feeds ingested."""
    root = tmp_path_factory.mktemp("sellers")
    out = root / "world"
    summary = simulate(out, seed=3, days=35, scale=0.5)
    settings = Settings(data_dir=root / "data", database_url=None)
    for feed in summary.feeds:
        if feed["kind"] in FEEDS:
            ingest_files(settings, feed["kind"], [out / feed["path"]], mapping=feed["mapping"])
    return out, root / "data"


def test_train_then_score_ranks_ring_accounts_first(
    world: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out, data = world
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(data))
    runner = CliRunner()
    trained = runner.invoke(app, ["sellers", "train"])
    assert trained.exit_code == 0, trained.output
    assert "validation" in trained.output and "test" in trained.output
    path = tmp_path / "scores.parquet"
    scored = runner.invoke(app, ["sellers", "score", "--out", str(path)])
    assert scored.exit_code == 0, scored.output
    table = pq.read_table(path)
    assert table.column_names == ["seller", "score", "reasons"]
    accounts = pq.read_table(out / "bazaar" / "seller_accounts.parquet")
    assert sorted(table.column("seller").to_pylist()) == sorted(
        accounts.column("seller_id").to_pylist()
    )
    rows = table.to_pylist()
    assert all(0.0 <= r["score"] <= 1.0 and r["reasons"] for r in rows)
    truth = pq.read_table(out / "truth" / "parties.parquet").to_pandas()
    ring = set(truth[(truth["feed"] == "sellers") & truth["ring_id"].notna()]["source_key"])
    y = [r["seller"] in ring for r in rows]
    assert roc_auc_score(y, [r["score"] for r in rows]) > 0.8
    top = rows[0]["reasons"]
    assert "(+" in top  # each reason carries its contribution in log-odds


def test_train_until_a_bad_date_and_score_without_a_model_are_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    bad = runner.invoke(app, ["sellers", "train", "--until", "31/01/2025"])
    assert bad.exit_code != 0 and "--until" in bad.output
    assert "Traceback" not in bad.output
    none = runner.invoke(app, ["sellers", "score"])
    assert none.exit_code != 0 and "sellers train" in none.output
