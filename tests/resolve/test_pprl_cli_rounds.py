"""The command line reaches the setting of docs/pprl.md round 12 (`pprl encode --date-key`:
the birth-date block key without a birth-date filter; `pprl fit --split-thresholds
--date-key-features --dice-hinges --name-minhash`), and each option does what the Python
options of rounds 7-10 do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.field_model import fit_model
from ringfence.resolve.pprl.io import read_encodings, write_encodings
from ringfence.resolve.pprl.params import field_subset_params
from tests.resolve.test_pprl import SECRET, _run, parties
from tests.resolve.test_pprl_link_threshold import ROWS, TYPOS


def _params(path: Path) -> dict[str, object]:
    meta = read_encodings(path).schema.metadata or {}
    return dict(json.loads(meta[b"params"]))


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "secret.key").write_bytes(SECRET)
    lines = ["id,name,country,birth_date"]
    lines += [f"{i},{n},{c},{d}" for i, n, c, d in ROWS]
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n")
    lines = ["id,name,country,birth_date"]
    lines += [f"b{i},{TYPOS[n]},{c},{d}" for i, n, c, d in ROWS]
    lines += ["b9,Wei Zhang,CN,1961-12-12", "b8,Hans Muller,DE,1931-01-01"]
    (tmp_path / "b.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "m.csv").write_text("left_id,right_id\n" + "".join(f"{i},b{i}\n" for i, *_ in ROWS))
    return tmp_path


def _encode(files: Path, *extra: str) -> None:
    for side in "ab":
        code, out, err = _run(
            "pprl", "encode", files / f"{side}.csv", "--secret-file", files / "secret.key",
            "--out", files / f"{side}.parquet", *extra,
        )  # fmt: skip
        assert code == 0, out + err


def test_encode_date_key_without_the_date_filter(files: Path) -> None:
    _encode(files, "--filter-fields", "name,city", "--date-key")
    params = _params(files / "a.parquet")
    assert params["field_filters"] == ["name", "city"]
    assert params["block_on"] == ["birth_date"]
    assert "clk_birth_date" not in read_encodings(files / "a.parquet").column_names
    _encode(files, "--filter-fields", "name,city")
    assert "block_on" not in _params(files / "a.parquet")


def test_round_12_setting_from_the_command_line(files: Path) -> None:
    _encode(
        files, "--filter-fields", "name,street,city,postcode", "--date-key", "--field-flip",
        "city=0.4", "--date-key-max-ratio", "20", "--nickname-keys",
    )  # fmt: skip
    code, out, err = _run(
        "pprl", "fit", files / "a.parquet", files / "b.parquet", "--matches", files / "m.csv",
        "--out", files / "model.json", "--split-thresholds", "--date-key-features",
        "--dice-hinges", "--name-minhash",
    )  # fmt: skip
    assert code == 0, out + err
    model = json.loads((files / "model.json").read_text())
    assert model["candidates"] == "name_minhash"
    assert "within_link_threshold" in model
    assert "within one file" in out
    # The same fit from Python with the same options gives the same model.
    left, right = (read_encodings(files / f"{s}.parquet") for s in "ab")
    expected = fit_model(
        left, right, [(i, f"b{i}") for i, *_ in ROWS],
        split=True, date_key=True, hinges=True, lsh=True, nicknames=True,
    ).model  # fmt: skip
    assert model["coefficients"] == expected.coefficients
    assert model["link_threshold"] == expected.link_threshold
    assert model["within_link_threshold"] == expected.within_link_threshold


def test_fit_without_options_fits_as_before(files: Path) -> None:
    params = field_subset_params("name,birth_date")
    for side, rows in (("a", ROWS), ("b", ROWS)):
        table = parties(*({"id": f"{side}{i}" if side == "b" else i, "name": n, "country": c,
                           "birth_date": d} for i, n, c, d in rows))  # fmt: skip
        write_encodings(encode_parties(table, SECRET, params), files / f"{side}.parquet")
    (files / "m.csv").write_text("left_id,right_id\n" + "".join(f"{i},b{i}\n" for i, *_ in ROWS))
    code, out, err = _run(
        "pprl", "fit", files / "a.parquet", files / "b.parquet", "--matches", files / "m.csv",
        "--out", files / "model.json",
    )  # fmt: skip
    assert code == 0, out + err
    model = json.loads((files / "model.json").read_text())
    assert "candidates" not in model and "within_link_threshold" not in model
    assert "within one file" not in out
    assert not any(name.endswith(("_over50", "_key_agree")) for name in model["coefficients"])
