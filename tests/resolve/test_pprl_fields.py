"""PPRL field filters: a Bloom filter per field beside the CLK, the field model that weighs them,
``pprl fit`` that learns one from known matches, and files that stay compatible."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringfence.errors import InputFileError, UserError
from ringfence.resolve.pprl import PprlParams, encode_parties, match_encodings
from ringfence.resolve.pprl.field_model import (
    FEATURES,
    FieldModel,
    default_field_model,
    fit_field_model,
    fit_from_matches,
    load_field_model,
    pair_features,
)
from ringfence.resolve.pprl.io import read_encodings, write_encodings
from ringfence.resolve.pprl.match import candidate_pairs
from ringfence.resolve.pprl.params import FIELD_FILTERS, FIELD_PARAMS, params_from_metadata
from tests.resolve.test_pprl import SECRET, _run, parties

FILTERED = FIELD_PARAMS
SMITH = {
    "id": "a", "name": "John Smith", "birth_date": "1970-01-01", "city": "Leeds",
    "postcode": "LS1 4AP", "country": "GB",
}  # fmt: skip


def _scores(left: pa.Table, right: pa.Table, params: PprlParams, **kw: object) -> dict[str, float]:
    pairs = match_encodings(
        encode_parties(left, SECRET, params), encode_parties(right, SECRET, params), **kw
    )
    return {r["right_id"]: r["score"] for r in pairs.to_pylist()}


def test_field_filters_leave_the_clk_and_block_keys_as_they_are() -> None:
    table = parties(SMITH, {**SMITH, "id": "b", "name": "Jon Smith", "birth_date": None})
    filters_only = PprlParams(field_filters=FIELD_FILTERS)
    plain = encode_parties(table, SECRET)
    filtered = encode_parties(table, SECRET, filters_only)
    for column in plain.column_names:
        assert filtered.column(column).equals(plain.column(column))
    assert [c for c in filtered.column_names if c not in plain.column_names] == [
        f"clk_{f}" for f in FIELD_FILTERS
    ]
    # A field the record lacks leaves its filter empty; one it has sets bits.
    assert not any(filtered.column("clk_birth_date")[1].as_py())
    assert any(filtered.column("clk_birth_date")[0].as_py())


def test_field_filters_hash_under_their_own_keys() -> None:
    # Only the name is hashed into this CLK, so with shared keys its bits would equal the
    # name filter's; under a key of its own the filter's bits say nothing about the CLK's.
    names_only = {f: 0 for f in FILTERED.k} | {"name": 20}
    params = PprlParams(k=names_only, field_filters=("name",))
    row = encode_parties(parties({"id": "a", "name": "John Smith"}), SECRET, params)
    assert row.column("clk")[0].as_py() != row.column("clk_name")[0].as_py()


def test_default_parameters_still_match_files_written_before_field_filters() -> None:
    # Files encoded before field filters existed carry no "field_filters" key in their
    # parameters; the defaults must produce the very same text, or old files stop matching.
    assert "field_filters" not in PprlParams().encoding_fields()
    assert FILTERED.encoding_fields()["field_filters"] == FIELD_FILTERS
    meta = {"params": json.dumps(FILTERED.encoding_fields()), "secret_check": "x"}
    assert params_from_metadata(meta, "f") == FILTERED


def test_encodings_with_and_without_filters_refuse_to_match() -> None:
    table = parties(SMITH)
    with pytest.raises(UserError, match="different parameters"):
        match_encodings(
            encode_parties(table, SECRET), encode_parties(table, SECRET, FILTERED)
        )


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_filtered_encodings_round_trip_through_files(tmp_path: Path, suffix: str) -> None:
    encodings = encode_parties(parties(SMITH, {**SMITH, "id": "b"}), SECRET, FILTERED)
    path = tmp_path / f"e{suffix}"
    write_encodings(encodings, path)
    back = read_encodings(path)
    assert back.equals(encodings)


@pytest.mark.parametrize("bad", [("name", "name"), ("phone",), ("shoe_size",)])
def test_field_filters_must_be_distinct_fuzzy_fields(bad: tuple[str, ...]) -> None:
    with pytest.raises(UserError, match="field_filters"):
        PprlParams(field_filters=bad)


def test_a_birth_date_block_key_lets_unlike_names_meet() -> None:
    # One name in two transliterations whose words share no Soundex code (X000 W500 against
    # H200 F500), with the same date of birth and country.
    left = parties({"id": "a", "name": "Xu Wen", "birth_date": "1970-01-01", "country": "CN"})
    right = parties({"id": "b", "name": "Hsu Fen", "birth_date": "1970-01-01", "country": "CN"})
    plain = PprlParams(field_filters=FIELD_FILTERS)
    for params, met in ((plain, 0), (FIELD_PARAMS, 1)):
        li, _ = candidate_pairs(
            encode_parties(left, SECRET, params), encode_parties(right, SECRET, params)
        )
        assert len(li) == met
    with pytest.raises(UserError, match="block_on"):
        PprlParams(block_on=("name",))


def test_a_field_filter_needs_bits() -> None:
    with pytest.raises(UserError, match="k >= 1"):
        PprlParams(k={"name": 20, "birth_date": 0}, field_filters=("birth_date",))


def test_shipped_field_model_weighs_fields_apart() -> None:
    others = parties(
        {**SMITH, "id": "dob_typo", "birth_date": "1970-01-10"},
        {**SMITH, "id": "name_typo", "name": "Jon Smith"},
        {**SMITH, "id": "namesake", "birth_date": "1985-06-30", "city": "York",
         "postcode": "YO1 7HH"},
    )  # fmt: skip
    field = _scores(parties(SMITH), others, FILTERED, threshold=0.0)
    clk = _scores(parties(SMITH), others, PprlParams(), threshold=0.0)
    # A typo in one field costs little; a namesake born elsewhere and living elsewhere is no
    # match. The CLK alone puts the name typo barely above the threshold.
    assert field["dob_typo"] >= 0.9 and field["name_typo"] >= 0.9
    assert field["namesake"] < 0.1
    assert field["name_typo"] > clk["name_typo"]


@pytest.mark.parametrize("field", ["street", "city", "postcode", "birth_date"])
def test_an_identical_field_never_counts_against_a_match(field: str) -> None:
    value = {"street": "12 Long Road", "city": "Leeds", "postcode": "LS1 4AP",
             "birth_date": "1970-01-01"}[field]  # fmt: skip
    base = {"id": "p1", "name": "Wei Zhang", "country": "GB"}
    scores = _scores(
        parties({**base, field: value}),
        parties({**base, "id": "same", field: value}, {**base, "id": "lacking"}),
        FILTERED,
        threshold=0.0,
    )
    assert scores["same"] >= scores["lacking"]


def test_a_model_weighing_field_filters_refuses_encodings_without_them() -> None:
    table = parties(SMITH, {**SMITH, "id": "b"})
    plain = encode_parties(table, SECRET)
    with pytest.raises(UserError, match="field filters these encodings do not have"):
        match_encodings(plain, plain, model=default_field_model())
    # A model fitted on plain encodings (the CLK's Dice and exact codes) is fine on them.
    clk_only = FieldModel({"dice": 10.0}, -8.0)
    assert match_encodings(plain, plain, model=clk_only).num_rows >= 2


def test_explicit_empty_options_match_files_that_omit_them() -> None:
    table = parties(SMITH)
    explicit = encode_parties(table, SECRET)
    meta = dict(explicit.schema.metadata)
    stored = json.loads(meta[b"params"])
    meta[b"params"] = json.dumps({**stored, "field_filters": [], "block_on": []}).encode()
    explicit = explicit.replace_schema_metadata(meta)
    assert match_encodings(explicit, encode_parties(table, SECRET)).num_rows == 1


def test_shipped_model_is_versioned_and_says_what_it_learnt_from() -> None:
    model = default_field_model()
    assert model.version != "fitted" and "train world" in model.trained_on
    assert set(model.coefficients) <= set(FEATURES)


def _labelled(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.random((n, len(FEATURES)))
    differ = [j for j, f in enumerate(FEATURES) if f.endswith(("_differ", "_disagree"))]
    features[:, differ] = rng.random((n, len(differ))) < 0.2
    logit = 8 * features[:, FEATURES.index("name_agree")] - 4
    logit -= 3 * features[:, FEATURES.index("phone_differ")]
    labels = rng.random(n) < 1 / (1 + np.exp(-logit))
    return features, labels


def test_fitting_recovers_signs_and_keeps_the_model_monotone() -> None:
    features, labels = _labelled(4000, 1)
    # An agreement that goes with non-matches in the sample still may not count against one.
    agree = FEATURES.index("email_agree")
    features[:, agree] = ~labels & (np.arange(len(labels)) % 3 == 0)
    model = fit_field_model(features, labels)
    assert model.coefficients["name_agree"] > 4
    assert model.coefficients["phone_differ"] < -1
    assert model.coefficients["email_agree"] == 0.0
    assert all(
        w >= 0 for f, w in model.coefficients.items() if not f.endswith(("_differ", "_disagree"))
    )
    assert all(
        w <= 0 for f, w in model.coefficients.items() if f.endswith(("_differ", "_disagree"))
    )


def test_fitting_needs_both_kinds_of_label() -> None:
    features, _ = _labelled(50, 2)
    with pytest.raises(ValueError, match="both"):
        fit_field_model(features, np.ones(50, dtype=bool))


@given(st.lists(st.floats(-60, 60), min_size=len(FEATURES), max_size=len(FEATURES)))
def test_model_scores_are_probabilities(values: list[float]) -> None:
    model = default_field_model()
    score = model.score(np.array([values]))
    assert 0.0 <= score[0] <= 1.0


def test_features_of_a_pair(tmp_path: Path) -> None:
    left = encode_parties(parties(SMITH), SECRET, FILTERED)
    right = encode_parties(
        parties({**SMITH, "id": "b", "birth_date": None, "phone": "+44 113 496 0000"}),
        SECRET,
        FILTERED,
    )
    li, ri = candidate_pairs(left, right)
    row = dict(zip(FEATURES, pair_features(left, right, li, ri)[0], strict=True))
    assert row["name_agree"] == 1.0 and row["name_disagree"] == 0.0  # identical
    assert row["birth_date_agree"] == row["birth_date_disagree"] == 0.0  # one side lacks it
    assert row["phone_agree"] == row["phone_differ"] == 0.0  # only one side has a phone


def test_model_files_round_trip_and_refuse_garbage(tmp_path: Path) -> None:
    model = FieldModel({"name_agree": 3.0, "phone_differ": -2.0}, -1.5, "v1", "test")
    model.save(tmp_path / "new" / "m.json")  # the folder is made
    assert load_field_model(tmp_path / "new" / "m.json") == model
    bad = {
        "unknown.json": ('{"coefficients": {"shoe_size": 1}, "intercept": 0}', "unknown features"),
        "nan.json": ('{"coefficients": {"name_agree": NaN}, "intercept": 0}', "is nan"),
        "inf.json": ('{"coefficients": {}, "intercept": Infinity}', "is inf"),
        "bool.json": ('{"coefficients": {"name_agree": true}, "intercept": 0}', "not a number"),
        "text.json": ('{"coefficients": {"name_agree": "2"}, "intercept": 0}', "not a number"),
        # A hand-edited weight against the model's signs: a similarity counting against.
        "sign.json": ('{"coefficients": {"name_agree": -50}, "intercept": 0}', ">= 0"),
        "sign2.json": ('{"coefficients": {"phone_differ": 5}, "intercept": 0}', "<= 0"),
        "list.json": ("[1, 2]", "not a PPRL field model"),
    }
    for name, (text, _) in bad.items():
        (tmp_path / name).write_text(text)
    for name, message in [*((n, m) for n, (_, m) in bad.items()), ("none.json", "not found")]:
        with pytest.raises(InputFileError, match=message):
            load_field_model(tmp_path / name)
    with pytest.raises(InputFileError, match="cannot write"):
        model.save(tmp_path)  # a folder


def test_fit_from_matches_counts_what_it_compared() -> None:
    left = encode_parties(parties(SMITH, {**SMITH, "id": "c", "name": "Mary Smith"}), SECRET)
    right = encode_parties(parties({**SMITH, "id": "b"}), SECRET)
    model, summary = fit_from_matches(left, right, [("a", "b"), ("a", "b"), ("zz", "b")])
    # The repeated match counts once; "zz" is in neither file, so it is reported, not taken
    # for a match the blocking missed.
    assert summary == {"compared": 2, "matches": 2, "matches_compared": 1, "unknown": 1}
    assert model.coefficients
    with pytest.raises(UserError, match="both matches and non-matches"):
        fit_from_matches(left, right, {("x", "y")})


@pytest.fixture()
def fit_files(tmp_path: Path) -> Path:
    (tmp_path / "secret.key").write_bytes(b"k" * 40)
    rows = [
        ("1", "Wei Zhang", "CN", "1980-02-03"), ("2", "Hans Muller", "DE", "1975-11-30"),
        ("3", "Ana Lopez", "ES", "1990-07-07"), ("4", "Li Wei", "CN", "1985-01-01"),
    ]  # fmt: skip
    typos = {"Wei Zhang": "Wei Zhnag", "Hans Muller": "Hans Mueller", "Ana Lopez": "Ana Lopes",
             "Li Wei": "Li Wie"}  # fmt: skip
    with (tmp_path / "a.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "name", "country", "birth_date"])
        writer.writerows(rows)
    with (tmp_path / "b.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "name", "country", "birth_date"])
        writer.writerows((f"b{i}", typos[n], c, d) for i, n, c, d in rows)
        writer.writerow(["b9", "Wei Zhang", "CN", "1961-12-12"])
    (tmp_path / "matches.csv").write_text("left_id,right_id\n1,b1\n2,b2\n3,b3\n4,b4\n")
    return tmp_path


def test_cli_encode_fit_and_match_with_field_filters(fit_files: Path) -> None:
    for side in ("a", "b"):
        code, out, _ = _run(
            "pprl", "encode", fit_files / f"{side}.csv", "--secret-file",
            fit_files / "secret.key", "--out", fit_files / f"{side}.parquet", "--field-filters",
        )  # fmt: skip
        assert code == 0, out
    assert "clk_name" in read_encodings(fit_files / "a.parquet").column_names
    code, out, _ = _run(
        "pprl", "fit", fit_files / "a.parquet", fit_files / "b.parquet", "--matches",
        fit_files / "matches.csv", "--out", fit_files / "model.json",
    )  # fmt: skip
    assert code == 0, out
    assert "4 of 4 known matches" in out
    code, out, _ = _run(
        "pprl", "match", fit_files / "a.parquet", fit_files / "b.parquet", "--model",
        fit_files / "model.json", "--out", fit_files / "pairs.csv",
    )  # fmt: skip
    assert code == 0, out
    with (fit_files / "pairs.csv").open() as pairs_file:
        found = {(r["left_id"], r["right_id"]) for r in csv.DictReader(pairs_file)}
    assert found == {("1", "b1"), ("2", "b2"), ("3", "b3"), ("4", "b4")}


@pytest.mark.parametrize(
    ("matches", "message"),
    [
        ("left_id\n1\n", "no 'right_id' column"),
        ("left_id,right_id\n1,b1\n,b2\n", "row 2"),
        ("left_id,right_id\nx,y\n", "both matches and non-matches"),
    ],
)
def test_cli_fit_mistakes_are_one_line(fit_files: Path, matches: str, message: str) -> None:
    for side in ("a", "b"):
        _run(
            "pprl", "encode", fit_files / f"{side}.csv", "--secret-file",
            fit_files / "secret.key", "--out", fit_files / f"{side}.parquet",
        )  # fmt: skip
    (fit_files / "bad.csv").write_text(matches)
    code, _, err = _run(
        "pprl", "fit", fit_files / "a.parquet", fit_files / "b.parquet", "--matches",
        fit_files / "bad.csv", "--out", fit_files / "model.json",
    )  # fmt: skip
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _run(
        "pprl", "match", fit_files / "a.parquet", fit_files / "b.parquet", "--model",
        fit_files / "bad.csv",
    )  # fmt: skip
    assert code == 2 and "not a PPRL field model" in err


def _encode_both(fit_files: Path, *extra: str, suffix: str = ".parquet") -> None:
    for side in ("a", "b"):
        code, out, _ = _run(
            "pprl", "encode", fit_files / f"{side}.csv", "--secret-file",
            fit_files / "secret.key", "--out", fit_files / f"{side}{suffix}", *extra,
        )  # fmt: skip
        assert code == 0, out


def test_cli_fit_reports_unknown_ids_and_unwritable_output(fit_files: Path) -> None:
    _encode_both(fit_files, "--field-filters")
    (fit_files / "m2.csv").write_text("left_id,right_id\n1,b1\n2,b2\n3,b3\n4,b4\n1,typo\n")
    code, out, _ = _run(
        "pprl", "fit", fit_files / "a.parquet", fit_files / "b.parquet", "--matches",
        fit_files / "m2.csv", "--out", fit_files / "m.json",
    )  # fmt: skip
    assert code == 0 and "1 name an id not in its encodings file" in out
    code, _, err = _run(
        "pprl", "fit", fit_files / "a.parquet", fit_files / "b.parquet", "--matches",
        fit_files / "matches.csv", "--out", fit_files,
    )  # fmt: skip
    assert code == 2 and "cannot write" in err and len(err.strip().splitlines()) == 1


def test_cli_refuses_numeric_json_ids(fit_files: Path) -> None:
    _encode_both(fit_files)
    (fit_files / "m.jsonl").write_text(
        '{"left_id": 123456789012345678901234567890, "right_id": "b1"}\n'
    )
    code, _, err = _run(
        "pprl", "fit", fit_files / "a.parquet", fit_files / "b.parquet", "--matches",
        fit_files / "m.jsonl", "--out", fit_files / "model.json",
    )  # fmt: skip
    assert code == 2 and "ids must be JSON strings" in err and "left_id" in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda row: row.pop("clk_name"), "row 3, field 'clk_name': missing value"),
        (lambda row: row.update(clk_city="not base64!"), "field 'clk_city': not base64"),
        (lambda row: row.update(clk_street="AAAA"), "3 bytes, expected 128"),
        (lambda row: row.update(clk_country="AAAA"), "'clk_country': not a field"),
        (lambda row: row.pop("id"), "field 'id': missing value"),
    ],
)
def test_cli_names_the_row_of_a_broken_json_encoding(
    fit_files: Path, change: Any, message: str
) -> None:
    _encode_both(fit_files, "--field-filters", suffix=".jsonl")
    lines = (fit_files / "a.jsonl").read_text().splitlines()
    row = json.loads(lines[2])
    change(row)
    lines[2] = json.dumps(row)
    (fit_files / "a.jsonl").write_text("\n".join(lines) + "\n")
    code, _, err = _run("pprl", "match", fit_files / "a.jsonl", fit_files / "b.jsonl")
    assert code == 2 and message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_names_the_file_of_bad_stored_parameters(fit_files: Path) -> None:
    _encode_both(fit_files)
    table = pq.read_table(fit_files / "a.parquet")
    meta = dict(table.schema.metadata)
    params = json.loads(meta[b"params"])
    meta[b"params"] = json.dumps({**params, "field_filters": ["shoe"]}).encode()
    pq.write_table(table.replace_schema_metadata(meta), fit_files / "bad.parquet")
    code, _, err = _run("pprl", "match", fit_files / "bad.parquet", fit_files / "b.parquet")
    assert code == 2 and "bad.parquet" in err and "field_filters" in err
