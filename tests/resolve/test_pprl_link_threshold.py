"""The link threshold ``pprl fit`` chooses for entities mode and stores in the model file;
``pprl match --entities --model`` uses it unless ``--link-threshold`` is given."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from ringfence.errors import InputFileError
from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.entities import (
    FIELD_LINK_THRESHOLD,
    FIT_LINK_THRESHOLDS,
    Links,
    default_link_threshold,
    entity_pairs,
    link_entities,
    pick_link_threshold,
)
from ringfence.resolve.pprl.field_model import FieldModel, load_field_model
from ringfence.resolve.pprl.io import read_encodings, write_encodings
from ringfence.resolve.pprl.params import FIELD_PARAMS
from tests.resolve.test_pprl import SECRET, _run, parties

ROWS = [
    ("1", "Wei Zhang", "CN", "1980-02-03"), ("2", "Hans Muller", "DE", "1975-11-30"),
    ("3", "Ana Lopez", "ES", "1990-07-07"), ("4", "Li Wei", "CN", "1985-01-01"),
]  # fmt: skip
TYPOS = {"Wei Zhang": "Wei Zhnag", "Hans Muller": "Hans Mueller", "Ana Lopez": "Ana Lopes",
         "Li Wei": "Li Wie"}  # fmt: skip
MATCHES = {("1", "b1"), ("2", "b2"), ("3", "b3"), ("4", "b4")}


@pytest.fixture()
def fitted(tmp_path: Path) -> Path:
    """Two encodings files with field filters whose matches all have a typo in the name (a
    model fitted on four of them scores them well below 0.98), a namesake ``b9`` with another
    birth date, the matches file, and the model ``pprl fit`` writes."""
    left = [{"id": i, "name": n, "country": c, "birth_date": d} for i, n, c, d in ROWS]
    right = [
        {"id": f"b{i}", "name": TYPOS[n], "country": c, "birth_date": d} for i, n, c, d in ROWS
    ]
    right.append({"id": "b9", "name": "Wei Zhang", "country": "CN", "birth_date": "1961-12-12"})
    for name, rows in (("l.parquet", left), ("r.parquet", right)):
        write_encodings(encode_parties(parties(*rows), SECRET, FIELD_PARAMS), tmp_path / name)
    (tmp_path / "matches.csv").write_text(
        "left_id,right_id\n" + "".join(f"{a},{b}\n" for a, b in sorted(MATCHES))
    )
    code, stdout, stderr = _run(
        "pprl", "fit", tmp_path / "l.parquet", tmp_path / "r.parquet", "--matches",
        tmp_path / "matches.csv", "--out", tmp_path / "model.json",
    )  # fmt: skip
    assert code == 0, stderr
    assert "entities link threshold" in stdout and "entity F1" in stdout
    return tmp_path


def _f1(found: set[tuple[str, str]]) -> float:
    correct = len(found & MATCHES)
    return 2 * correct / (len(found) + len(MATCHES)) if found or MATCHES else 0.0


def test_fit_stores_the_link_threshold_of_best_entity_f1(fitted: Path) -> None:
    stored = json.loads((fitted / "model.json").read_text())["link_threshold"]
    model = load_field_model(fitted / "model.json")
    assert model.link_threshold == stored and stored in FIT_LINK_THRESHOLDS
    # Independently: each grid threshold's entities, the left×right pairs they imply, F1.
    left, right = read_encodings(fitted / "l.parquet"), read_encodings(fitted / "r.parquet")
    f1 = {}
    for t in FIT_LINK_THRESHOLDS:
        pairs = entity_pairs(link_entities(left, right, t, model))
        ids = pairs["left_id"].to_pylist(), pairs["right_id"].to_pylist()
        f1[t] = _f1(set(zip(*ids, strict=True)))
    assert f1[stored] == max(f1.values()) == 1.0
    # A fixed choice would fail here: at the constant default no typo'd match links.
    assert f1[FIELD_LINK_THRESHOLD] < f1[stored]
    assert stored == min(t for t in FIT_LINK_THRESHOLDS if f1[t] == f1[stored])  # ties: lower


def test_pick_link_threshold_finds_a_middle_best() -> None:
    # Records 0, 1 left; 2, 3 right. True pairs 0-2 (score 0.82) and 1-3 (0.99); the right
    # records' own link 2-3 (0.75) would chain both into one entity. Best: 0.8, and only 0.8.
    links = Links(
        2, 2, np.array([0, 1, 2, 0]), np.array([2, 3, 3, 3]), np.array([0.82, 0.99, 0.75, 0.3])
    )
    left = pa.table({"id": pa.array(["a0", "a1"], pa.string())})
    right = pa.table({"id": pa.array(["b0", "b1"], pa.string())})
    matches = [("a0", "b0"), ("a1", "b1"), ("a0", "nowhere")]  # unknown ids are left out
    model = FieldModel({}, 0.0)
    choice = pick_link_threshold(left, right, model, matches, links=links)
    assert choice.link_threshold == 0.8 and choice.f1 == 1.0
    assert choice.f1_by_link_threshold[0.5] == pytest.approx(2 / 3)  # all four in one entity
    assert choice.f1_by_link_threshold[0.85] == pytest.approx(2 / 3)  # 0-2 no longer linked


def test_match_uses_the_stored_threshold_unless_overridden(fitted: Path) -> None:
    found = []
    for extra in ((), ("--link-threshold", str(FIELD_LINK_THRESHOLD))):
        code, _, stderr = _run(
            "pprl", "match", fitted / "l.parquet", fitted / "r.parquet", "--entities",
            "--model", fitted / "model.json", *extra, "--out", fitted / "e.csv",
        )  # fmt: skip
        assert code == 0, stderr
        with (fitted / "e.csv").open() as handle:
            found.append({r["id"]: r["entity_id"] for r in csv.DictReader(handle)})
    for left_id, right_id in MATCHES:  # the stored (low) threshold links every match
        assert found[0][left_id] == found[0][right_id] == f"left:{left_id}"
    assert found[0]["b9"] == "right:b9"
    alone = {i: ("left:" if i.isdigit() else "right:") + i for i in found[1]}
    assert found[1] == alone  # at the constant 0.98 every record is an entity of its own
    # The shipped model and the CLK score keep their constants.
    model = load_field_model(fitted / "model.json")
    assert default_link_threshold(model) == model.link_threshold != FIELD_LINK_THRESHOLD
    assert default_link_threshold(replace(model, link_threshold=None)) == FIELD_LINK_THRESHOLD


def test_a_model_file_without_a_link_threshold_still_loads(tmp_path: Path) -> None:
    old = {"coefficients": {"name_agree": 1.0}, "intercept": -1.0, "version": "fitted"}
    (tmp_path / "old.json").write_text(json.dumps(old))
    model = load_field_model(tmp_path / "old.json")
    assert model.link_threshold is None
    assert default_link_threshold(model) == FIELD_LINK_THRESHOLD
    model.save(tmp_path / "again.json")  # saved without one, the file reads as before
    assert "link_threshold" not in json.loads((tmp_path / "again.json").read_text())
    replace(model, link_threshold=0.9).save(tmp_path / "new.json")
    assert load_field_model(tmp_path / "new.json").link_threshold == 0.9


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "above 0 and at most 1, not nan"),
        ("0", "above 0 and at most 1, not 0"),
        ("-0.5", "above 0 and at most 1"),
        ("1.5", "above 0 and at most 1, not 1.5"),
        ("true", "'link_threshold' is not a number"),
        ('"0.9"', "'link_threshold' is not a number"),
    ],
)
def test_a_bad_link_threshold_is_refused_in_one_line(
    fitted: Path, value: str, message: str
) -> None:
    text = (fitted / "model.json").read_text()
    stored = json.loads(text)["link_threshold"]
    bad = fitted / "bad.json"
    bad.write_text(text.replace(f'"link_threshold": {stored}', f'"link_threshold": {value}'))
    assert bad.read_text() != text
    with pytest.raises(InputFileError, match=message):
        load_field_model(bad)
    code, stdout, stderr = _run(
        "pprl", "match", fitted / "l.parquet", fitted / "r.parquet", "--entities", "--model", bad
    )
    assert code == 2
    assert str(bad) in stderr and message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr + stdout
