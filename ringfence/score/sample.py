"""Training on a sample of the labelled rows once they pass ``Settings.train_max_rows``.

Past about a million labelled shipments the training matrix outgrows a driver (~7.5 GB per
million, docs/scale.md). Then every shipment with a positive outcome of any label is kept (a
rare label keeps all its positives) and the shipments all of whose outcomes are negative are
kept with probability ``fraction``, chosen so that about ``train_max_rows`` rows remain; each
kept negative weighs ``1 / fraction`` in training, early stopping, calibration and the choice
of the profile prior (inverse-probability weights), so the loss, the base rates and the
calibrated probabilities stay those of the whole window. Only rows dated in the training
window are sampled: a backtest measures every test row.

A shipment is drawn by its id's MD5 (``md5(id) < threshold``, the same on every engine and every
run), and the features of the kept rows are those of the whole lake's matrix: the sample filters
the feature query's rows, never the history its profiles read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.compute as pc

from ringfence.score.labelled import LABELLED
from ringfence.store.engine import Engine

if TYPE_CHECKING:
    from ringfence.score.pipeline import Matrix

# Digits of the MD5 compared with the threshold (16^8 steps: finer than any fraction used).
HEX_DIGITS = 8
# However many positives there are, at least this share of ``train_max_rows`` stays negatives.
MIN_NEGATIVE_SHARE = 0.1

COUNTS_SQL = """
SELECT count(*) AS labelled, coalesce(sum(CASE WHEN positive THEN 1 ELSE 0 END), 0) AS positives
FROM (
    SELECT o.shipment_ref, bool_or(o.positive) AS positive
    FROM outcomes AS o JOIN shipments AS sh ON sh.id = o.shipment_ref
    WHERE o.shipment_ref IS NOT NULL AND sh.date <= DATE '{until}'
    GROUP BY o.shipment_ref
) AS per_shipment
"""


@dataclass(frozen=True)
class TrainingSample:
    """How the labelled rows of a training window were sampled."""

    until: dt.date
    labelled: int
    positives: int
    max_rows: int
    fraction: float

    @property
    def threshold(self) -> str:
        """Hex prefix below which an id's MD5 draws the shipment."""
        return format(min(int(self.fraction * 16**HEX_DIGITS), 16**HEX_DIGITS - 1), "08x")

    def condition(self) -> str:
        """SQL condition on a feature row (its ``id``): labelled, and drawn if negative and in
        the window (``labelled.LABELLED`` restricted)."""
        return (
            "id IN (SELECT o.shipment_ref FROM outcomes AS o JOIN shipments AS sh "
            "ON sh.id = o.shipment_ref WHERE o.shipment_ref IS NOT NULL GROUP BY o.shipment_ref "
            f"HAVING bool_or(o.positive) OR max(sh.date) > DATE '{self.until.isoformat()}' "
            f"OR md5(o.shipment_ref) < '{self.threshold}')"
        )

    def weights(self, days: np.ndarray, positive: np.ndarray) -> np.ndarray:
        """Per matrix row (``days``: dates as days since 1970; ``positive``: a positive outcome
        of any label), the inverse of its chance to be drawn."""
        window = days <= (self.until - dt.date(1970, 1, 1)).days
        return np.where(window & ~positive, 1.0 / self.fraction, 1.0)

    def record(self, kept: int) -> dict[str, float | int | str]:
        """What the model manifest says about the sample (``kept``: rows trained on)."""
        return {
            "labelled": self.labelled,
            "positives": self.positives,
            "max_rows": self.max_rows,
            "negative_fraction": round(self.fraction, 6),
            "kept": kept,
            "until": self.until.isoformat(),
        }


def plan_sample(engine: Engine, max_rows: int, until: dt.date) -> TrainingSample | None:
    """The sample for training up to ``until`` when more than ``max_rows`` shipments dated in
    the window are labelled; None (every labelled row) otherwise."""
    counts = engine.query(COUNTS_SQL.format(until=until.isoformat())).to_pylist()[0]
    labelled, positives = int(counts["labelled"]), int(counts["positives"])
    if labelled <= max_rows:
        return None
    negatives = labelled - positives
    if not negatives:  # positives alone pass the limit: they are all kept
        return None
    room = max(max_rows - positives, MIN_NEGATIVE_SHARE * max_rows)
    return TrainingSample(until, labelled, positives, max_rows, min(room / negatives, 1.0))


def condition_for(sample: TrainingSample | None) -> str:
    """The SQL condition selecting the training matrix's rows."""
    return LABELLED if sample is None else sample.condition()


def row_weights(matrix: Matrix, labels: list[str]) -> np.ndarray | None:
    """Each matrix row's sampling weight (``TrainingSample.weights``), None when unsampled."""
    if matrix.sample is None:
        return None
    positive = np.zeros(matrix.table.num_rows, dtype=bool)
    for label in labels:
        values = pc.fill_null(matrix.table.column(label), 0).to_numpy(zero_copy_only=False)
        positive |= np.asarray(values) > 0
    return matrix.sample.weights(matrix.days(), positive)


def times(first: np.ndarray | None, second: np.ndarray | None) -> np.ndarray | None:
    """The product of two optional weight vectors."""
    if first is None or second is None:
        return first if second is None else second
    return first * second
