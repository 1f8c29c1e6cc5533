"""Listing scores: online at creation equals the batch, listing facts move the score, the batch
command's contract, and scores rank the simulator's counterfeit listings first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.listings.evidence import combine
from ringfence.listings.service import lake_listings, load_scorer, scored_listings
from ringfence.settings import Settings

Market = tuple[Path, Settings]


def test_batch_score_of_a_sellers_newest_listing_is_its_current_row(market: Market) -> None:
    """The catalogue rules applied in Python agree with the lake's SQL features, and counting
    listings up to the newest one gives the seller's row as the seller model sees it now."""
    _, settings = market
    scorer = load_scorer(settings)
    frame = scored_listings(settings, scorer)
    ordered = lake_listings(settings)
    newest = ordered.drop_duplicates("seller", keep="last").set_index("listing")
    checked = 0
    for row in frame[frame["listing"].isin(newest.index)].head(60).itertuples():
        x = scorer.row(row.organisation, row.seller)[None, :]
        flags = scorer.catalogue.flags(row._asdict())
        rate = scorer.evidence.rate(flags)[0]
        expected = round(combine(float(scorer.model.probability(x)[0]), rate), 6)
        assert row.score == pytest.approx(expected, abs=1e-6), row.listing
        checked += 1
    assert checked == 60


def test_a_fake_looking_listing_scores_higher_with_reasons_in_words(market: Market) -> None:
    _, settings = market
    scorer = load_scorer(settings)
    brand = next(b for b, floor in scorer.catalogue.floors.items() if floor)
    floor = scorer.catalogue.floors[brand]
    assert floor is not None
    ordered = lake_listings(settings)
    seller = ordered["seller"].iloc[0]
    plain = scorer.score("bazaar", {"seller": seller, "price": 20.0})
    fake = scorer.score("bazaar", {"seller": seller, "brand": brand, "price": floor * 0.1})
    assert fake.score > plain.score
    assert "without being an authorised seller" in fake.reasons
    assert "priced at 10% of the lowest genuine price" in fake.reasons
    assert "such listings upheld counterfeit" in fake.reasons
    unknown = scorer.score("bazaar", {"seller": "never-seen", "brand": brand, "price": 1.0})
    assert 0.0 <= unknown.score <= 1.0
    assert scorer.score("other-market", {"seller": seller}).flags.unauthorised == 0


def test_score_command_writes_listing_score_reasons(
    market: Market, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out, settings = market
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("RINGFENCE_DATABASE_URL", raising=False)
    path = tmp_path / "listings.csv"
    result = CliRunner().invoke(app, ["listings", "score", "--out", str(path)])
    assert result.exit_code == 0, result.output
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path)
    assert table.column_names == ["listing", "score", "reasons"]
    truth = pq.read_table(out / "truth" / "listings.parquet").to_pandas()
    truth = truth[truth["organisation"] == "bazaar"].set_index("source_key")["is_counterfeit"]
    scores = table.to_pandas().set_index("listing")["score"]
    assert set(scores.index) == set(truth.index)
    y = truth.reindex(scores.index).to_numpy(dtype=bool)
    assert roc_auc_score(y, scores.to_numpy()) > 0.8
    assert np.all((scores >= 0) & (scores <= 1))
