"""Party network risk as a feature: out of time, equal online and in batch, absent without a
network."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ringfence.resolve.network.risk import compute_network_risk
from ringfence.score import features as feature_module
from ringfence.score.explain import explain_row, feature_words
from ringfence.score.features import PARTY_KEYS, features_for
from ringfence.score.network_risk import SNAPSHOT_DAYS, load_snapshots, period_start
from ringfence.score.online import OnlineScorer
from ringfence.score.pipeline import train
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from tests.score.world import START, feed_table, make_world, write_world

ROWS, DAYS = 1200, 70
NETWORK_COLUMNS = [f"{role}_network_risk" for role in PARTY_KEYS]


def _parties() -> pa.Table:
    """Party mentions for the world's importers and sellers; neighbouring importers share a
    phone, so risk spreads beyond trade links."""
    ids = [f"imp-{i}" for i in range(80)] + [f"sel-{i}" for i in range(40)]
    phones = [f"+4930{i // 2:05d}" for i in range(80)] + [None] * 40
    return feed_table(
        "parties",
        {
            "id": ids,
            "organisation": ["test"] * len(ids),
            "source_key": [f"{i.split('-')[0]}:{i}" for i in ids],
            "name": [f"Party {i}" for i in ids],
            "phone": phones,
            "role": ["importer"] * 80 + ["seller"] * 40,
        },
        len(ids),
    )


def _world(settings: Settings, outcomes: pa.Table | None = None, network: bool = True) -> None:
    shipments, default = make_world(rows=ROWS, days=DAYS)
    write_world(settings, shipments, default if outcomes is None else outcomes)
    Lake(settings).write_table("parties", _parties(), "test")
    if network:
        compute_network_risk(settings)


def _by_id(settings: Settings) -> dict[str, dict[str, object]]:
    table = features_for(settings).table
    return {row["id"]: row for row in table.to_pylist()}


def test_network_risk_appears_once_the_network_is_built(tmp_path) -> None:
    without = Settings(data_dir=tmp_path / "a")
    _world(without, network=False)
    assert not set(NETWORK_COLUMNS) & set(features_for(without).columns)
    settings = Settings(data_dir=tmp_path / "b")
    _world(settings)
    features = features_for(settings)
    assert set(NETWORK_COLUMNS) <= set(features.columns)
    rows = features.table.to_pylist()
    # The world's shippers are unknown: no party, no value. Every importer has one.
    assert all(r["shipper_network_risk"] is None for r in rows)
    first_seizure = min(r["date"] for r in rows if r["importer_positives_ipr"] > 0)
    early = [r["importer_network_risk"] for r in rows if r["date"] < first_seizure]
    late = [r["importer_network_risk"] for r in rows if r["date"] > first_seizure]
    assert early and all(v == 0.0 for v in early if v is not None)
    assert max(v for v in late if v is not None) > 0.5


def test_with_every_seed_known_the_snapshot_is_the_network_risk_dataset(tmp_path) -> None:
    """The snapshot after the last seizure propagates from the same seeds as
    ``ringfence network risk``, through the same functions: the same risk and paths."""
    settings = Settings(data_dir=tmp_path)
    _world(settings)
    snapshots = load_snapshots(settings)
    assert snapshots is not None and snapshots.seed_day.size > 0
    latest = int(snapshots.seed_day[-1]) + 1
    dataset = pq.read_table(Lake(settings).parts("network_risk")).to_pydict()
    loc = snapshots.entities.get_indexer(dataset["entity_id"])
    np.testing.assert_allclose(snapshots.risk_at(latest)[loc], dataset["network_risk"], atol=1e-6)

    # The same chains; a seed seized several times is named by its earliest seizure here (known
    # first), by the alphabetically first there.
    def chain(path: str | None) -> str | None:
        return None if path is None else re.sub(r"seized shipment \S+ ", "seized shipment ", path)

    assert [chain(p) for p in snapshots.paths_at(latest)[loc]] == [
        chain(p) for p in dataset["path"]
    ]
    # Before any seizure is known nothing is at risk.
    assert not snapshots.risk_at(int(snapshots.seed_day[0])).any()


@pytest.mark.parametrize("day", [20, 45])
def test_a_later_seizure_never_changes_earlier_network_risk(tmp_path, day: int) -> None:
    """Turn every outcome dated on or after ``day`` into a seizure: the network risk of shipments
    dated on or before ``day`` stays the same, while later shipments do see the new seeds."""
    cut = START + dt.timedelta(days=day)
    _, outcomes = make_world(rows=ROWS, days=DAYS)
    late = pc.greater_equal(outcomes.column("date"), pa.scalar(cut, pa.date32()))
    seized = outcomes.set_column(
        outcomes.schema.get_field_index("positive"),
        "positive",
        pc.or_(outcomes.column("positive"), late),
    )
    seized = seized.set_column(
        seized.schema.get_field_index("result"),
        "result",
        pc.if_else(late, pa.scalar("seized"), seized.column("result")),
    )
    base_settings, seized_settings = (
        Settings(data_dir=tmp_path / "a"),
        Settings(data_dir=tmp_path / "b"),
    )
    _world(base_settings, outcomes)
    _world(seized_settings, seized)
    base, after = _by_id(base_settings), _by_id(seized_settings)
    earlier = [sid for sid, row in base.items() if row["date"] <= cut]
    for sid in earlier:
        for column in NETWORK_COLUMNS:
            assert base[sid][column] == after[sid][column], (sid, column)
    # The check has teeth: a period that starts after the cut sees the seizures.
    later = [
        sid
        for sid, row in base.items()
        if period_start((row["date"] - dt.date(1970, 1, 1)).days) > (cut - dt.date(1970, 1, 1)).days
    ]
    assert later and any(
        base[s]["importer_network_risk"] != after[s]["importer_network_risk"] for s in later
    )


def test_pairs_at_no_risk_are_not_bound_and_change_no_feature(tmp_path, monkeypatch) -> None:
    """``network_risk_at`` holds only the (party, period) pairs at risk: the feature query reads
    a party without a row as 0, so binding every pair (as before 2026-12-06, six join tables of
    mostly zeros) gives the same features, paths included."""
    settings = Settings(data_dir=tmp_path)
    _world(settings)
    bound: list[pa.Table] = []
    register = feature_module.register_network_risk

    def spy(engine, snapshots, keys_sql):  # type: ignore[no-untyped-def]
        register(engine, snapshots, keys_sql)
        bound.append(engine.query("SELECT * FROM network_risk_at"))
        bound.append(snapshots.lookup(engine.query(keys_sql)))  # every pair, as before

    def bind_every_pair(engine, snapshots, keys_sql):  # type: ignore[no-untyped-def]
        engine.register_arrow("network_risk_at", snapshots.lookup(engine.query(keys_sql)))

    monkeypatch.setattr(feature_module, "register_network_risk", spy)
    kept = _by_id(settings)
    at_risk, every = bound
    risk = every.column("network_risk").to_numpy()
    # The check has teeth: pairs at 0 and at risk both occur, and only the latter are bound.
    assert (risk == 0).any() and (risk > 0).any()
    assert at_risk.num_rows == (risk > 0).sum()
    monkeypatch.setattr(feature_module, "register_network_risk", bind_every_pair)
    assert _by_id(settings) == kept


def test_online_network_risk_equals_the_batch_feature(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    _world(settings)
    train(settings, START + dt.timedelta(days=50))
    from tests.score.test_online import _batch_matrix

    batch = _batch_matrix(settings)
    scorer = OnlineScorer.load(settings)
    assert set(NETWORK_COLUMNS) <= set(scorer.model.features)
    ids = batch.table.column("id").to_pylist()
    picks = np.random.default_rng(4).choice(len(ids), 300, replace=False)
    records = scorer.shipments.records([ids[p] for p in picks])
    online, _ = scorer._matrix(scorer._feature_rows(records))
    np.testing.assert_allclose(online, batch.x[picks], rtol=1e-9, atol=1e-9, equal_nan=True)
    rows = scorer._feature_rows(records)
    for column in (f"{role}_network_path" for role in PARTY_KEYS):
        paths = batch.table.column(column).to_pylist()
        assert [row[column] for row in rows] == [paths[p] for p in picks], column
    # Paths end at a seed known before the shipment's week, by its reason.
    shown = [p for p in batch.table.column("importer_network_path").to_pylist() if p]
    assert shown and all(p.endswith(" (test))") or p.endswith(" (test)") for p in shown)
    # A shipment posted for a week past the data uses every seed the lake knows.
    future = (START + dt.timedelta(days=DAYS + 2 * SNAPSHOT_DAYS)).isoformat()
    result = scorer.score_records([{"date": future, "importer": "imp-3"}])
    assert 0.0 <= result[0]["scores"]["ipr"] <= 1.0


def test_network_risk_in_words() -> None:
    words = feature_words("shipper_network_risk", {"shipper_network_risk": 0.8}, {})
    assert words == (
        "The shipper's entity is close to confirmed counterfeiters in the network (risk 0.80)"
    )
    far = feature_words("importer_network_risk", {"importer_network_risk": 0.1}, {})
    assert "far from" in far
    linked = feature_words("importer_network_risk", {"importer_network_risk": 0.6}, {})
    assert "linked to" in linked
    row = {"shipper_network_risk": 0.8, "log_weight_kg": 1.0, "shipper_network_path": "x"}
    names = ["shipper_network_risk", "log_weight_kg"]
    with_path = explain_row(np.array([1.5, 0.2, 0.0]), names, row, [], np.zeros(0, bool))
    assert with_path[1] == "Network path from the shipper: x"
    # No path when the network did not raise the score.
    without = explain_row(np.array([-1.5, 0.2, 0.0]), names, row, [], np.zeros(0, bool))
    assert not any(r.startswith("Network path") for r in without)
