"""The unit-value features' history: per HS6, the running mean and variance of log unit value
over strictly earlier days, read by the feature query (``features``) and the online state."""

from __future__ import annotations

# Minimum past priced shipments of an HS code before its unit-value z-score means anything.
MIN_PRICE_HISTORY = 5
# Below this variance of past log unit values (a spread of 1e-6, a millionth of the price) an
# HS code's prices are one price and it has no z: "equal" prices computed from different
# quantities differ in the last bits of their logs (KCS: variances of ~1e-33, from which each
# engine's rounding made a z of its own, 2.6 on DuckDB against 2.2 on Spark).
MIN_LOG_VARIANCE = 1e-12


def unit_value_sql() -> str:
    """Running mean and variance of log unit value per HS6 over strictly earlier days.

    The sums are of each value less the HS6's first day's lowest (``c0``), each day's rows
    first less that day's lowest (``lo``): a mean square less a squared mean of raw log values
    (~10) cancels to rounding noise where an HS6's prices repeat (KCS's do), and that noise
    differed by engine — a z of 1e-8 on Spark where DuckDB had none, on 2,021 of KCS's
    37,385 declarations (``bench/engines_public.py``). Shifted so, equal prices sum to exactly
    0 on every engine and in the online state, whatever the order of the sums."""
    before = "OVER (PARTITION BY k ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    return f"""gl AS (
 SELECT k_hs6 AS k, day, min(log_unit_value) AS lo FROM base
 WHERE k_hs6 IS NOT NULL AND log_unit_value IS NOT NULL GROUP BY 1, 2),
gd AS (
 SELECT l.k, l.day, count(*) AS c, min(l.lo) AS lo, sum(b.log_unit_value - l.lo) AS s,
  sum((b.log_unit_value - l.lo) * (b.log_unit_value - l.lo)) AS s2
 FROM base b JOIN gl l ON l.k = b.k_hs6 AND l.day = b.day
 WHERE b.log_unit_value IS NOT NULL GROUP BY 1, 2),
gu AS (
 SELECT k, day, c, c0, s + c * (lo - c0) AS s,
  s2 + 2 * (lo - c0) * s + c * (lo - c0) * (lo - c0) AS s2
 FROM (SELECT *, first_value(lo) OVER (PARTITION BY k ORDER BY day) AS c0 FROM gd) d),
unit AS (
 SELECT k, day, coalesce(sum(c) {before}, 0) AS cnt,
  c0 + sum(s) {before} / nullif(sum(c) {before}, 0) AS mean,
  sum(s2) {before} / nullif(sum(c) {before}, 0)
   - power(sum(s) {before} / nullif(sum(c) {before}, 0), 2) AS var
 FROM gu)"""
