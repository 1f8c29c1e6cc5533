"""The sellers feed's signal columns, and the seller_links and seller_outcomes feeds."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from ringfence.ingest.pipeline import ingest_files
from ringfence.settings import Settings
from ringfence.store.lake import Lake


def _rows(settings: Settings, dataset: str) -> list[dict]:
    parts = Lake(settings).parts(dataset)
    return [r for p in parts for r in pq.read_table(p).to_pylist()]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_signal_columns_become_signals_and_a_bad_value_costs_no_row(
    settings: Settings, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "sellers.csv",
        (
            "id,name,signal_defect_rate,signal_rating_delta,notes\n"
            "S1,Acme Ltd,0.05,-0.4,x\n"
            "S2,Bob Shop,lots,0.2,y\n"
        ),
    )
    summary = ingest_files(settings, "sellers", [path], organisation="mk")
    assert (summary.accepted, summary.quarantined) == (2, 0)
    assert summary.files[0].field_problems == 1
    assert any("notes" in w for w in summary.files[0].warnings)  # other columns still warned
    assert not any("signal_defect_rate" in w for w in summary.files[0].warnings)
    signals = {(r["source_key"], r["value"]) for r in _rows(settings, "seller_signals")}
    assert signals == {
        ("S1:defect_rate", 0.05),
        ("S1:rating_delta", -0.4),
        ("S2:rating_delta", 0.2),
    }
    sellers = {r["source_key"]: r["id"] for r in _rows(settings, "sellers")}
    refs = {r["seller_ref"] for r in _rows(settings, "seller_signals")}
    assert refs == set(sellers.values())
    problems = _rows(settings, "field_problems")
    assert [(p["field"], p["source_row"]) for p in problems] == [("signal_defect_rate", 2)]


def test_a_mapping_renames_signals_and_passes_signal_columns_through(
    settings: Settings, tmp_path: Path
) -> None:
    data = _write(tmp_path / "accounts.csv", "acc,nm,ODR,signal_age\nA1,Shop One,0.02,300\n")
    mapping = _write(
        tmp_path / "m.yaml",
        (
            "feed: sellers\norganisation: mk\nkey: [acc]\n"
            "fields:\n  name: nm\n  signal_defects: {column: ODR}\n"
        ),
    )
    ingest_files(settings, "sellers", [data], mapping=mapping)
    got = {(r["signal"], r["value"]) for r in _rows(settings, "seller_signals")}
    assert got == {("defects", 0.02), ("age", 300.0)}


def test_seller_links_and_outcomes_ingest_and_refuse_an_unknown_outcome(
    settings: Settings, tmp_path: Path
) -> None:
    links = _write(
        tmp_path / "links.csv",
        (
            "id,seller,other_seller,kind,weight,date\nL1,S1,S2,device,,2025-01-02\nL2,S1,S3,ip,0.3,\n"
        ),
    )
    outcomes = _write(
        tmp_path / "outcomes.csv",
        (
            "id,seller,outcome,date,reason,evidence_ref\n"
            "O1,S1,counterfeit,2025-02-01,test buy,CCU-1\nO2,S2,banned,2025-02-01,,\n"
        ),
    )
    assert ingest_files(settings, "seller_links", [links], organisation="mk").accepted == 2
    summary = ingest_files(settings, "seller-outcomes", [outcomes], organisation="mk")
    assert (summary.accepted, summary.quarantined) == (1, 1)
    reasons = [r["reason"] for r in _rows(settings, "quarantine")]
    assert any("banned" in r for r in reasons)
    link = {r["source_key"]: r for r in _rows(settings, "seller_links")}
    assert link["L2"]["date"] is None and link["L2"]["weight"] == 0.3


def test_strict_quarantines_a_row_whose_signal_does_not_clean(
    settings: Settings, tmp_path: Path
) -> None:
    path = _write(tmp_path / "sellers.csv", "id,name,signal_age\nS1,Acme,12\nS2,Bob,twelve\n")
    summary = ingest_files(settings, "sellers", [path], organisation="mk", strict=True)
    assert (summary.accepted, summary.quarantined) == (1, 1)
    assert [r["source_key"] for r in _rows(settings, "seller_signals")] == ["S1:age"]


def test_a_sellers_file_carries_at_most_max_signals_signal_columns() -> None:
    """Red team: one header line of 15,000 signal_ columns became 75,000 model features."""
    import pytest

    from ringfence.errors import LimitError
    from ringfence.ingest.signals import MAX_SIGNALS, signal_plans

    columns = ["id", "name"] + [f"signal_s{i}" for i in range(MAX_SIGNALS + 1)]
    assert len(signal_plans("sellers", {}, columns[:-1], "m.yaml", "/srv/x/sellers.csv")) == (
        MAX_SIGNALS
    )
    with pytest.raises(LimitError, match=r"^sellers\.csv: 501 signal_ columns") as refused:
        signal_plans("sellers", {}, columns, "m.yaml", "/srv/x/sellers.csv")
    assert "/srv" not in str(refused.value)  # no server path
