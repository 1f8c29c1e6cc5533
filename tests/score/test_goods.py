"""Goods signals: brand names and misspellings in descriptions, price and HS code checks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ringfence.score.explain import feature_words
from ringfence.score.goods import Catalogue, goods_features


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
