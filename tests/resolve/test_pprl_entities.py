"""PPRL entities mode (``pprl match --entities``): links scored across and within the two sides,
closed into entities above a high link threshold; every record once, named stably."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.errors import UserError
from ringfence.resolve.pprl import DEFAULT_THRESHOLD, encode_parties, match_encodings
from ringfence.resolve.pprl.entities import (
    CLK_LINK_THRESHOLD,
    FIELD_LINK_THRESHOLD,
    Links,
    components,
    default_link_threshold,
    entity_pairs,
    entity_table,
    link_entities,
    score_links,
)
from ringfence.resolve.pprl.field_model import default_field_model
from ringfence.resolve.pprl.io import write_encodings
from ringfence.resolve.pprl.params import FIELD_PARAMS, PprlParams, ScoreModel
from tests.resolve.test_pprl import MUELLER, SECRET, ZHANG, Row, _run, parties

ANNA: Row = {"id": "a3", "name": "Anna Berg", "country": "SE", "city": "Malmo"}
LI_NA: Row = {"id": "b1", "name": "Li Na", "country": "CN", "email": "ln@example.com"}
CHAIN = ([ZHANG], [{**LI_NA, "phone": ZHANG["phone"]}, {**LI_NA, "id": "b2"}])


def _entities(
    left: list[Row],
    right: list[Row],
    params: PprlParams | None = None,
    link_threshold: float | None = None,
) -> dict[tuple[str, str], str]:
    params = params or PprlParams()
    one, other = (encode_parties(parties(*rows), SECRET, params) for rows in (left, right))
    table = link_entities(one, other, link_threshold)
    return {(r["side"], r["id"]): r["entity_id"] for r in table.to_pylist()}


def test_every_record_appears_once_and_singletons_are_kept() -> None:
    left = [ZHANG, MUELLER, ANNA, {"id": "a4"}]  # a4 holds nothing but its id
    right = [{**ZHANG, "id": "b1"}, {"id": "b2", "name": "Pierre Dupont", "country": "FR"}]
    table = link_entities(*(encode_parties(parties(*rows), SECRET) for rows in (left, right)))
    keys = [(r["side"], r["id"]) for r in table.to_pylist()]
    assert sorted(keys) == sorted(
        [("left", r["id"]) for r in left] + [("right", r["id"]) for r in right]
    )
    entity = dict(zip(keys, table["entity_id"].to_pylist(), strict=True))
    assert entity[("left", "a1")] == entity[("right", "b1")] == "left:a1"
    assert entity[("left", "a4")] == "left:a4"
    assert entity[("right", "b2")] == "right:b2"
    assert len(set(entity.values())) == 5
    # An empty file on one side: the other's records are all still there.
    empty = encode_parties(parties(ZHANG), SECRET).slice(0, 0)
    alone = link_entities(empty, encode_parties(parties(*right), SECRET))
    assert alone["entity_id"].to_pylist() == ["right:b1", "right:b2"]


def test_a_duplicate_within_one_side_joins_the_entity() -> None:
    # b9 is the same party as a1 and b1 but would have no partner in pairwise matching of a
    # right record: only the right-vs-right link brings it in.
    twin = {**ZHANG, "id": "b9"}
    entity = _entities([ZHANG], [{**ZHANG, "id": "b1"}, twin])
    assert entity[("right", "b9")] == entity[("right", "b1")] == entity[("left", "a1")]
    # A duplicate on the left side alone, with no record on the right, is an entity too.
    entity = _entities([ZHANG, {**ZHANG, "id": "a0"}], [ANNA])
    assert entity[("left", "a1")] == entity[("left", "a0")] == "left:a0"


def test_a_chain_below_the_link_threshold_is_not_merged() -> None:
    # a1 - b1 share a phone only (noisy-OR score 0.8); b1 - b2 are one name with one e-mail
    # (score 1); a1 and b2 share nothing and are never compared. At a link threshold of 0.9
    # only b1 - b2 link; at 0.5 (the CLK's default) the chain closes a1 into their entity.
    left, right = CHAIN
    pairs = match_encodings(*(encode_parties(parties(*r), SECRET) for r in (left, right)))
    assert [(r["right_id"], r["score"]) for r in pairs.to_pylist()] == [("b1", 0.8)]
    high = _entities(left, right, link_threshold=0.9)
    assert high[("right", "b1")] == high[("right", "b2")] == "right:b1" != high[("left", "a1")]
    for low in (_entities(left, right, link_threshold=0.5), _entities(left, right)):
        assert low[("right", "b1")] == low[("right", "b2")] == low[("left", "a1")] == "left:a1"


def test_the_default_link_threshold_follows_the_score_model() -> None:
    # With field filters the shipped field model scores the phone-only pair below its high
    # default link threshold, so the chain stays open; a fitted model gets the same default.
    left, right = CHAIN
    entity = _entities(left, right, FIELD_PARAMS)
    assert entity[("right", "b1")] == entity[("right", "b2")] != entity[("left", "a1")]
    assert default_link_threshold(default_field_model()) == FIELD_LINK_THRESHOLD
    assert default_link_threshold(ScoreModel()) == CLK_LINK_THRESHOLD
    # Closing links chains records: the field model's default must stay well above the
    # pairwise threshold, and the CLK's never below it.
    assert 0.9 <= FIELD_LINK_THRESHOLD < 1.0
    assert DEFAULT_THRESHOLD <= CLK_LINK_THRESHOLD < 1.0


def test_components_close_links_transitively_and_only_above_the_threshold() -> None:
    # Left rows 0, 1; right rows 2, 3 (numbered left first). 0-2 and 2-3 link at 0.9, 1-3 not.
    links = Links(2, 2, np.array([0, 2, 1]), np.array([2, 3, 3]), np.array([0.99, 0.99, 0.9]))
    labels = components(links, 0.95)
    assert labels[0] == labels[2] == labels[3] != labels[1]
    assert len(set(components(links, 0.85).tolist())) == 1
    table = entity_table(pa.array(["p", "q"]), pa.array(["r", "s"]), labels)
    assert entity_pairs(table).to_pylist() == [{"left_id": "p", "right_id": "r"},
                                               {"left_id": "p", "right_id": "s"}]  # fmt: skip


def test_entity_names_do_not_depend_on_record_order() -> None:
    left = [ZHANG, {**ZHANG, "id": "a0"}, MUELLER, ANNA]
    right = [{**ZHANG, "id": "b1"}, {**MUELLER, "id": "b2"}]
    forward = _entities(left, right, FIELD_PARAMS)
    backward = _entities(left[::-1], right[::-1], FIELD_PARAMS)
    assert forward == backward
    assert forward[("left", "a1")] == "left:a0"
    assert forward[("right", "b2")] == forward[("left", "a2")] == "left:a2"


def test_within_side_links_use_the_same_blocking_and_model() -> None:
    enc = encode_parties(parties(ZHANG, {**ZHANG, "id": "a0"}, ANNA), SECRET, FIELD_PARAMS)
    other = encode_parties(parties({**ANNA, "id": "b1"}), SECRET, FIELD_PARAMS)
    links = score_links(enc, other)
    within = {(int(a), int(b)) for a, b in zip(links.a, links.b, strict=True) if b < 3}
    assert within == {(0, 1)}  # a1-a0 share blocks; Anna shares none with them, nor herself
    assert (links.a < links.b).all()


def test_a_link_threshold_out_of_range_is_refused() -> None:
    enc = encode_parties(parties(ZHANG), SECRET)
    for bad in (0.0, 1.5, -0.1):
        with pytest.raises(UserError, match="link threshold"):
            link_entities(enc, enc, link_threshold=bad)


# --- the command line -------------------------------------------------------------------------


@pytest.fixture()
def encoded(tmp_path: Path) -> Path:
    left = parties(ZHANG, {**ZHANG, "id": "a0"}, MUELLER, ANNA)
    right = parties({**ZHANG, "id": "b1"}, {"id": "b2", "name": "Pierre Dupont", "country": "FR"})
    write_encodings(encode_parties(left, SECRET), tmp_path / "l.parquet")
    write_encodings(encode_parties(right, SECRET), tmp_path / "r.parquet")
    return tmp_path


EXPECTED = {
    ("left", "a0"): "left:a0", ("left", "a1"): "left:a0", ("right", "b1"): "left:a0",
    ("left", "a2"): "left:a2", ("left", "a3"): "left:a3", ("right", "b2"): "right:b2",
}  # fmt: skip


@pytest.mark.parametrize("name", ["e.csv", "e.parquet"])
def test_cli_writes_entities(encoded: Path, name: str) -> None:
    out = encoded / name
    code, stdout, stderr = _run(
        "pprl", "match", encoded / "l.parquet", encoded / "r.parquet", "--entities", "--out", out
    )
    assert code == 0, stderr
    assert "6 records in 4 entities" in stdout
    if name.endswith(".csv"):
        with out.open() as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == ["side", "id", "entity_id"]
    else:
        rows = pq.read_table(out).to_pylist()
    assert {(r["side"], r["id"]): r["entity_id"] for r in rows} == EXPECTED


def test_cli_entities_on_stdout_and_the_same_every_run(encoded: Path) -> None:
    args = ("pprl", "match", encoded / "l.parquet", encoded / "r.parquet", "--entities")
    first, second = _run(*args), _run(*args)
    assert first[0] == 0 and first == second
    assert "left:a0" in first[1] and "right:b2" in first[1]
    for run in range(2):
        _run(*args, "--out", encoded / f"run{run}.parquet")
    assert pq.read_table(encoded / "run0.parquet").equals(pq.read_table(encoded / "run1.parquet"))


def test_cli_link_threshold_changes_the_entities(tmp_path: Path) -> None:
    for name, rows in zip(("l.parquet", "r.parquet"), CHAIN, strict=True):
        write_encodings(encode_parties(parties(*rows), SECRET), tmp_path / name)
    found = []
    for extra in (("--link-threshold", "0.9"), ()):
        code, _, stderr = _run(
            "pprl", "match", tmp_path / "l.parquet", tmp_path / "r.parquet", "--entities",
            *extra, "--out", tmp_path / "e.csv",
        )  # fmt: skip
        assert code == 0, stderr
        with (tmp_path / "e.csv").open() as handle:
            found.append({r["id"]: r["entity_id"] for r in csv.DictReader(handle)})
    assert found[0] == {"a1": "left:a1", "b1": "right:b1", "b2": "right:b1"}
    assert found[1] == {"a1": "left:a1", "b1": "left:a1", "b2": "left:a1"}


def test_cli_pairs_are_unchanged_without_entities(encoded: Path) -> None:
    code, _, _ = _run(
        "pprl", "match", encoded / "l.parquet", encoded / "r.parquet", "--out", encoded / "p.csv"
    )
    assert code == 0
    with (encoded / "p.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["left_id", "right_id", "score", "exact_matches"]
    assert {(r["left_id"], r["right_id"]) for r in rows} == {("a0", "b1"), ("a1", "b1")}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--entities", "--link-threshold", "0"), "link threshold must be above 0"),
        (("--entities", "--link-threshold", "1.5"), "at most 1"),
        (("--link-threshold", "0.9"), "--link-threshold applies only with --entities"),
        (("--entities", "--one-to-one"), "--one-to-one applies to pairs"),
        (("--entities", "--threshold", "0.7"), "use --link-threshold"),
        (("--entities", "--model", "missing.json"), "model file not found"),
    ],
)
def test_cli_bad_entities_options_give_one_line(
    encoded: Path, extra: tuple[str, ...], message: str
) -> None:
    args = [str(encoded / a) if a.endswith(".json") else a for a in extra]
    code, stdout, stderr = _run(
        "pprl", "match", encoded / "l.parquet", encoded / "r.parquet", *args
    )
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr + stdout
