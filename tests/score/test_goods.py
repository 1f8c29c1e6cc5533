"""Goods signals: brand names and misspellings in descriptions, price and HS code checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from ringfence.score.explain import feature_words
from ringfence.score.goods import Catalogue, goods_features, load_catalogue
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from tests.score.world import exchange_rates, feed_table


def test_brand_signals():
    cat = Catalogue(
        terms=["northpeak", "glacier line"],
        term_brand=["northpeak", "glacier line"],
        price_min={"northpeak": 100.0},
        chapters={"northpeak": {"62"}},
    )
    table = pa.table(
        {
            "description": ["NorthPeak jacket", "Nortpeak jackett", "plain t-shirt", None],
            "hs_code": ["620193", "392690", "610910", None],
            "unit_value": [20.0, 150.0, 5.0, None],
        }
    )
    out = goods_features(table, cat)
    assert out["brand_exact"][:3].tolist() == [1.0, 0.0, 0.0]
    assert out["brand_misspelt"][:3].tolist() == [0.0, 1.0, 0.0]
    assert out["brand_price_ratio"][0] == 0.2
    assert out["brand_hs_mismatch"][:2].tolist() == [0.0, 1.0]
    assert np.isnan(out["brand_match_score"][3])
    assert "protected brand" in feature_words("brand_exact", {"brand_exact": 1.0}, {})


def test_brand_prices_are_compared_in_the_base_currency(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    lake = Lake(settings)
    brands = {"id": ["b1"], "source_key": ["b1"], "organisation": ["t"], "name": ["NorthPeak"]}
    lake.write_table("brands", feed_table("brands", brands, 1), "test")
    products = {
        "id": ["p1", "p2"], "source_key": ["p1", "p2"], "organisation": ["t", "t"],
        "brand": ["NorthPeak", "NorthPeak"], "name": ["Jacket", "Cap"],
        "price_min": [216.0, 150.0], "currency": ["USD", "GBP"],
    }  # fmt: skip
    lake.write_table("products", feed_table("products", products, 2), "test")
    lake.write_table("exchange_rates", exchange_rates(), "test")
    # 216 USD at the latest USD rate (1.09 per EUR) is 198.17 EUR; GBP has no rate.
    assert _price_floor(settings) == pytest.approx(150.0)
    assert 216.0 / 1.09 > 150.0
    lake.write_table("exchange_rates", _gbp_rate(), "gbp")
    assert _price_floor(settings) == pytest.approx(min(216.0 / 1.09, 150.0 / 0.5))


def _price_floor(settings: Settings) -> float:
    engine = open_engine(settings)
    try:
        catalogue = load_catalogue(settings, engine)
    finally:
        engine.close()
    assert catalogue is not None
    return catalogue.price_min["northpeak"]


def _gbp_rate() -> pa.Table:
    cols = {"id": ["g"], "source_key": ["g"], "organisation": ["t"], "currency": ["GBP"],
            "date": [dt.date(2024, 1, 1)], "rate": [0.5]}  # fmt: skip
    return feed_table("exchange_rates", cols, 1)
