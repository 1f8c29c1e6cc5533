"""Privacy-preserving record linkage: encodings match like the records, reveal no values, and
every user mistake ends in one clear line with exit code 2."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ringfence.cli import pprl_cmd
from ringfence.errors import UserError
from ringfence.resolve.names import normalise_name
from ringfence.resolve.pprl import DEFAULT_THRESHOLD, PprlParams, encode_parties, match_encodings
from ringfence.resolve.pprl.encode import PARTY_COLUMNS
from ringfence.resolve.pprl.io import read_encodings, write_encodings
from ringfence.resolve.pprl.name_block import soundex
from ringfence.resolve.pprl.params import ScoreModel

SECRET = b"0123456789abcdef0123456789abcdef-test"
OTHER_SECRET = b"fedcba9876543210fedcba9876543210-test"


def parties(*rows: Mapping[str, str | None]) -> pa.Table:
    """A canonical parties table (all text) from partial rows."""
    return pa.table(
        {c: [r.get(c) for r in rows] for c in PARTY_COLUMNS},
        schema=pa.schema([(c, pa.string()) for c in PARTY_COLUMNS]),
    )


Row = dict[str, str | None]
ZHANG: Row = {
    "id": "a1", "name": "Wei Zhang", "country": "CN", "phone": "138 0013 8000",
    "email": "wz@example.com", "city": "Shenzhen", "street": "12 Nanshan Road",
}  # fmt: skip
MUELLER: Row = {
    "id": "a2", "name": "Hans Müller GmbH", "country": "DE", "phone": "030 1234567",
    "identifier": "DE123456789",
}  # fmt: skip


def _pairs(left: pa.Table, right: pa.Table, **kw: Any) -> dict[tuple[str, str], dict[str, Any]]:
    table = match_encodings(encode_parties(left, SECRET), encode_parties(right, SECRET), **kw)
    return {(r["left_id"], r["right_id"]): r for r in table.to_pylist()}


def test_names_normalise_to_one_form() -> None:
    assert normalise_name("ZHANG Wei") == normalise_name("Wei Zhang") == "wei zhang"
    assert normalise_name("Müller GmbH & Co. KG") == "muller"
    assert normalise_name("Shenzhen Xinda Trading Co.,Ltd") == "shenzhen trading xinda"
    assert normalise_name("S.A.R.L. Dupont") == "dupont"
    assert normalise_name("Ltd") == "ltd"  # nothing but a legal form: kept
    assert normalise_name(None) == normalise_name("  ") == ""


@given(st.text(max_size=40), st.permutations(range(3)))
def test_name_normalising_is_idempotent_and_order_free(raw: str, order: list[int]) -> None:
    once = normalise_name(raw)
    assert normalise_name(once) == once
    words = [*raw.split(), "", "", ""][:3]
    assert normalise_name(" ".join(words[i] for i in order)) == normalise_name(" ".join(words))


def test_soundex() -> None:
    assert soundex("robert") == soundex("rupert") == "R163"
    assert soundex("ashcraft") == "A261"
    assert soundex("zhang") == "Z520"


def test_same_record_scores_one() -> None:
    pairs = _pairs(parties(ZHANG), parties({**ZHANG, "id": "b1"}))
    assert pairs[("a1", "b1")]["score"] == 1.0
    assert pairs[("a1", "b1")]["exact_matches"] == "phone,email"


def test_typo_in_name_with_same_phone_matches() -> None:
    # Other order, a typo, the country written out and the phone in international form.
    right = {"id": "b1", "name": "ZHANG Wie", "country": "China", "phone": "+86 138-0013-8000"}
    pairs = _pairs(parties(ZHANG), parties(right))
    assert pairs[("a1", "b1")]["score"] >= DEFAULT_THRESHOLD
    assert pairs[("a1", "b1")]["exact_matches"] == "phone"


def test_typo_without_identifiers_still_matches() -> None:
    right = {"id": "b2", "name": "Hans Muler", "country": "DE"}
    pairs = _pairs(parties(MUELLER), parties(right))
    assert ("a2", "b2") in pairs


def test_different_people_do_not_match() -> None:
    right = [
        {"id": "b1", "name": "Peter Schmidt", "country": "DE", "phone": "+49 30 9999999"},
        {"id": "b2", "name": "Hans Schneider", "country": "DE", "city": "Berlin"},
        {"id": "b3", "name": "Wei Wang", "country": "CN", "phone": "+86 139 0000 1111"},
    ]
    scored = match_encodings(
        encode_parties(parties(ZHANG, MUELLER), SECRET),
        encode_parties(parties(*right), SECRET),
        threshold=0.0,
    )
    assert scored.num_rows > 0, "namesake-ish pairs should at least be compared"
    assert max(scored["score"].to_pylist()) < 0.5


def test_disagree_factors_lower_a_namesake_with_another_phone() -> None:
    """The same name and address with a different phone: a match by default (disagreement
    proves nothing), not with a learnt phone factor; an absent phone never counts."""
    namesake = {**ZHANG, "id": "b1", "phone": "+86 139 0000 1111", "email": None}
    no_phone = {**ZHANG, "id": "b2", "phone": None, "email": None}
    right = parties(namesake, no_phone)
    default = _pairs(parties(ZHANG), right)
    assert default[("a1", "b1")]["score"] >= DEFAULT_THRESHOLD
    learnt = _pairs(parties(ZHANG), right, model=ScoreModel(disagree_factors={"phone": 0.05}))
    assert ("a1", "b1") not in learnt
    assert learnt[("a1", "b2")]["score"] == default[("a1", "b2")]["score"]


def test_one_to_one_keeps_best_partner() -> None:
    right = [{**ZHANG, "id": "b1"}, {**ZHANG, "id": "b2", "email": None, "street": None}]
    many = _pairs(parties(ZHANG), parties(*right))
    one = _pairs(parties(ZHANG), parties(*right), one_to_one=True)
    assert set(many) == {("a1", "b1"), ("a1", "b2")}
    assert set(one) == {("a1", "b1")}


def test_encodings_reveal_no_values() -> None:
    table = encode_parties(parties(ZHANG), SECRET)
    assert set(table.column_names) == {
        "id", "clk", "phone_hmac", "email_hmac", "identifier_hmac", "bank_account_hmac",
        "block_keys",
    }  # fmt: skip
    text = repr(table.to_pylist()) + repr(table.schema.metadata)
    for secret_or_value in ("zhang", "Zhang", "8613800138000", "wz@example", "Shenzhen"):
        assert secret_or_value not in text
    assert SECRET.decode() not in text


def test_different_secret_is_refused() -> None:
    left = encode_parties(parties(ZHANG), SECRET)
    right = encode_parties(parties(ZHANG), OTHER_SECRET)
    with pytest.raises(UserError, match="different secrets"):
        match_encodings(left, right)


def test_different_parameters_are_refused() -> None:
    left = encode_parties(parties(ZHANG), SECRET)
    right = encode_parties(parties(ZHANG), SECRET, PprlParams(clk_bits=512))
    with pytest.raises(UserError, match="different parameters"):
        match_encodings(left, right)


@pytest.mark.parametrize("name", ["enc.parquet", "enc.jsonl"])
def test_round_trip_through_files(tmp_path: Path, name: str) -> None:
    table = encode_parties(parties(ZHANG, MUELLER, {"id": "a3"}), SECRET)
    write_encodings(table, tmp_path / name)
    back = read_encodings(tmp_path / name)
    assert back.equals(table)
    assert back.schema.metadata == table.schema.metadata


ROW = st.fixed_dictionaries(
    {"id": st.text(min_size=1, max_size=8).filter(str.strip)},
    optional={c: st.text(max_size=30) for c in PARTY_COLUMNS if c != "id"},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=6))
def test_random_rows_never_crash_the_encoder(rows: list[dict[str, str]]) -> None:
    table = encode_parties(parties(*rows), SECRET)
    assert table.num_rows == len(rows)
    assert all(len(clk) == 128 for clk in table["clk"].to_pylist())
    match_encodings(table, table, threshold=0.0)


# --- the command line -------------------------------------------------------------------------

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    pprl_cmd.register(app)

    @app.callback()
    def main() -> None:
        """Test app with the pprl commands only."""

    return app


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "secret.key").write_bytes(b"k" * 40 + b"\n")
    (tmp_path / "a.csv").write_text(
        "id,name,country,phone,email\n"
        "1,Wei Zhang,CN,138 0013 8000,wz@example.com\n"
        "2,Hans Müller,DE,030 1234567,\n"
        "3,,,,\n"
    )
    pq.write_table(
        pa.table({"id": ["x", "y"], "name": ["ZHANG Wie", "Hans Muller"],
                  "country": ["China", "DE"], "phone": ["+86 138-0013-8000", None]}),
        tmp_path / "b.parquet",
    )  # fmt: skip
    return tmp_path


def _run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(_app(), [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_encode_and_match(files: Path) -> None:
    for src, out in (("a.csv", "a.parquet"), ("b.parquet", "b.jsonl")):
        code, stdout, _ = _run(
            "pprl", "encode", files / src, "--secret-file", files / "secret.key", "--out",
            files / out,
        )  # fmt: skip
        assert code == 0, stdout
    code, stdout, _ = _run("pprl", "match", files / "a.parquet", files / "b.jsonl")
    assert code == 0 and "phone" in stdout
    code, _, _ = _run(
        "pprl", "match", files / "a.parquet", files / "b.jsonl", "--out", files / "p.csv",
        "--threshold", "0.5",
    )  # fmt: skip
    assert code == 0
    with (files / "p.csv").open() as pairs_file:
        rows = list(csv.DictReader(pairs_file))
    assert list(rows[0]) == ["left_id", "right_id", "score", "exact_matches"]
    assert {(r["left_id"], r["right_id"]) for r in rows} == {("1", "x"), ("2", "y")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("encode", "a.csv", "--secret-file", "short.key", "--out", "e.parquet"), "at least 32"),
        (("encode", "a.csv", "--secret-file", "none.key", "--out", "e.parquet"), "not found"),
        (("encode", "noid.csv", "--secret-file", "secret.key", "--out", "e.parquet"), "'id'"),
        (("encode", "bad.parquet", "--secret-file", "secret.key", "--out", "e.parquet"),
         "cannot read as parquet"),
        (("encode", "missing.csv", "--secret-file", "secret.key", "--out", "e.parquet"),
         "file not found"),
        (("match", "a.csv", "a.csv"), "not a PPRL encodings file"),
        (("match", "b.parquet", "b.parquet"), "no encoding parameters"),
        (("match", "none.parquet", "b.parquet"), "file not found"),
    ],
)  # fmt: skip
def test_cli_user_mistakes_exit_2_with_one_line(
    files: Path, args: tuple[str, ...], message: str
) -> None:
    (files / "short.key").write_bytes(b"too short")
    (files / "noid.csv").write_text("name,country\nWei Zhang,CN\n")
    (files / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    code, stdout, stderr = _run("pprl", *(str(files / a) if "." in a else a for a in args))
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr + stdout


def test_cli_reads_json_lines_parties(files: Path) -> None:
    (files / "p.jsonl").write_text('{"id": 7, "name": "Wei Zhang", "phone": "+8613800138000"}\n')
    code, stdout, _ = _run(
        "pprl", "encode", files / "p.jsonl", "--secret-file", files / "secret.key", "--out",
        files / "p.parquet",
    )  # fmt: skip
    assert code == 0, stdout
    assert read_encodings(files / "p.parquet")["id"].to_pylist() == ["7"]


def test_cli_refuses_encodings_with_another_secret(files: Path) -> None:
    (files / "other.key").write_bytes(b"o" * 40)
    for key, out in (("secret.key", "a.parquet"), ("other.key", "b.parquet")):
        _run("pprl", "encode", files / "a.csv", "--secret-file", files / key, "--out", files / out)
    code, _, stderr = _run("pprl", "match", files / "a.parquet", files / "b.parquet")
    assert code == 2 and "different secrets" in stderr


def test_a_date_of_birth_separates_namesakes_and_keeps_a_partial_date_close() -> None:
    person: Row = {"id": "a1", "name": "Thomas Warden", "country": "GB", "birth_date": "1852-04-19"}
    same = {**person, "id": "b1", "birth_date": "18520419"}  # written without dashes
    year_only = {**person, "id": "b2", "birth_date": "1852"}
    other = {**person, "id": "b3", "birth_date": "1907-11-02"}
    garbage = {**person, "id": "b4", "birth_date": "not a date"}  # left out, the record stays
    scores = {
        right: row["score"]
        for (_, right), row in _pairs(
            parties(person), parties(same, year_only, other, garbage), threshold=0.0
        ).items()
    }
    assert scores["b1"] == 1.0
    assert scores["b1"] > scores["b2"] > scores["b3"]
    assert scores["b4"] > scores["b3"]  # a missing date is not a different one
