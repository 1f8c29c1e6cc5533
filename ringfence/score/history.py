"""The label-history stage of the feature SQL: per key and day, what earlier days' outcomes say.

Each history key (a party, an HS code, an origin, a route...) gets, for every day it occurs, the
inspections and positives of *strictly earlier* days, overall and per label, plus behaviour
counts for parties; ``prior`` is the global positive rate of earlier days, the target that small
histories are smoothed toward. ``features.feature_sql`` assembles these CTEs with the rest;
``online_state`` reads the same per-day aggregates to score one shipment.
"""

from __future__ import annotations

import re

# Pseudo-observations pulling a small history toward the global rate (Bayesian smoothing).
PRIOR_WEIGHT = 10.0


def safe_label(label: str) -> str:
    """A label as an SQL identifier fragment (``critical-fraud`` -> ``critical_fraud``)."""
    return re.sub(r"[^a-z0-9_]", "_", label.lower())


def sql_literal(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def day_number(expr: str) -> str:
    """Days since 1970 as an integer, so range frames are numeric in every engine."""
    return f"date_diff('day', DATE '1970-01-01', {expr})"


def labels_sql(labels: list[str], cutoff_day: int | None) -> str:
    """One row per shipment and label day: any-positive plus per-label flags."""
    per_label = ",\n  ".join(
        f"max(CASE WHEN o.label = {sql_literal(lab)} THEN 1 ELSE 0 END) AS n_{safe_label(lab)},\n"
        f"  max(CASE WHEN o.label = {sql_literal(lab)} AND o.positive THEN 1 ELSE 0 END)"
        f" AS p_{safe_label(lab)}"
        for lab in labels
    )
    lday = day_number("greatest(coalesce(o.date, b.date), b.date)")
    where = f"WHERE {lday} < {cutoff_day}" if cutoff_day is not None else ""
    return f"""lab AS (
 SELECT o.shipment_ref AS sid, {lday} AS lday,
  max(CASE WHEN o.positive THEN 1 ELSE 0 END) AS p_any,
  {per_label}
 FROM outcomes o JOIN base b ON b.id = o.shipment_ref {where}
 GROUP BY 1, 2)"""


def label_sums(labels: list[str], prefix: str) -> list[str]:
    cols = ["p_any"] + [f"{c}_{safe_label(lab)}" for lab in labels for c in ("n", "p")]
    return [f"{prefix}{c}" for c in cols]


def history_sql(
    name: str, labels: list[str], party: bool, past: bool = False, label_rows: str = "lab"
) -> str:
    """Per key and day: label history of strictly earlier days, plus behaviour for parties;
    with ``past``, other keys get their past shipments too (``<key>_past_shipments``). Reads the
    key's rows ``bk_<name>`` (``base_rows.key_rows_sql``) and the labels of ``label_rows``
    (``lab``, or ``labf``: with each shipment's fold, which the out-of-fold counts read from
    ``lk_<name>``, the key's labels, so the labels meet the key's rows in one join)."""
    counts = ["1 AS n_any"] + [f"l.{c}" for c in label_sums(labels, "")]
    zeros = ["0 AS n_any"] + [f"0 AS {c}" for c in label_sums(labels, "")]
    cols = ["n_any", *label_sums(labels, "")]
    before = "OVER (PARTITION BY k ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    hist = [f"coalesce(sum({c}) {before}, 0) AS {name}__{c}" for c in cols]
    if party:
        window = "OVER (PARTITION BY k ORDER BY day RANGE BETWEEN {n} PRECEDING AND 1 PRECEDING)"
        hist += [
            f"coalesce(sum(ships) {window.format(n=n)}, 0) AS {name}_volume_{n}d" for n in (7, 30)
        ]
        hist += [
            f"coalesce(sum(ships) {before}, 0) AS {name}_past_shipments",
            f"day - min(day) OVER (PARTITION BY k ORDER BY day ROWS UNBOUNDED PRECEDING)"
            f" AS {name}_days_known",
        ]
    elif past:
        hist.append(f"coalesce(sum(ships) {before}, 0) AS {name}_past_shipments")
    return f"""lk_{name} AS (SELECT b.k, l.* FROM {label_rows} l JOIN bk_{name} b ON b.id = l.sid),
ev_{name} AS (
 SELECT k, day, 1 AS ships, {", ".join(zeros)} FROM bk_{name}
 UNION ALL
 SELECT l.k, l.lday, 0, {", ".join(counts)} FROM lk_{name} l),
g_{name} AS (
 SELECT k, day, {", ".join(f"{_double_sum(c)} AS {c}" for c in ["ships", *cols])}
 FROM ev_{name} GROUP BY 1, 2),
w_{name} AS (SELECT k, day, {", ".join(hist)} FROM g_{name})"""


def _double_sum(column: str) -> str:
    # Counts as DOUBLE: an integer sum is a 128-bit integer in DuckDB, slower to window over and
    # to convert into the model's float matrix (exact either way for counts below 2**53).
    return f"CAST(sum({column}) AS DOUBLE)"


def prior_sql(labels: list[str]) -> str:
    """Global positive rate of strictly earlier days, per label: the smoothing target."""
    cols = ["n_any", *label_sums(labels, "")]
    before = "OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    sums = ", ".join(f"sum({c}) AS {c}" for c in cols)
    cum = ", ".join(f"coalesce(sum({c}) {before}, 0) AS {c}" for c in cols)
    return f"""gday AS (
 SELECT day, {sums} FROM (
  SELECT day, {", ".join(f"0 AS {c}" for c in cols)} FROM base
  UNION ALL SELECT lday, 1, {", ".join(f"{c}" for c in cols[1:])} FROM lab) x GROUP BY 1),
prior AS (SELECT day, {cum} FROM gday)"""


def rate_pairs(labels: list[str]) -> list[tuple[str, str, str]]:
    """(suffix, positives column, inspections column) for the any-label and each label."""
    pairs = [("", "p_any", "n_any")]
    pairs += [
        (f"_{safe_label(lab)}", f"p_{safe_label(lab)}", f"n_{safe_label(lab)}") for lab in labels
    ]
    return pairs


def prior_rate(pos: str, n: str) -> str:
    """The smoothing target from SQL expressions of the global positives and inspections."""
    # One pseudo-positive in fifty keeps the prior defined before any label is known.
    return f"(({pos} + 0.02) / ({n} + 1.0))"
