"""Entity resolution with Splink: aliases found, common names kept apart, ids stable, pairs
explained, and every user mistake in compare-parties ends in one line with exit code 2."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.demo import ingest_world
from ringfence.errors import NotFoundError
from ringfence.resolve.compare import compare_pairs
from ringfence.resolve.explain import format_weight
from ringfence.resolve.ids import assign_entity_ids, hashed_entity_id
from ringfence.resolve.model import PROBABILITY_FLOOR
from ringfence.resolve.names import normalise_name
from ringfence.resolve.pipeline import resolve_parties
from ringfence.resolve.prepare import clean_name, clean_street
from ringfence.settings import Settings
from ringfence.sim import simulate
from ringfence.store.lake import Lake

# A world small enough for seconds, big enough that rings, forwarders and common names occur.
WORLD = {"seed": 11, "days": 6, "scale": 0.5}


def simulate_and_ingest(settings: Settings, seed: int, days: int, scale: float) -> None:
    """Simulate a world into ``data_dir/demo-world`` and ingest every feed (no later stages)."""
    world = settings.data_dir / "demo-world"
    simulate(world, seed=seed, days=days, scale=scale)
    ingest_world(settings, world)


def build_world(data_dir: Path) -> Settings:
    """Simulate and ingest a small world into ``data_dir``."""
    settings = Settings(data_dir=data_dir)
    simulate_and_ingest(settings, **WORLD)  # type: ignore[arg-type]
    return settings


def resolved_with_truth(settings: Settings) -> pd.DataFrame:
    """entity_mentions joined to the simulator's true entity of each mention."""
    lake = settings.lake_dir
    mentions = pq.read_table(lake / "entity_mentions").to_pandas()
    parties = pq.read_table(lake / "parties", columns=["id", "name", "phone"]).to_pandas()
    truth = pd.read_parquet(settings.data_dir / "demo-world" / "truth" / "parties.parquet")
    truth = truth.drop(columns=["source_key"]).rename(
        columns={"mention_key": "source_key", "entity_id": "true_id"}
    )
    joined = mentions.merge(truth[["organisation", "source_key", "true_id", "ring_id"]])
    return joined.merge(parties.rename(columns={"id": "mention_id"}), on="mention_id")


def pairwise_f1(frame: pd.DataFrame, predicted: str, truth: str) -> float:
    """Pairwise F1 of one partition of the rows against another."""

    def pairs(*columns: str) -> float:
        sizes = frame.groupby(list(columns)).size()
        return float((sizes * (sizes - 1) / 2).sum())

    both, pred, true = pairs(predicted, truth), pairs(predicted), pairs(truth)
    if pred == 0 or true == 0:
        return 1.0 if pred == true else 0.0
    return 2 * both / (pred + true)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A small simulated world, ingested and resolved once for this module."""
    settings = build_world(tmp_path_factory.mktemp("resolution") / "data")
    resolve_parties(settings)
    yield settings


def test_cleaning_folds_names_and_addresses() -> None:
    assert clean_name("ZHOU Na") == clean_name("Na  Zhou") == "na zhou"
    assert clean_name("Meridian Trading sp. z o. o.") == "meridian trading"
    assert clean_name("Жуков Иван") == "ivan zukov"
    assert clean_street("NO. 236 JALAN IPOH") == clean_street("Jalan Ipoh 236")
    assert clean_name("Müller GmbH") == normalise_name("Müller GmbH")


def test_resolution_matches_truth_finds_aliases_and_keeps_common_names_apart(
    world: Settings,
) -> None:
    frame = resolved_with_truth(world)
    assert pairwise_f1(frame, "entity_id", "true_id") >= 0.95
    # Every ring alias written several ways (sharing its phone) is one entity.
    ring = frame[frame["ring_id"].notna() & frame["phone"].notna()]
    per_alias = ring.groupby("true_id")["entity_id"].nunique()
    assert len(per_alias) > 0
    assert (per_alias == 1).mean() >= 0.95
    # Different parties that share only a (common) name, not a phone, stay apart.
    frame["clean"] = frame["name"].map(clean_name)
    columns = ["true_id", "entity_id", "phone"]
    namesakes = [
        (a, b)
        for _, group in frame.groupby("clean")
        if group["true_id"].nunique() > 1
        for (a, b) in combinations(group[columns].itertuples(index=False), 2)
        if a.true_id != b.true_id and (a.phone is None or a.phone != b.phone)
    ]
    assert len(namesakes) >= 50, "the small world should contain namesakes"
    merged = sum(a.entity_id == b.entity_id for a, b in namesakes)
    assert merged / len(namesakes) <= 0.02


def test_entities_dataset(world: Settings) -> None:
    entities = pq.read_table(world.lake_dir / "entities").to_pandas()
    mentions = pq.read_table(world.lake_dir / "entity_mentions").to_pandas()
    assert set(entities.columns) >= {
        "entity_id", "schema", "name", "country", "phones", "emails", "identifiers",
        "mention_count", "organisations", "watchlisted",
    }  # fmt: skip
    assert entities["entity_id"].is_unique
    assert entities["mention_count"].sum() == len(mentions)
    assert set(mentions["feed"]) == {"parties"}
    watchlisted = set(mentions.loc[mentions["role"] == "watchlist", "entity_id"])
    assert set(entities.loc[entities["watchlisted"], "entity_id"]) == watchlisted


def test_model_is_saved(world: Settings) -> None:
    folder = world.data_dir / "models" / "resolution"
    assert (folder / "splink_settings.json").is_file()
    assert (folder / "tf_name_norm.parquet").is_file()


def test_ids_are_stable_when_data_is_added(tmp_path: Path) -> None:
    settings = build_world(tmp_path / "data")
    resolve_parties(settings)
    before = pq.read_table(settings.lake_dir / "entity_mentions").to_pandas()
    # New data: a second writing of some known parties, plus parties nobody saw before.
    parties = pq.read_table(settings.lake_dir / "parties")
    extra = parties.slice(0, 40).to_pandas()
    extra["id"] = "pa-new-" + extra["id"]
    extra["source_key"] = "again:" + extra["source_key"]
    fresh = extra.iloc[30:].copy()
    fresh["name"] = [f"Brand New Party {i}" for i in range(len(fresh))]
    fresh["phone"] = [f"+4930{9000000 + i}" for i in range(len(fresh))]
    fresh["email"] = fresh["street"] = None
    added = pd.concat([extra.iloc[:30], fresh])
    Lake(settings).write_table(
        "parties", pa.Table.from_pandas(added, schema=parties.schema, preserve_index=False), "t"
    )
    summary = resolve_parties(settings)
    after = pq.read_table(settings.lake_dir / "entity_mentions").to_pandas()
    kept = before.merge(after, on="mention_id", suffixes=("_before", "_after"))
    assert (kept["entity_id_before"] == kept["entity_id_after"]).mean() >= 0.99
    assert summary.kept_ids == int((kept["entity_id_before"] == kept["entity_id_after"]).sum())
    # The re-written known parties joined their existing entities.
    ids = after.set_index("mention_id")["entity_id"]
    copies = extra.iloc[:30]
    same = [ids[c] == ids[c.removeprefix("pa-new-")] for c in copies["id"]]
    assert sum(same) / len(same) >= 0.9


def test_entity_ids_follow_the_majority_and_splits_get_new_ids() -> None:
    previous = pd.DataFrame({"mention_id": ["a", "b", "c", "d"], "entity_id": ["E1"] * 3 + ["E2"]})
    # a, b stay together; c split off alone; d merged into the a/b cluster; e is new.
    clusters = pd.DataFrame({"mention_id": list("abcde"), "cluster_id": [1, 1, 2, 1, 3]})
    ids = list(assign_entity_ids(clusters, previous))
    assert ids[0] == ids[1] == ids[3] == "E1"
    assert ids[2] == hashed_entity_id("c")
    assert ids[4] == hashed_entity_id("e")
    first = list(assign_entity_ids(clusters, None))
    assert first[0] == hashed_entity_id("a")


# -- compare-parties -------------------------------------------------------------------------

PAIRS = [
    {  # one ring alias written by two partners: same phone, name reordered with a typo
        "left_name": "ZHOU Na", "left_phone": "+8618671033917", "left_country": "CN",
        "left_street": "236 Longhua Road", "left_city": "Shenzhen", "left_postcode": "518006",
        "right_name": "Na Zhhou", "right_phone": "+86 186 7103 3917", "right_country": "CN",
        "right_street": "No. 236 Longhua Rd", "right_city": "Shenzhen", "right_postcode": "518006",
        "left_schema": "Person", "right_schema": "Person",
    },
    {  # two different people with a very common name
        "left_name": "Zhang Wei", "left_country": "CN", "left_phone": "+8613800138000",
        "right_name": "Wei ZHANG", "right_country": "CN", "right_phone": "+8613912345678",
        "left_schema": "Person", "right_schema": "Person",
    },
    {"left_name": "Acme Ltd", "right_name": ""},
]  # fmt: skip


def write_pairs(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = sorted({c for row in rows for c in row})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_cli(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_compare_parties_cli_contract(world: Settings, tmp_path: Path) -> None:
    pairs = write_pairs(tmp_path / "pairs.csv", PAIRS)
    out = tmp_path / "scored.csv"
    code, _, stderr = run_cli(
        "compare-parties", pairs, "--out", out, "--data-dir", world.data_dir, "--model", "trained"
    )
    assert code == 0, stderr
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(scored.columns[-3:]) == ["score", "reasons", "error"]
    assert set(pd.read_csv(pairs).columns) <= set(scored.columns)
    scores = scored["score"].astype(float)
    assert scores.between(0, 1).all()
    assert (scored["reasons"].str.len() > 0).all()
    assert scores[0] >= 0.5 and "phone identical (+" in scored["reasons"][0]
    assert scores[1] < 0.5 and "phone differs (\N{MINUS SIGN}" in scored["reasons"][1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\n1,2\n", "needs left_* and right_* columns"),
        ("left_name,right_name,left_schema\nA,B,Robot\n", "schema must be a FollowTheMoney"),
        ("left_name,right_name,right_schema\nA,B,Address\n", "field 'right_schema'"),
        ("", "not a readable CSV file"),
    ],
)
def test_compare_parties_bad_csv_is_one_line_exit_2(
    world: Settings, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    code, stdout, stderr = run_cli("compare-parties", bad, "--data-dir", world.data_dir)
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr + stdout


def test_compare_without_model_tells_to_resolve_first(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="run `ringfence resolve` first"):
        compare_pairs(Settings(data_dir=tmp_path), pd.DataFrame(PAIRS[:1]), model="trained")


def test_weights_are_written_with_a_true_minus() -> None:
    assert format_weight(8.21) == "+8.2"
    assert format_weight(-1.0) == "\N{MINUS SIGN}1.0"


def test_a_rare_value_is_evidence_within_the_floor_bound(world: Settings) -> None:
    """Term-frequency adjustment may lower a common value's weight but never lift a rare one
    past log2(1 / PROBABILITY_FLOOR) bits: a coinciding e-mail must not outvote a different
    phone and address (namesakes were merged at 1M mentions before the bound)."""
    parties = pq.read_table(world.lake_dir / "parties", columns=["email"]).to_pandas()
    counts = parties["email"].dropna().value_counts()
    rare = counts[counts == 1].index[0]
    pair = {"left_name": "A", "right_name": "B", "left_email": rare, "right_email": rare}
    reasons = compare_pairs(world, pd.DataFrame([pair]), model="trained")["reasons"][0]
    weight = re.search(r"e-mail identical \(\+([0-9.]+)\)", reasons)
    assert weight is not None, reasons
    assert float(weight.group(1)) <= math.log2(1 / PROBABILITY_FLOOR) + 0.05
