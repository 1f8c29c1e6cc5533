"""Seller features are taken as of a day: nothing dated on or after it counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ringfence.marketplace.data import SellerData
from ringfence.marketplace.features import snapshot
from ringfence.marketplace.graph import adjacency, label_stats, neighbour_stats


def _data() -> SellerData:
    ids = ["a", "b", "c", "d"]
    return SellerData(
        sellers=pd.DataFrame(
            {"id": ids, "key": ids, "organisation": "mk", "registered": [0.0, 0.0, 5.0, np.nan]}
        ),
        signals=pd.DataFrame(
            {"seller": ["a", "b", "c"], "signal": "defects", "value": [0.1, 0.3, 0.5]}
        ),
        links=pd.DataFrame(
            {
                "seller": ["a", "a", "b"],
                "other": ["b", "c", "d"],
                "kind": ["device", "warehouse", "payment"],
                "weight": [1.0, 0.5, 1.0],
                "day": [3.0, 20.0, np.nan],
            }
        ),
        outcomes=pd.DataFrame(
            {"seller": ["b", "d"], "counterfeit": [True, False], "day": [10.0, 4.0]}
        ),
        listings=pd.DataFrame(
            {
                "seller": ["a", "a"],
                "day": [1.0, 30.0],
                "unauthorised": [1, 1],
                "below_genuine": [1, 0],
                "price_ratio": [0.2, 0.9],
                "protected": [0, 1],
            }
        ),
        complaints=pd.DataFrame(
            {"seller": ["a"], "filed": [8.0], "decision": ["upheld"], "decided": [12.0]}
        ),
    )


def test_known_counterfeit_neighbours_count_only_outcomes_before_the_day() -> None:
    data = _data()
    on, after = snapshot(data, 10), snapshot(data, 11)
    assert on.loc["a", "known_bad"] == 0  # b is confirmed on day 10: not yet known on day 10
    assert after.loc["a", "known_bad"] == 1
    assert after.loc["a", "shared_device_payment_ip_known_bad"] == 1
    assert after.loc["d", "known_bad"] == 1  # the undated link counts from the start
    assert after.loc["b", "known_bad"] == 0  # its own outcome is not a neighbour's


def test_links_listings_and_notices_after_the_day_do_not_count() -> None:
    data = _data()
    early, late = snapshot(data, 10), snapshot(data, 31)
    assert early.loc["a", "links_degree"] == 1 and late.loc["a", "links_degree"] == 2
    assert early.loc["a", "links_warehouse"] == 0 and late.loc["a", "links_warehouse"] == 1
    assert early.loc["a", "listings"] == 1 and late.loc["a", "listings"] == 2
    assert early.loc["a", "notices"] == 1 and early.loc["a", "notices_upheld"] == 0
    assert late.loc["a", "notices_upheld"] == 1
    assert early.loc["c", "account_age_days"] == 5
    assert early.loc["a", "nbr_max_signal_defects"] == 0.3


def test_neighbour_stats_and_two_hop_counts_on_a_small_graph() -> None:
    # path 0 - 1 - 2, and 3 alone
    a = adjacency(4, np.array([0, 1]), np.array([1, 2]))
    x = np.array([[1.0], [np.nan], [3.0], [7.0]])
    stats = neighbour_stats(a, x, ["v"])
    assert np.isnan(stats["nbr_mean_v"][0])  # its one neighbour's value is unknown
    assert stats["nbr_mean_v"][1] == 2.0 and stats["nbr_max_v"][1] == 3.0
    assert np.isnan(stats["nbr_max_v"][3])
    bad = np.array([True, False, False, False])
    got = label_stats(a, bad, np.zeros(4, dtype=bool), "")
    assert list(got["known_bad"]) == [0, 1, 0, 0]
    assert list(got["known_bad_2hop"]) == [0, 0, 1, 0]  # node 0 does not count itself
