"""Top-decile flags: is this key's entity among the riskiest tenth of its kind? (issue 14 item 2)

For each history key (importer, HS6, route, ...) and each rate (any label, then per label), a
shipment dated ``d`` gets ``<key>_top_decile<label>`` = 1 when its entity's raw positive rate
(positives / inspections, no smoothing) is in the top tenth of that key's entities' raw rates,
else 0 (no inspection or no positive: 0). Entities are ranked on what was known before the week
of ``d`` started (ISO weeks, as network risk, ``network_risk.period_sql``): an entity's rate at
the end of each week it got labels enters the distribution from the next week, replacing its
previous one. Rates are compared in whole percent (``floor(100 × rate)``), so the distribution is
a 101-bin histogram kept as per-week changes, and a week's threshold is the highest bin at or
above which at least a tenth of the entities lie (ties count in: at least a tenth is flagged).

Leakage: thresholds read the label history of the feature query (``history.labels_sql``: cut at
``label_cutoff`` in backtests), and only weeks before the row's own, so a test-window label never
reaches any row and a row's own label never its threshold. The entity's rate is the row's
profile: out of fold for training rows (``profiles.raw_counter``), strictly before ``d``
otherwise. ``online_state`` reads the same per-week changes (``changes_sql``) and computes the
same thresholds (``Thresholds``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ringfence.score.history import rate_pairs
from ringfence.score.network_risk import SNAPSHOT_DAYS, period_sql, period_start

BINS = 100  # rates compared in whole percent
SHARE = 10  # the top 1/SHARE of entities


def bin_sql(pos: str, n: str) -> str:
    """SQL: the percent bin of a rate (null without inspections), as ``rate_bin``."""
    return f"CASE WHEN {n} > 0 THEN floor({float(BINS)} * {pos} / {n}) END"


def rate_bin(pos: float, n: float) -> float | None:
    """Python twin of ``bin_sql``."""
    return float(np.floor(float(BINS) * pos / n)) if n > 0 else None


def changes_sql(name: str, labels: list[str]) -> str:
    """Per key: entities entering (+1) and leaving (-1) each rate bin, by the week the change
    takes effect (the week after the labels), from ``g_<name>`` (``history.history_sql``)."""
    pairs = rate_pairs(labels)
    counters = [c for _, pos, n in pairs for c in (pos, n)]
    counters = list(dict.fromkeys(counters))
    sums = ", ".join(f"sum({c}) AS {c}" for c in counters)
    running = ", ".join(
        f"sum({c}) OVER (PARTITION BY k ORDER BY p ROWS UNBOUNDED PRECEDING) AS {c}"
        for c in counters
    )
    states = " UNION ALL ".join(
        f"SELECT '{suffix}' AS lab, k, p + {SNAPSHOT_DAYS} AS eff, {bin_sql(pos, n)} AS rbin"
        f" FROM dc_{name} WHERE {n} > 0"
        for suffix, pos, n in pairs
    )
    return f"""dp_{name} AS (
 SELECT k, {period_sql("day")} AS p, {sums} FROM g_{name} GROUP BY 1, 2),
dc_{name} AS (SELECT k, p, {running} FROM dp_{name}),
ds_{name} AS (
 SELECT lab, eff, rbin, lag(rbin) OVER (PARTITION BY lab, k ORDER BY eff) AS prev
 FROM ({states}) s),
dd_{name} AS (
 SELECT lab, rbin, eff, sum(chg) AS chg FROM (
  SELECT lab, rbin, eff, 1 AS chg FROM ds_{name} WHERE prev IS NULL OR rbin <> prev
  UNION ALL
  SELECT lab, prev, eff, -1 FROM ds_{name} WHERE prev IS NOT NULL AND rbin <> prev) x
 GROUP BY 1, 2, 3)"""


def thresholds_sql(names: list[str], labels: list[str]) -> str:
    """``dthr``: per week of the shipments, each key's and rate's threshold bin (null: no entity
    had an inspection yet), as ``thr_<key><label>`` columns."""
    parts = []
    for name in names:
        parts.append(
            f"""SELECT '{name}' AS kname, h.lab, h.p, max(h.rbin) AS thr FROM (
  SELECT lab, p, rbin,
   sum(c) OVER (PARTITION BY lab, p ORDER BY rbin DESC ROWS UNBOUNDED PRECEDING) AS c_ge,
   sum(c) OVER (PARTITION BY lab, p) AS n
  FROM (SELECT d.lab, w.p, d.rbin, sum(d.chg) AS c FROM dd_{name} d
   JOIN dweeks w ON d.eff <= w.p GROUP BY 1, 2, 3 HAVING sum(d.chg) <> 0) hc) h
 WHERE {SHARE} * h.c_ge >= h.n GROUP BY 1, 2, 3"""
        )
    pivot = ", ".join(
        f"max(CASE WHEN kname = '{name}' AND lab = '{suffix}' THEN thr END) AS thr_{name}{suffix}"
        for name in names
        for suffix, _, _ in rate_pairs(labels)
    )
    union = "\n UNION ALL\n ".join(parts)
    return f"""dweeks AS (SELECT DISTINCT {period_sql("day")} AS p FROM base),
dthr AS (SELECT w.p, {pivot} FROM dweeks w LEFT JOIN (
 {union}) t ON t.p = w.p GROUP BY 1)"""


def flag_sql(pos: str, n: str, threshold: str) -> str:
    """SQL: 1.0 when a rate (raw counters) reaches the threshold bin and is above 0, else 0.0."""
    return (
        f"CAST(CASE WHEN {n} > 0 AND {pos} > 0 AND {bin_sql(pos, n)} >= {threshold}"
        " THEN 1 ELSE 0 END AS DOUBLE)"
    )


def join_sql() -> str:
    """The join of the row's week's thresholds."""
    return f"LEFT JOIN dthr ON dthr.p = {period_sql('b.day')}"


class Thresholds:
    """One key's and rate's thresholds for any week, from the per-week changes (the online
    twin of ``thresholds_sql``)."""

    def __init__(self, bins: np.ndarray, effective: np.ndarray, changes: np.ndarray) -> None:
        order = np.argsort(effective, kind="stable")
        bins, effective, changes = bins[order], effective[order], changes[order]
        self.weeks = np.unique(effective)
        self.values: list[float | None] = []
        histogram: dict[float, int] = {}
        at = 0
        for week in self.weeks:
            while at < len(effective) and effective[at] == week:
                b = float(bins[at])
                histogram[b] = histogram.get(b, 0) + int(changes[at])
                at += 1
            self.values.append(_threshold(histogram))

    @classmethod
    def from_table(cls, table: pa.Table) -> Thresholds:
        """From rows (rbin, eff, chg) of ``dd_<key>`` for one rate."""
        return cls(
            np.asarray(table.column("rbin").to_numpy(zero_copy_only=False), dtype=float),
            np.asarray(table.column("eff").to_numpy(zero_copy_only=False), dtype=np.int64),
            np.asarray(table.column("chg").to_numpy(zero_copy_only=False), dtype=np.int64),
        )

    def at(self, day: int) -> float | None:
        """The threshold bin for a shipment dated ``day`` (days since 1970)."""
        i = int(np.searchsorted(self.weeks, period_start(day), side="right")) - 1
        return None if i < 0 else self.values[i]


def _threshold(histogram: dict[float, int]) -> float | None:
    """The highest bin with at least a tenth of the entities at or above it."""
    counts = [(b, c) for b, c in histogram.items() if c != 0]
    total = sum(c for _, c in counts)
    above = 0
    for b, c in sorted(counts, reverse=True):
        above += c
        if SHARE * above >= total:
            return b
    return None


def flag(pos: float, n: float, threshold: float | None) -> float:
    """Python twin of ``flag_sql``."""
    if threshold is None or n <= 0 or pos <= 0:
        return 0.0
    b = rate_bin(pos, n)
    return 1.0 if b is not None and b >= threshold else 0.0
