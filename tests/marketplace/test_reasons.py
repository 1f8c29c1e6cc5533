"""Entity features out of time, and reasons in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ringfence.marketplace.features import entity_features
from ringfence.marketplace.reasons import explain, feature_words
from tests.marketplace.test_features import _data


def test_border_seizures_of_the_resolved_entity_count_only_before_the_day() -> None:
    data = _data()
    data.entity = pd.Series({"a": "E1", "b": "E1", "c": "E2"})
    data.seizures = pd.DataFrame(
        {"entity": ["E1", "E1", "E2"], "shipment": ["s1", "s2", "s3"], "day": [5, 9, 20]}
    )
    got = entity_features(data, 9)["entity_border_seizures"]
    assert got.to_dict() == {"a": 1, "b": 1, "c": 0, "d": 0}
    assert entity_features(data, 21).loc["c", "entity_border_seizures"] == 1


def test_reasons_name_the_features_that_raised_the_score_in_words() -> None:
    names = ["shared_device_payment_ip_known_bad", "listings_unauthorised", "signal_defects"]
    row = {names[0]: 3.0, names[1]: 2.0, names[2]: 0.01}
    text = explain(np.array([1.5, 0.4, -0.2, -1.0]), names, row)
    assert text == (
        "3 linked accounts sharing a device, payment instrument or IP confirmed "
        "counterfeit (+1.50); 2 listings claim a brand it is not authorised for (+0.40)"
    )
    assert explain(np.array([-0.1, -0.2, -0.3, 0.0]), names, row) == "nothing raised the score"
    assert feature_words("entity_network_risk", 0.8).startswith("its resolved entity is close to")
    assert feature_words("links_payment", 1.0) == "shares a payment instrument with 1 other account"
    assert feature_words("account_age_days", float("nan")) == "account age days is unknown"
