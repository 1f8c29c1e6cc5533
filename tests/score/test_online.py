"""The online scorer equals the batch path (features, scores, reasons) and checks posted fields."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.errors import NotFoundError, UserError
from ringfence.score.model import load_model
from ringfence.score.online import OnlineScorer, parse_record
from ringfence.score.pipeline import load_matrix, train
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from tests.score.world import make_world, repeat_amounts, write_world


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("online"))
    shipments, outcomes = make_world(rows=2500, days=100)
    # Leave some parties and prices missing so null handling is compared too.
    holes = np.random.default_rng(1).random(shipments.num_rows) < 0.1
    for name in ("importer_ref", "declared_value"):
        column = shipments.column(name).combine_chunks()
        values = column.to_pylist()
        masked = pa.array(
            [None if h else v for h, v in zip(holes, values, strict=True)], column.type
        )
        shipments = shipments.set_column(shipments.schema.get_field_index(name), name, masked)
    shipments = repeat_amounts(shipments)
    write_world(settings, shipments, outcomes)
    train(settings, dt.date(2024, 3, 20))
    return settings


def _batch_matrix(settings: Settings):
    """The batch path's matrix with the latest model's profile prior (train chooses it)."""
    weight = load_model(settings).prior_weight
    engine = open_engine(settings)
    try:
        matrix, _, _ = load_matrix(settings, engine, None, prior_weight=weight)
    finally:
        engine.close()
    return matrix


def test_features_equal_the_sql_features(trained: Settings) -> None:
    scorer = OnlineScorer.load(trained)
    batch = _batch_matrix(trained)
    ids = batch.table.column("id").to_pylist()
    picks = np.random.default_rng(2).choice(len(ids), 300, replace=False)
    records = scorer.shipments.records([ids[p] for p in picks])
    online, _ = scorer._matrix(scorer._feature_rows(records))
    assert scorer.model.features == batch.names
    np.testing.assert_allclose(online, batch.x[picks], rtol=1e-9, atol=1e-9, equal_nan=True)
    # Not vacuous for the exact-amount key: some picked rows read a past inspection through it.
    assert np.nansum(online[:, batch.names.index("hs6_value_inspections")]) > 0


def test_scores_and_reasons_equal_the_batch_path(trained: Settings) -> None:
    scorer = OnlineScorer.load(trained)
    ids = ["sh-000010", "sh-001200", "sh-002499"]
    batch = {item["id"]: item for item in score_shipments(trained, ids)}
    for item in scorer.score_ids(ids):
        expected = batch[item["id"]]
        assert item["source_key"] == expected["source_key"]
        assert item["model_version"] == expected["model_version"] == scorer.version
        for label, score in expected["scores"].items():
            assert item["scores"][label] == pytest.approx(score, rel=1e-9)
        assert item["reasons"] == expected["reasons"]
    with pytest.raises(NotFoundError, match="sh-nope"):
        scorer.score_ids(["sh-000010", "sh-nope"])


def test_a_posted_shipment_scores_as_it_would_once_ingested(trained: Settings) -> None:
    scorer = OnlineScorer.load(trained)
    posted = {
        "id": "sh-new", "date": "2024-04-15", "importer": "imp-3", "seller": "sel-3",
        "hs_code": "420221", "origin_country": "cn", "port": "10", "weight_kg": 2.5,
        "declared_value": "120.5", "value_at_stake": 30, "departure_country": "HK",
        "transit_countries": "ae;tr", "consignee": "con-5",
    }  # fmt: skip
    (online,) = scorer.score_records([posted])
    (features,) = scorer._feature_rows([parse_record(posted, 0)])
    assert features["transit_legs"] == 2 and features["transshipment"] == 1
    assert features["consignee_address_consignees_30d"] > 0
    # Now ingest it for real and score it through the batch path.
    row = {**{k: v for k, v in posted.items() if k not in ("importer", "seller")},
           "importer_ref": "imp-3", "seller_ref": "sel-3", "source_key": "sh-new",
           "consignee_ref": "con-5", "transit_countries": ["AE", "TR"],
           "organisation": "test", "kind": "declaration", "date": dt.date(2024, 4, 15),
           "origin_country": "CN", "declared_value": 120.5, "value_at_stake": 30.0}  # fmt: skip
    existing = pq.read_schema(Lake(trained).parts("shipments")[0])
    table = pa.table({n: pa.array([row.get(n)], existing.field(n).type) for n in existing.names})
    Lake(trained).write_table("shipments", table, "posted")
    (batch,) = score_shipments(trained, ["sh-new"])
    for label, score in batch["scores"].items():
        assert online["scores"][label] == pytest.approx(score, rel=1e-9)
    assert online["reasons"] == batch["reasons"]
    for path in Lake(trained).parts("shipments"):
        if path.name.endswith("-posted.parquet"):
            path.unlink()


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"date": "2024-04-01", "colour": "red"}, "unknown field 'colour'"),
        ({"date": "yesterday"}, "field 'date'"),
        ({"date": "2024-04-01", "weight_kg": "heavy"}, "field 'weight_kg'"),
        ({"date": "2024-04-01", "declared_value": float("nan")}, "field 'declared_value'"),
        ({"date": "2024-04-01", "origin_country": "Atlantis"}, "field 'origin_country'"),
        ({"date": "2024-04-01", "quantity": [1, 2]}, "field 'quantity'"),
        ({"date": "2024-04-01", "transit_countries": "AE;Narnia"}, "field 'transit_countries'"),
        ({"importer": "imp-1"}, "field 'date' is required"),
    ],
)
def test_bad_posted_fields_name_the_field(trained: Settings, record, message) -> None:
    scorer = OnlineScorer.load(trained)
    with pytest.raises(UserError, match=message):
        scorer.score_records([{"id": "x", "date": "2024-04-01"}, record])


def test_organisation_keys_are_hashed_like_ingestion(trained: Settings) -> None:
    scorer = OnlineScorer.load(trained)
    parsed = parse_record({"date": "2024-04-01", "importer": "A1"}, 0, organisation="acme")
    assert parsed["importer_ref"].startswith("pa-") and parsed["importer_ref"] != "A1"
    assert parse_record({"date": "2024-04-01", "importer": "A1"}, 0)["importer_ref"] == "A1"
    assert scorer.score_records([]) == []


def test_resolved_entities_pool_party_history(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    write_world(settings, *make_world(rows=1500, days=60))
    train(settings, dt.date(2024, 2, 20))
    before = _batch_matrix(settings)
    # Resolution says importers 0-9 are one entity and 10-19 another.
    mentions = [f"imp-{i}" for i in range(20)]
    entities = ["ent-bad" if i < 10 else "ent-other" for i in range(20)]
    Lake(settings).write_table(
        "entity_mentions",
        pa.table({"mention_id": mentions, "entity_id": entities, "role": ["importer"] * 20}),
        "resolve",
    )
    after = _batch_matrix(settings)
    column = after.names.index("importer_inspections")
    ids = after.table.column("id").to_pylist()
    row_after = {i: after.x[r, column] for r, i in enumerate(ids)}
    row_before = {
        i: before.x[r, column] for r, i in enumerate(before.table.column("id").to_pylist())
    }
    importers = dict(zip(*(make_world(rows=1500, days=60)[0].column(c).to_pylist()
                           for c in ("id", "importer_ref")), strict=True))  # fmt: skip
    pooled = [i for i in ids if importers[i] in mentions[:10]]
    assert sum(row_after[i] > row_before[i] for i in pooled) > len(pooled) / 2
    unmapped = [i for i in ids if importers[i] not in mentions]
    assert all(row_after[i] == row_before[i] for i in unmapped)
    scorer = OnlineScorer.load(settings)
    picks = np.random.default_rng(5).choice(len(ids), 200, replace=False)
    online, _ = scorer._matrix(
        scorer._feature_rows(scorer.shipments.records([ids[p] for p in picks]))
    )
    np.testing.assert_allclose(online, after.x[picks], rtol=1e-9, atol=1e-9, equal_nan=True)


def test_watchlisted_parties_count_only_after_the_listing(tmp_path) -> None:
    from tests.score.world import feed_table

    settings = Settings(data_dir=tmp_path)
    shipments, outcomes = make_world(rows=1500, days=60)
    write_world(settings, shipments, outcomes)
    lake = Lake(settings)
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    lake.write_table("parties", feed_table("parties", {
        "id": ["pa-w1", "pa-w2"], "organisation": ["ipr", "ipr"], "role": ["watchlist"] * 2,
        "source_key": ["watchlist:W1", "watchlist:W2"], "name": ["Bad Co", "Undated Co"],
    }, 2), "test")  # fmt: skip
    lake.write_table("watchlist", feed_table("watchlist", {
        "id": ["wa-1", "wa-2"], "organisation": ["ipr", "ipr"], "source_key": ["W1", "W2"],
        "name": ["Bad Co", "Undated Co"], "confirmed_at": [dt.date(2024, 2, 1), None],
        "ingested_at": [now, now],
    }, 2), "test")  # fmt: skip
    lake.write_table("entity_mentions", pa.table({
        "mention_id": ["imp-3", "pa-w1", "imp-4", "pa-w2"],
        "entity_id": ["ent-bad", "ent-bad", "ent-undated", "ent-undated"],
    }), "resolve")  # fmt: skip
    train(settings, dt.date(2024, 2, 20))
    matrix = _batch_matrix(settings)
    column = matrix.names.index("importer_watchlisted")
    flags = dict(zip(matrix.table.column("id").to_pylist(), matrix.x[:, column], strict=True))
    rows = shipments.select(["id", "date", "importer_ref"]).to_pylist()
    for row in rows:
        listed = row["importer_ref"] == "imp-3" and row["date"] > dt.date(2024, 2, 1)
        assert flags[row["id"]] == float(listed), row  # imp-4's undated entry is "known" in 2030
    assert sum(flags.values()) > 0
    scorer = OnlineScorer.load(settings)
    ids = [r["id"] for r in rows if r["importer_ref"] in ("imp-3", "imp-4")]
    online, _ = scorer._matrix(scorer._feature_rows(scorer.shipments.records(ids)))
    index = {i: n for n, i in enumerate(matrix.table.column("id").to_pylist())}
    expected = matrix.x[[index[i] for i in ids]]
    np.testing.assert_allclose(online, expected, rtol=1e-9, atol=1e-9, equal_nan=True)
