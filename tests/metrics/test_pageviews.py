"""The page-view measure on a small hand-made marketplace: shares per day and brand, pending
complaints apart, rejected ones not counted, and the CLI's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.errors import UserError
from ringfence.ingest.pipeline import ingest_files
from ringfence.metrics.pageviews import pageview_measure
from ringfence.settings import Settings

LISTINGS = """id,seller,title,brand
L1,S1,Shoe,Acme
L2,S2,Fake shoe,Acme
L3,S3,Bag,Brava
L4,S4,Other bag,Brava
L5,S5,Cup,
"""
# L2 upheld (counterfeit), L3 rejected (bad faith), L4 pending, L1 withdrawn.
COMPLAINTS = """id,listing,brand,filed_at,decision
N1,L2,Acme,2026-01-01,upheld
N2,L3,Brava,2026-01-01,rejected
N3,L4,Brava,2026-01-02,pending
N4,L1,Acme,2026-01-02,withdrawn
N5,L2,Acme,2026-01-03,rejected
"""
PAGEVIEWS = """id,listing,date,views
V1,L1,2026-01-01,90
V2,L2,2026-01-01,10
V3,L3,2026-01-01,50
V4,L4,2026-01-01,25
V5,L5,2026-01-01,5
V6,L1,2026-01-02,100
V7,L2,2026-01-02,0
V8,L4,2026-01-02,75
"""


@pytest.fixture
def world(tmp_path: Path, settings: Settings) -> Settings:
    for feed, text in (("listings", LISTINGS), ("complaints", COMPLAINTS),
                       ("pageviews", PAGEVIEWS)):  # fmt: skip
        path = tmp_path / f"{feed}.csv"
        path.write_text(text)
        ingest_files(settings, feed, [path], organisation="bazaar")
    return settings


def _by(rows):  # type: ignore[no-untyped-def]
    return {(r.date, r.brand): r for r in rows}


def test_shares_per_day_and_brand(world: Settings) -> None:
    rows = _by(pageview_measure(world))
    acme = rows[("2026-01-01", "Acme")]
    assert (acme.views, acme.views_with_valid_complaint) == (100, 10)
    assert acme.share_no_valid_complaint == pytest.approx(0.9)
    brava = rows[("2026-01-01", "Brava")]  # rejected is not valid; pending counted apart
    assert (brava.views_with_valid_complaint, brava.views_with_pending_complaint) == (0, 25)
    assert brava.share_no_valid_complaint == 1.0
    assert brava.share_if_pending_upheld == pytest.approx(50 / 75)
    everything = rows[("2026-01-01", "*")]
    assert everything.views == 180 and everything.views_with_valid_complaint == 10
    assert rows[("2026-01-01", "")].views == 5  # a listing with no brand
    day2 = rows[("2026-01-02", "*")]  # zero-view rows do not count
    assert (day2.views, day2.share_no_valid_complaint) == (175, 1.0)
    assert day2.share_if_pending_upheld == pytest.approx(100 / 175)


def test_brand_and_since_filters(world: Settings) -> None:
    rows = pageview_measure(world, brand=" acme ")
    assert {r.brand for r in rows} == {"Acme", "*"}
    import datetime as dt

    later = pageview_measure(world, since=dt.date(2026, 1, 2))
    assert {r.date for r in later} == {"2026-01-02"}


def test_no_pageviews_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(UserError, match="no page views"):
        pageview_measure(settings)


def test_cli_json(world: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(world.data_dir))
    done = CliRunner().invoke(app, ["metrics", "pageviews", "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert "upheld" in doc["definition"]
    first = doc["rows"][0]
    assert set(first) >= {"date", "brand", "views", "share_no_valid_complaint"}
    bad = CliRunner().invoke(app, ["metrics", "pageviews", "--since", "yesterday"])
    assert bad.exit_code == 2 and "--since" in bad.output
