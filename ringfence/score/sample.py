"""Training on a sample of the labelled rows once they pass ``Settings.train_max_rows``.

Past about a million labelled shipments the training matrix outgrows a driver (~7.5 GB per
million, docs/scale.md). Then the shipments all of whose outcomes are negative are kept with
probability ``fraction``, chosen so that about ``train_max_rows`` rows remain. The shipments
with a positive outcome are all kept while they are at most ``POSITIVE_SHARE`` of
``train_max_rows``; past that they are drawn too, label by label: the room is shared out so
that each label keeps ``min(its positives, cap)`` with one ``cap`` for all (a rare label keeps
every positive, a common one is drawn with probability ``cap / its positives``), and a shipment
positive for several labels is drawn with the largest of their chances. Each kept row weighs
the inverse of its chance in training, early stopping, calibration and the choice of the
profile prior (inverse-probability weights), so the loss, the base rates and the calibrated
probabilities stay those of the whole window. Only rows dated in the training window are
sampled: a backtest measures every test row.

A shipment is drawn by its id's MD5 (``md5(id) < threshold``, the same on every engine and every
run), labels are named in the SQL by their own MD5 (no label text in a query), and the features
of the kept rows are those of the whole lake's matrix: the sample filters the feature query's
rows, never the history its profiles read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
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
# Past this share of ``train_max_rows`` the positives are drawn too (per label, above).
POSITIVE_SHARE = 0.5

COUNTS_SQL = """
SELECT count(*) AS labelled, coalesce(sum(CASE WHEN positive THEN 1 ELSE 0 END), 0) AS positives
FROM (
    SELECT o.shipment_ref, bool_or(o.positive) AS positive
    FROM outcomes AS o JOIN shipments AS sh ON sh.id = o.shipment_ref
    WHERE o.shipment_ref IS NOT NULL AND sh.date <= DATE '{until}'
    GROUP BY o.shipment_ref
) AS per_shipment
"""
# Shipments of the window with a positive outcome, per label.
LABEL_COUNTS_SQL = """
SELECT o.label, count(DISTINCT o.shipment_ref) AS positives
FROM outcomes AS o JOIN shipments AS sh ON sh.id = o.shipment_ref
WHERE o.shipment_ref IS NOT NULL AND o.positive AND o.label IS NOT NULL
  AND sh.date <= DATE '{until}'
GROUP BY o.label
"""


def _hex(fraction: float) -> str:
    """Hex prefix below which an id's MD5 is drawn with probability ``fraction``."""
    return format(min(int(fraction * 16**HEX_DIGITS), 16**HEX_DIGITS - 1), "08x")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@dataclass(frozen=True)
class TrainingSample:
    """How the labelled rows of a training window were sampled."""

    until: dt.date
    labelled: int
    positives: int
    max_rows: int
    fraction: float
    # Each label's chance to draw a shipment positive for it, for the labels drawn (below 1).
    positive_fractions: dict[str, float] = field(default_factory=dict)

    @property
    def threshold(self) -> str:
        """Hex prefix below which an id's MD5 draws a negative shipment."""
        return _hex(self.fraction)

    def condition(self) -> str:
        """SQL condition on a feature row (its ``id``): labelled, and drawn if in the window
        (``labelled.LABELLED`` restricted)."""
        after = f"max(sh.date) > DATE '{self.until.isoformat()}'"
        negative = f"md5(o.shipment_ref) < '{self.threshold}'" if self.fraction < 1 else "TRUE"
        if self.positive_fractions:  # a positive not drawn is no negative: left out
            negative = f"(NOT coalesce(bool_or(o.positive), FALSE) AND {negative})"
        return (
            "id IN (SELECT o.shipment_ref FROM outcomes AS o JOIN shipments AS sh "
            "ON sh.id = o.shipment_ref WHERE o.shipment_ref IS NOT NULL GROUP BY o.shipment_ref "
            f"HAVING {self._positive_kept()} OR {after} OR {negative})"
        )

    def _positive_kept(self) -> str:
        """An aggregate: the shipment is positive and drawn as such (always, unsampled)."""
        if not self.positive_fractions:
            return "bool_or(o.positive)"
        listed = sorted(self.positive_fractions.items())
        drawn = " OR ".join(
            f"(md5(o.label) = '{_md5(label)}' AND md5(o.shipment_ref) < '{_hex(q)}')"
            for label, q in listed
        )
        hashes = ", ".join(f"'{_md5(label)}'" for label, _ in listed)
        whole = f"coalesce(md5(o.label) NOT IN ({hashes}), TRUE)"  # a label kept whole
        return f"bool_or(o.positive AND ({whole} OR {drawn}))"

    def weights(self, days: np.ndarray, positive: dict[str, np.ndarray]) -> np.ndarray:
        """Per matrix row (``days``: dates as days since 1970; ``positive``: per label, a
        positive outcome of it), the inverse of its chance to be drawn."""
        window = days <= (self.until - dt.date(1970, 1, 1)).days
        anyone = np.zeros(len(days), dtype=bool)
        chance = np.zeros(len(days))
        for label, flags in positive.items():
            anyone |= flags
            drawn = self.positive_fractions.get(label, 1.0)
            chance = np.where(flags, np.maximum(chance, drawn), chance)
        chance = np.where(anyone, chance, self.fraction)
        return np.where(window, 1.0 / chance, 1.0)

    def record(self, kept: int) -> dict[str, object]:
        """What the model manifest says about the sample (``kept``: rows trained on)."""
        return {
            "labelled": self.labelled,
            "positives": self.positives,
            "max_rows": self.max_rows,
            "negative_fraction": round(self.fraction, 6),
            "positive_fractions": {
                label: round(q, 6) for label, q in sorted(self.positive_fractions.items())
            },
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
    drawn: dict[str, float] = {}
    kept = float(positives)
    if positives > POSITIVE_SHARE * max_rows:
        rows = engine.query(LABEL_COUNTS_SQL.format(until=until.isoformat())).to_pylist()
        drawn = label_fractions({str(r["label"]): int(r["positives"]) for r in rows},
                                POSITIVE_SHARE * max_rows)  # fmt: skip
        kept = min(kept, POSITIVE_SHARE * max_rows)  # at most: a shipment may count twice
    negatives = labelled - positives
    room = max(max_rows - kept, MIN_NEGATIVE_SHARE * max_rows)
    fraction = min(room / negatives, 1.0) if negatives else 1.0
    if fraction >= 1.0 and not drawn:
        return None
    return TrainingSample(until, labelled, positives, max_rows, fraction, drawn)


def label_fractions(positives: dict[str, int], room: float) -> dict[str, float]:
    """Each label's chance to draw its positive shipments, for the labels drawn: they share
    ``room`` so that each keeps ``min(its positives, cap)`` with one ``cap`` for all (water
    filling: the smaller labels whole, the larger ``cap`` each)."""
    fractions: dict[str, float] = {}
    left = room
    ordered = sorted(positives, key=lambda label: (positives[label], label))
    for at, label in enumerate(ordered):
        cap = left / (len(ordered) - at)
        if positives[label] > cap:
            fractions[label] = cap / positives[label]
        left -= min(positives[label], cap)
    return fractions


def condition_for(sample: TrainingSample | None) -> str:
    """The SQL condition selecting the training matrix's rows."""
    return LABELLED if sample is None else sample.condition()


def row_weights(matrix: Matrix, labels: list[str]) -> np.ndarray | None:
    """Each matrix row's sampling weight (``TrainingSample.weights``), None when unsampled."""
    if matrix.sample is None:
        return None
    positive: dict[str, np.ndarray] = {}
    for label in labels:
        values = pc.fill_null(matrix.table.column(label), 0).to_numpy(zero_copy_only=False)
        positive[label] = np.asarray(values) > 0
    return matrix.sample.weights(matrix.days(), positive)


def times(first: np.ndarray | None, second: np.ndarray | None) -> np.ndarray | None:
    """The product of two optional weight vectors."""
    if first is None or second is None:
        return first if second is None else second
    return first * second
