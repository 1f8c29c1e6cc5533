"""The feature query's shipment rows (``features.py``): the narrow ``base`` every history reads,
and the wide columns the rows return, read once (docs/scale.md, 2026-12-05)."""

from __future__ import annotations

from ringfence.score.consignees import address_join_sql
from ringfence.score.currency import fx_join_sql
from ringfence.score.history import day_number
from ringfence.score.keys import HISTORY_KEYS, PARTY_KEYS
from ringfence.score.network_risk import period_sql


def _money_sql() -> tuple[str, str]:
    """Declared value and value at stake in the base currency where the declared currency has a
    rate (currency.py; the rate joined as ``fx``)."""
    value, at_stake = (
        f"coalesce(s.{c} / fx.rate, s.{c})" for c in ("declared_value", "value_at_stake")
    )
    return value, at_stake


def base_sql() -> str:
    """Shipments with their history keys (narrow: every history reads it, DuckDB stores it and
    each reader scans it whole); a party key is the mention's resolved entity when
    ``entity_mentions`` maps it (after ``ringfence resolve``), else the mention itself. The
    columns the rows return but no history reads come from ``wide_sql``, read once."""
    keys = ",\n  ".join(
        f"coalesce(e_{name}.entity_id, s.{HISTORY_KEYS[name]}) AS k_{name}"
        if name in PARTY_KEYS
        else f"{expr} AS k_{name}"
        for name, expr in HISTORY_KEYS.items()
    )
    joins = "\n ".join(
        f"LEFT JOIN ent_{name} e_{name} ON e_{name}.mention_id = s.{column}"
        for name, column in PARTY_KEYS.items()
    )
    joins += "\n " + fx_join_sql("s.currency", day_number("s.date"))
    value, _ = _money_sql()
    return f"""ent AS (
 SELECT mention_id, min(entity_id) AS entity_id FROM entity_mentions GROUP BY mention_id),
{role_entities_sql()},
{address_join_sql()},
base AS (
 SELECT s.id, s.date, {day_number("s.date")} AS day, a.address_key AS consignee_address,
  CASE WHEN s.declared_value > 0 AND coalesce(s.quantity, s.weight_kg) > 0
   THEN ln({value} / coalesce(s.quantity, s.weight_kg)) END AS log_unit_value,
  {keys}
 FROM shipments s
 {joins}
 LEFT JOIN addr a ON a.mention_id = s.consignee_ref
 WHERE s.date IS NOT NULL)"""


def role_entities_sql() -> str:
    """One CTE per party role, ``ent_<role>(mention_id, entity_id)``: the resolved entity of
    each mention that the shipments name in that role. Joined to all the mentions instead, the
    six roles' hash tables of a resolved 10M-shipment world (1.9M mentions each) outgrew
    DuckDB's 2 GB on two threads; cut to the refs each role uses they are 1.9M rows in all
    (docs/scale.md, 2026-12-06). The refs a shipment uses, not the role of the party record,
    decide: a shipment may name a party in another role than its record's."""
    return ",\n".join(
        f"""ent_{name} AS (
 SELECT e.mention_id, e.entity_id FROM ent e
 JOIN (SELECT DISTINCT {column} AS ref FROM shipments WHERE {column} IS NOT NULL) r
  ON r.ref = e.mention_id)"""
        for name, column in PARTY_KEYS.items()
    )


def key_rows_sql(name: str) -> str:
    """One history key's rows, ``bk_<name>(id, day, k)`` for the shipments that have the key,
    straight from ``shipments`` (with the resolved entity for a party key, as ``base_sql``):
    its history reads them three times, and DuckDB stores a CTE read more than once and scans
    it whole, so each key's readers scan three narrow columns, not ``base`` (docs/scale.md,
    2026-12-05, 22:30). Needs ``base_sql``'s ``ent_<name>``."""
    if name in PARTY_KEYS:
        column = PARTY_KEYS[name]
        key = f"coalesce(e.entity_id, s.{column})"
        join = f"LEFT JOIN ent_{name} e ON e.mention_id = s.{column}"
    else:
        key, join = HISTORY_KEYS[name], ""
    return f"""bk_{name} AS (
 SELECT s.id, {day_number("s.date")} AS day, {key} AS k FROM shipments s {join}
 WHERE s.date IS NOT NULL AND {key} IS NOT NULL)"""


def wide_sql() -> str:
    """The shipment columns the feature rows return and no history reads, as a subquery joined
    to the rows on ``id`` (read once, so no engine stores it; docs/scale.md, 2026-12-05)."""
    value, at_stake = _money_sql()
    fx = fx_join_sql("s.currency", day_number("s.date"))
    return f"""(SELECT s.id, s.source_key, {value} AS declared_value, s.quantity, s.weight_kg,
  {at_stake} AS value_at_stake, s.description, s.hs_code, s.origin_country, s.departure_country,
  CASE WHEN s.transit_countries IS NULL THEN 0 ELSE array_length(s.transit_countries) END
   AS transit_legs
 FROM shipments s
 {fx}
 WHERE s.date IS NOT NULL)"""


def watchlist_sql() -> str:
    """Per watchlisted entity (or, before resolution, watchlist mention): the first day it was
    known to be on a watchlist. A shipment's party counts as watchlisted only from the day after
    (``confirmed_at``, else the day the entry was ingested, so an undated entry never reaches
    back in time)."""
    known = day_number("coalesce(w.confirmed_at, CAST(w.ingested_at AS DATE))")
    return f"""wl AS (
 SELECT coalesce(e.entity_id, p.id) AS k, min({known}) AS wday
 FROM watchlist w
 JOIN parties p ON p.organisation = w.organisation AND p.source_key = 'watchlist:' || w.source_key
 LEFT JOIN ent e ON e.mention_id = p.id
 GROUP BY 1)"""


def network_keys_sql() -> str:
    """Distinct (party key, snapshot period start) pairs of the shipments: the rows whose
    network risk the feature query joins (``network_risk.register_network_risk``)."""
    per_role = " UNION ALL ".join(
        f"SELECT k_{name} AS k, {period_sql('day')} AS pday FROM base" for name in PARTY_KEYS
    )
    return f"WITH {base_sql()}\nSELECT DISTINCT k, pday FROM ({per_role}) x WHERE k IS NOT NULL"
