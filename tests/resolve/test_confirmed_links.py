"""Confirmed links: a watchlist entry naming the seller account it banned is one entity with
that account even when the model alone would not match them; the confirmed pairs train m;
without confirmed links training is what it was."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ringfence.demo import ingest_world
from ringfence.ingest.pipeline import ingest_files
from ringfence.model.records.base import make_id
from ringfence.resolve.compare import compare_pairs
from ringfence.resolve.confirmed import confirmed_links
from ringfence.resolve.model import (
    MATCH_THRESHOLD,
    MIN_LABEL_PAIRS,
    db_api_for,
    settings_creator,
    train,
)
from ringfence.resolve.pipeline import resolve_parties
from ringfence.resolve.prepare import prepare_mentions, source_select
from ringfence.settings import Settings
from ringfence.sim import simulate
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake

# The same small world as test_resolution.py: seconds to build, rings and banned sellers occur.
WORLD = {"seed": 11, "days": 6, "scale": 0.5}
LABEL_SESSION = "estimate m from pairwise labels"


def write_watchlist(path: Path, seller_key: str | None) -> Path:
    """One watchlist entry in the canonical format that shares nothing with any seller."""
    row = {
        "id": "WL-TEST-1",
        "schema": "Company",
        "name": "Quillon Verdant Holdings",
        "street": "Unit 9 Harbour Works",
        "city": "Gdansk",
        "postcode": "80-001",
        "country": "PL",
        "phone": "+48587770123",
        "email": "accounts@quillon-verdant.example",
        "seller_account": seller_key or "",
    }
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, pd.Series]]:
    """A small simulated world plus one entry confirming a seller under another identity,
    resolved once; yields the settings and that seller's row of the ``sellers`` dataset."""
    data_dir = tmp_path_factory.mktemp("confirmed") / "data"
    settings = Settings(data_dir=data_dir)
    simulate(data_dir / "demo-world", **WORLD)  # type: ignore[arg-type]
    ingest_world(settings, data_dir / "demo-world")
    sellers = pq.read_table(settings.lake_dir / "sellers").to_pandas().sort_values("id")
    seller = sellers.iloc[0]
    entry = write_watchlist(data_dir / "watchlist.csv", seller["source_key"])
    ingest_files(settings, "watchlist", [entry], organisation=seller["organisation"])
    resolve_parties(settings)
    yield settings, seller


def entity_of(settings: Settings) -> pd.Series:
    mentions = pq.read_table(settings.lake_dir / "entity_mentions").to_pandas()
    return mentions.set_index("mention_id")["entity_id"]


def test_the_sim_marketplace_names_the_accounts_it_banned(
    world: tuple[Settings, pd.Series],
) -> None:
    settings, _ = world
    watchlist = pq.read_table(settings.lake_dir / "watchlist").to_pandas()
    bazaar = watchlist[watchlist["organisation"] == "bazaar"]
    assert bazaar["seller_account_ref"].notna().all()
    sellers = pq.read_table(settings.lake_dir / "sellers", columns=["id"]).to_pandas()
    assert bazaar["seller_account_ref"].isin(sellers["id"]).all()
    # The IP-crime unit does not know marketplace accounts: its entries name none.
    assert watchlist.loc[watchlist["organisation"] != "bazaar", "seller_account_ref"].isna().all()


def test_every_confirmed_pair_is_one_entity(world: tuple[Settings, pd.Series]) -> None:
    settings, _ = world
    engine = open_engine(settings)
    try:
        lake = Lake(settings)
        lake.register(engine, "parties")
        ids = engine.query("SELECT id FROM parties").column("id")
        pairs = confirmed_links(lake, engine, ids)
    finally:
        engine.close()
    assert len(pairs) >= 2  # the sim's banned accounts and the test's entry
    entity = entity_of(settings)
    assert (
        entity[pairs["unique_id_l"]].to_numpy() == entity[pairs["unique_id_r"]].to_numpy()
    ).all()


def test_a_confirmed_link_joins_mentions_whose_names_differ(
    world: tuple[Settings, pd.Series],
) -> None:
    settings, seller = world
    entry_id = make_id(seller["organisation"], "parties", "watchlist:WL-TEST-1")
    seller_id = make_id(seller["organisation"], "parties", f"seller:{seller['source_key']}")
    entity = entity_of(settings)
    assert entity[entry_id] == entity[seller_id]
    # The model alone would not match them: the link, not the fields, joined them.
    parties = pq.read_table(settings.lake_dir / "parties").to_pandas().set_index("id")
    fields = ["name", "street", "city", "postcode", "country", "phone", "email"]
    pair = {f"left_{f}": parties.at[entry_id, f] for f in fields}
    pair |= {f"right_{f}": parties.at[seller_id, f] for f in fields}
    scored = compare_pairs(settings, pd.DataFrame([pair]).fillna(""), model="trained")
    assert scored["score"].iloc[0] < MATCH_THRESHOLD


def trained_model(
    settings: Settings, confirmed: pd.DataFrame | None
) -> dict[str, tuple[list[str], float]]:
    """Train on the world's mentions; per level, the training sessions that estimated its m,
    and its final m."""
    from splink import Linker

    engine = open_engine(settings)
    try:
        Lake(settings).register(engine, "parties")
        cleaned = prepare_mentions(engine.query(source_select()))
        db_api = db_api_for(engine, settings.data_dir / "tmp" / "splink")
        linker = Linker(db_api.register(cleaned), settings_creator(), log_level=None)
        train(linker, cleaned, confirmed=confirmed)
    finally:
        engine.close()
    sessions: dict[str, tuple[list[str], float]] = {}
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            key = f"{comparison.output_column_name}/{level.label_for_charts}"
            done = [r["description"] for r in level._trained_m_probabilities]
            sessions[key] = (done, float(level.m_probability))
    return sessions


def test_confirmed_pairs_train_m_and_without_them_training_is_unchanged(
    world: tuple[Settings, pd.Series],
) -> None:
    settings, _ = world
    # Confirmed pairs stand in from the simulator's truth: mentions of one true party.
    truth = pd.read_parquet(settings.data_dir / "demo-world" / "truth" / "parties.parquet")
    truth["id"] = [
        make_id(o, "parties", k)
        for o, k in zip(truth["organisation"], truth["mention_key"], strict=True)
    ]
    firsts = truth.drop_duplicates("entity_id")[["entity_id", "id"]]
    seconds = truth[~truth["id"].isin(firsts["id"])].drop_duplicates("entity_id")
    labels = firsts.merge(seconds[["entity_id", "id"]], on="entity_id", suffixes=("_l", "_r"))
    labels = labels.rename(columns={"id_l": "unique_id_l", "id_r": "unique_id_r"})
    assert len(labels) >= MIN_LABEL_PAIRS
    with_labels = trained_model(settings, labels.head(200))
    assert any(LABEL_SESSION in s for s, _ in with_labels.values())

    plain = trained_model(settings, None)
    empty = trained_model(settings, labels.head(0))
    assert not any(LABEL_SESSION in s for s, _ in plain.values())
    assert any(with_labels[k][1] != pytest.approx(m, rel=1e-6) for k, (_, m) in plain.items())
    # The same sessions and the same m (DuckDB's parallel sums may differ in the last digit).
    assert {k: s for k, (s, _) in empty.items()} == {k: s for k, (s, _) in plain.items()}
    assert {k: m for k, (_, m) in empty.items()} == pytest.approx(
        {k: m for k, (_, m) in plain.items()}, rel=1e-9
    )
