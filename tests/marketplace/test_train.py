"""Time splits that never overlap, snapshot labels, and training on the snapshots."""

from __future__ import annotations

import pytest

from ringfence.errors import UserError
from ringfence.marketplace.train import STEP_DAYS, labelled, plan_split
from tests.marketplace.test_features import _data


@pytest.mark.parametrize(("first", "until"), [(0, 29), (100, 400), (7, 70)])
def test_label_windows_of_train_validation_and_test_never_overlap(first: int, until: int) -> None:
    s = plan_split(first, until)
    assert s.test + s.horizon == until + 1  # the test window closes on the cut-off
    assert s.validation + s.horizon <= s.test
    assert max(s.train) + s.horizon <= s.validation
    assert min(s.train) >= first and s.horizon % STEP_DAYS == 0


def test_too_short_a_history_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="at least"):
        plan_split(0, 15)


def test_snapshot_rows_and_labels() -> None:
    data = _data()
    stacked = labelled(data, [3, 11], horizon=8)
    day3 = dict(zip(stacked.seller[stacked.day == 3], stacked.y[stacked.day == 3], strict=True))
    assert day3 == {"a": 0.0, "b": 1.0, "d": 0.0}  # c opens on day 5; b confirmed on day 10
    assert "b" not in stacked.seller[stacked.day == 11]  # already confirmed: not a row any more
