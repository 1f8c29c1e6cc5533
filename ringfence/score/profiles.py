"""Out-of-fold entity risk profiles for training rows: no train/serve skew.

Served and test shipments read each key's label history strictly before their date
(``history.py``): a shipment scored after the training window sees *every* training label. A
training row given only the labels before it would see a January history a twelfth as long as the
one it is scored with in the next quarter, so the model would learn on profiles unlike the ones it
serves. With ``oof`` (``features.compute_features(..., oof=True)``, used by training and
backtests) a training row — dated before the label cut-off, or every row without one — reads
instead the training-window labels of the *other* ``FOLDS - 1`` folds (folds by shipment id),
counts scaled by ``FOLDS / (FOLDS - 1)`` so they stand for the whole window. Its own label, and
those of its fold, never reach its profile; rows after the cut-off stay strictly out of time.
Serving needs nothing of this: it reads all training labels, as the profiles were built to mimic.
"""

from __future__ import annotations

from collections.abc import Callable

from ringfence.score.history import label_sums

FOLDS = 5
SCALE = FOLDS / (FOLDS - 1)


def _counters(labels: list[str]) -> list[str]:
    return ["n_any", *label_sums(labels, "")]


def fold_sql(labels: list[str]) -> str:
    """Each shipment's fold (by id, portable to Spark), the labels with their shipment's fold
    (``labf``, the label rows of the keys' histories), and per fold the global label counts."""
    cols = _counters(labels)
    sums = ", ".join(f"sum({c}) AS {c}" for c in cols)
    events = ", ".join(["1 AS n_any", *(f"l.{c}" for c in cols[1:])])
    # From ``shipments`` (the ids of ``base``: one row per dated shipment), so the numbering
    # sorts ids alone, not ``base``'s rows.
    return f"""fold AS (
 SELECT id, row_number() OVER (ORDER BY id) % {FOLDS} AS f FROM shipments WHERE date IS NOT NULL),
labf AS (SELECT l.*, fo.f FROM lab l JOIN fold fo ON fo.id = l.sid),
ofp AS (SELECT f, {sums} FROM (SELECT l.f, {events} FROM labf l) e GROUP BY 1),
otp AS (SELECT {sums} FROM ofp)"""


def oof_sql(name: str, labels: list[str]) -> str:
    """Per key and fold, and per key over all folds: the training window's label counts (from
    the key's labels ``lk_<name>`` with their folds, ``history.history_sql`` on ``labf``)."""
    cols = _counters(labels)
    sums = ", ".join(f"sum({c}) AS {c}" for c in cols)
    events = ", ".join(["1 AS n_any", *(f"l.{c}" for c in cols[1:])])
    return f"""of_{name} AS (
 SELECT k, f, {sums} FROM (SELECT l.k, l.f, {events} FROM lk_{name} l) e GROUP BY 1, 2),
ot_{name} AS (SELECT k, {sums} FROM of_{name} GROUP BY 1)"""


def training_row(cutoff_day: int | None) -> str:
    """SQL condition: the base row ``b`` is a training row (profiles out of fold)."""
    return "TRUE" if cutoff_day is None else f"b.day < {cutoff_day}"


def counter(name: str, column: str, cutoff_day: int | None) -> str:
    """A key's label counter: out of fold for training rows, strictly earlier days otherwise."""
    oof = f"CAST(coalesce(ot_{name}.{column}, 0) - coalesce(of_{name}.{column}, 0) AS DOUBLE)"
    strict = f"CAST(coalesce(w_{name}.{name}__{column}, 0) AS DOUBLE)"
    return f"(CASE WHEN {training_row(cutoff_day)} THEN {oof} * {SCALE} ELSE {strict} END)"


def raw_counter(name: str, column: str, cutoff_day: int | None) -> str:
    """``counter`` unscaled (the other folds' own counts): for ratios that must be exact, as
    the top-decile flags' raw rates (``deciles.py``)."""
    oof = f"CAST(coalesce(ot_{name}.{column}, 0) - coalesce(of_{name}.{column}, 0) AS DOUBLE)"
    strict = f"CAST(coalesce(w_{name}.{name}__{column}, 0) AS DOUBLE)"
    return f"(CASE WHEN {training_row(cutoff_day)} THEN {oof} ELSE {strict} END)"


def prior_counter(column: str, cutoff_day: int | None) -> str:
    """The global counter behind the smoothing prior, chosen as ``counter`` chooses."""
    oof = f"CAST(coalesce(otp.{column}, 0) - coalesce(ofp.{column}, 0) AS DOUBLE) * {SCALE}"
    strict = f"CAST(prior.{column} AS DOUBLE)"
    return f"(CASE WHEN {training_row(cutoff_day)} THEN {oof} ELSE {strict} END)"


def joins(names: list[str], kept: Callable[[str, str], str] = lambda cte, _: cte) -> str:
    """The joins the out-of-fold counters read; ``kept(cte, match)`` is what a join reads of a
    CTE (``features._kept``: only the rows a kept row meets, ``match`` pairing the CTE's
    columns with the kept row's, ``"k=k_hs6"``)."""
    fold = kept("fold", "id=id")
    lines = [f"LEFT JOIN {fold} fo ON fo.id = b.id", "CROSS JOIN otp",
             "LEFT JOIN ofp ON ofp.f = fo.f"]  # fmt: skip
    for name in names:
        ot, of = (kept(f"o{t}_{name}", f"k=k_{name}") for t in "tf")
        lines.append(f"LEFT JOIN {ot} ot_{name} ON ot_{name}.k = b.k_{name}")
        lines.append(
            f"LEFT JOIN {of} of_{name} ON of_{name}.k = b.k_{name} AND of_{name}.f = fo.f"
        )
    return "\n".join(lines)
