"""`pprl fit` and the Python API share one path (``field_model.fit_model``): the model, its link
threshold and the summary are the same from both; `pprl fit` warns on skipped block keys the
way `pprl match` does, and the library collects them when given ``skipped=``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl import match as match_module
from ringfence.resolve.pprl.entities import FIELD_LINK_THRESHOLD, pick_link_threshold
from ringfence.resolve.pprl.field_model import fit_from_matches, fit_model, load_field_model
from ringfence.resolve.pprl.io import read_encodings, read_matches, write_encodings
from ringfence.resolve.pprl.match import SkippedBlocks
from ringfence.resolve.pprl.params import FIELD_PARAMS
from tests.resolve.test_pprl import SECRET, _run, parties
from tests.resolve.test_pprl_link_threshold import ROWS, TYPOS

LIMIT = 20  # stands in for MAX_BLOCK_PAIRS: 6 × 6 = 36 pairs exceed it, 4 × 4 = 16 do not


def _fit(tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    return _run(
        "pprl", "fit", tmp_path / "l.parquet", tmp_path / "r.parquet", "--matches",
        tmp_path / "matches.csv", "--out", tmp_path / "model.json", *extra,
    )  # fmt: skip


def _write(
    tmp_path: Path,
    left: list[dict[str, str]],
    right: list[dict[str, str]],
    matches: list[tuple[str, str]],
) -> Path:
    """Both encodings files (with field filters) and the matches file, in ``tmp_path``."""
    for name, rows in (("l.parquet", left), ("r.parquet", right)):
        write_encodings(encode_parties(parties(*rows), SECRET, FIELD_PARAMS), tmp_path / name)
    (tmp_path / "matches.csv").write_text(
        "left_id,right_id\n" + "".join(f"{a},{b}\n" for a, b in matches)
    )
    return tmp_path


@pytest.fixture()
def typo_files(tmp_path: Path) -> Path:
    """Matches that all carry a name typo (a fitted model scores them well below the constant
    0.98, so the link threshold fit picks differs from it) and a namesake ``b9``."""
    left = [{"id": i, "name": n, "country": c, "birth_date": d} for i, n, c, d in ROWS]
    right = [
        {"id": f"b{i}", "name": TYPOS[n], "country": c, "birth_date": d} for i, n, c, d in ROWS
    ]
    right.append({"id": "b9", "name": "Wei Zhang", "country": "CN", "birth_date": "1961-12-12"})
    return _write(tmp_path, left, right, [(i, f"b{i}") for i, *_ in ROWS])


def test_fit_model_gives_what_pprl_fit_stores(typo_files: Path) -> None:
    code, stdout, stderr = _fit(typo_files)
    assert code == 0, stderr
    assert stderr.strip() == ""
    stored = load_field_model(typo_files / "model.json")
    left, right = (read_encodings(typo_files / n) for n in ("l.parquet", "r.parquet"))
    result = fit_model(left, right, read_matches(typo_files / "matches.csv"))
    assert result.model.link_threshold is not None
    assert result.model.link_threshold == stored.link_threshold == result.choice.link_threshold
    assert result.model.link_threshold != FIELD_LINK_THRESHOLD  # not the constant fallback
    assert result.model == stored  # coefficients and all
    raw = json.loads((typo_files / "model.json").read_text())
    assert raw["link_threshold"] == result.model.link_threshold
    summary = result.summary
    assert f"Fitted on {summary['compared']:,} compared pairs" in stdout
    assert f"({summary['matches_compared']:,} of {summary['matches']:,} known" in stdout
    assert f"entities link threshold {result.choice.link_threshold} " in stdout
    assert f"entity F1 {result.choice.f1:.4f}" in stdout


def test_fit_model_is_fit_from_matches_plus_the_picked_threshold(typo_files: Path) -> None:
    left, right = (read_encodings(typo_files / n) for n in ("l.parquet", "r.parquet"))
    matches = read_matches(typo_files / "matches.csv")
    result = fit_model(left, right, iter(matches))  # an iterator is read once, used twice
    fitted, summary = fit_from_matches(left, right, matches)
    assert fitted.link_threshold is None  # the old function keeps its meaning
    assert result.summary == summary
    assert result.choice == pick_link_threshold(left, right, fitted, matches)
    assert result.model.coefficients == fitted.coefficients


def _crowded(tmp_path: Path, zhangs: int) -> Path:
    """``zhangs`` identical one-word "Zhang" records a side (one block key, no pair key) and
    two Hans records that block together: one known match and one non-match to fit on."""
    zhang = [{"id": f"z{i}", "name": "Zhang", "country": "CN"} for i in range(zhangs)]
    muller = {"name": "Hans Muller", "country": "DE", "birth_date": "1975-11-30"}
    miller = {"name": "Hans Miller", "country": "DE", "birth_date": "1949-04-01"}
    left = [*zhang, {"id": "m", **muller}, {"id": "n", **miller}]
    right = [*({**z, "id": f"b{z['id']}"} for z in zhang), {"id": "bm", **muller}]
    return _write(tmp_path, left, right, [("m", "bm")])


def test_pprl_fit_warns_on_skipped_block_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(match_module, "MAX_BLOCK_PAIRS", LIMIT)
    files = _crowded(tmp_path, zhangs=6)
    code, stdout, stderr = _fit(files)
    assert code == 0, stderr
    # left × right, left × left and right × right each skip the one key, as --entities does
    assert stderr.strip() == (
        "warning: 1 block key shared by 108 candidate pairs was skipped (over the 20-pair "
        "limit); records sharing only that key are not compared"
    )
    assert "Fitted on 2 compared pairs (1 of 1 known matches" in stdout
    assert load_field_model(files / "model.json").link_threshold is not None


def test_pprl_fit_is_silent_below_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(match_module, "MAX_BLOCK_PAIRS", LIMIT)
    code, stdout, stderr = _fit(_crowded(tmp_path, zhangs=4))
    assert code == 0, stderr
    assert "warning" not in stdout + stderr and stderr.strip() == ""


def test_the_library_collects_skips_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(match_module, "MAX_BLOCK_PAIRS", LIMIT)
    files = _crowded(tmp_path, zhangs=6)
    left, right = (read_encodings(files / n) for n in ("l.parquet", "r.parquet"))
    matches = [("m", "bm")]
    collected = {name: SkippedBlocks() for name in ("fit", "pick", "both")}
    fitted, summary = fit_from_matches(left, right, matches, skipped=collected["fit"])
    assert (fitted, summary) == fit_from_matches(left, right, matches)  # same without it
    choice = pick_link_threshold(left, right, fitted, matches, skipped=collected["pick"])
    assert choice == pick_link_threshold(left, right, fitted, matches)
    result = fit_model(left, right, matches, skipped=collected["both"])
    assert result == fit_model(left, right, matches)
    counts = {k: (s.keys_by_kind, s.pairs, s.limit) for k, s in collected.items()}
    assert counts == {
        "fit": ({"block key": 1}, 36, LIMIT),  # left × right only
        "pick": ({"block key": 1}, 108, LIMIT),  # and within each side
        "both": ({"block key": 1}, 108, LIMIT),  # the fit's comparison is not counted twice
    }
