"""Over-common block keys and codes (shared by more than MAX_BLOCK_PAIRS pairs) are skipped like
stop words; `pprl match` says so in one warning line, with counts and never the keys, in pairs
and entities mode alike, and nothing else changes (exit code 0, the same output)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ringfence.resolve.pprl import match as match_module
from ringfence.resolve.pprl.io import read_encodings
from ringfence.resolve.pprl.match import SkippedBlocks, match_encodings
from tests.resolve.test_pprl import _run

LIMIT = 20  # stands in for the 200,000 of MAX_BLOCK_PAIRS: 6 × 6 = 36 pairs exceed it, 4 × 4 not
@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(match_module, "MAX_BLOCK_PAIRS", LIMIT)


def _encoded(tmp_path: Path, zhangs: int, phone: str = "") -> tuple[Path, Path]:
    """Two encodings files (through `pprl encode`): ``zhangs`` identical one-word "Zhang"
    records (one block key) on each side, and one "Hans Muller" each, a pair below any limit."""
    (tmp_path / "secret.key").write_bytes(b"k" * 40)
    paths = []
    for side in ("l", "r"):
        rows = [f"{side}{i},Zhang,CN,{phone}" for i in range(zhangs)]
        (tmp_path / f"{side}.csv").write_text(
            "id,name,country,phone\n" + "\n".join([*rows, f"{side}m,Hans Muller,DE,"]) + "\n"
        )
        out = tmp_path / f"{side}.parquet"
        code, stdout, _ = _run(
            "pprl", "encode", tmp_path / f"{side}.csv", "--secret-file", tmp_path / "secret.key",
            "--out", out,
        )  # fmt: skip
        assert code == 0, stdout
        paths.append(out)
    return paths[0], paths[1]


def _pairs(path: Path) -> set[tuple[str, str]]:
    with path.open() as handle:
        return {(r["left_id"], r["right_id"]) for r in csv.DictReader(handle)}


def test_pairs_mode_warns_with_the_counts_and_writes_the_same_pairs(tmp_path: Path) -> None:
    left, right = _encoded(tmp_path, zhangs=6)
    code, stdout, stderr = _run("pprl", "match", left, right, "--out", tmp_path / "p.csv")
    assert code == 0, stderr
    assert stderr.strip() == (
        "warning: 1 block key shared by 36 candidate pairs was skipped (over the 20-pair "
        "limit); records sharing only that key are not compared"
    )
    assert "Wrote 1 pairs" in stdout
    assert _pairs(tmp_path / "p.csv") == {("lm", "rm")}


def test_entities_mode_warns_once_for_the_three_comparisons(tmp_path: Path) -> None:
    left, right = _encoded(tmp_path, zhangs=6)
    code, stdout, stderr = _run(
        "pprl", "match", left, right, "--entities", "--out", tmp_path / "e.csv"
    )
    assert code == 0, stderr
    # left × right, left × left and right × right each skip the same key: one key, 3 × 36 pairs
    assert stderr.strip() == (
        "warning: 1 block key shared by 108 candidate pairs was skipped (over the 20-pair "
        "limit); records sharing only that key are not compared"
    )
    assert "14 records in 13 entities" in stdout


def test_keys_of_several_kinds_are_counted_by_kind_and_never_shown(tmp_path: Path) -> None:
    left, right = _encoded(tmp_path, zhangs=6, phone="+86 138 0013 8000")
    code, _, stderr = _run("pprl", "match", left, right)
    assert code == 0, stderr
    assert stderr.strip() == (
        "warning: 2 keys (1 block key, 1 phone code) shared by 72 candidate pairs were skipped "
        "(over the 20-pair limit each); records sharing only those keys are not compared"
    )
    encodings = read_encodings(left)
    secrets = {k for keys in encodings["block_keys"].to_pylist() for k in keys}
    secrets |= {c for c in encodings["phone_hmac"].to_pylist() if c}
    assert not any(secret in stderr for secret in secrets)


@pytest.mark.parametrize("extra", [(), ("--entities",)])
def test_no_warning_below_the_limit(tmp_path: Path, extra: tuple[str, ...]) -> None:
    left, right = _encoded(tmp_path, zhangs=4)  # 4 × 4 = 16 pairs per comparison
    code, stdout, stderr = _run("pprl", "match", left, right, *extra)
    assert code == 0, stderr
    assert "warning" not in stderr + stdout
    assert stderr.strip() == ""


def test_the_library_reports_skips_only_when_asked(tmp_path: Path) -> None:
    left, right = (read_encodings(p) for p in _encoded(tmp_path, zhangs=6))
    skipped = SkippedBlocks()
    pairs = match_encodings(left, right, skipped=skipped)
    assert pairs.equals(match_encodings(left, right))  # same result with or without it
    assert (skipped.keys, skipped.pairs, skipped.limit) == (1, 36, LIMIT)
    assert skipped.keys_by_kind == {"block key": 1}
    assert skipped.pairs_by_kind == {"block key": 36}
    assert bool(skipped) and not SkippedBlocks()
