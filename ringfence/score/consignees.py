"""Many consignees at one address: how many distinct consignees shared a shipment's consignee
address over the 30 days before the shipment.

Reshipping ("mule") addresses receive parcels for many names; so do fulfilment warehouses, which
is why this is a model input and not a rule. Addresses are compared in the form entity
resolution uses (street words folded and sorted, postcode letters and digits,
``resolve.prepare``), cleaned in Python once per distinct value so DuckDB and Spark read the same
``party_addresses`` table. A consignee is its resolved entity where resolution has run, so one
person's aliases count once.

A sliding-window *distinct* count is not a window function either engine offers (Spark has no
``count(DISTINCT) OVER``), so it is built from events: a consignee seen at an address on day
``t`` (next seen there on ``t'``) is counted from day ``t + 1`` to ``min(t + 30, t')``; those
spans never overlap, so a running sum of their +1/-1 ends per address is the distinct count of
the previous 30 days, strictly before each day.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ringfence.resolve.prepare import clean_city, clean_code, clean_street, map_distinct, place_key
from ringfence.store.engine import Engine

WINDOW_DAYS = 30
ADDRESS_SCHEMA = pa.schema([("mention_id", pa.string()), ("address_key", pa.string())])
FEATURE = f"consignee_address_consignees_{WINDOW_DAYS}d"


def address_keys(parties: pa.Table) -> pa.Table:
    """``mention_id, address_key`` of party mentions with a street: the street within its
    place as resolution blocks on it (postcode, else country and city)."""
    street = map_distinct(parties.column("street"), clean_street)
    place = place_key(
        map_distinct(parties.column("postcode"), clean_code),
        map_distinct(parties.column("country"), clean_code),
        map_distinct(parties.column("city"), clean_city),
    )
    key = pc.binary_join_element_wise(street, place, "|", null_handling="emit_null")
    table = pa.table({"mention_id": parties.column("id").cast(pa.string()), "address_key": key})
    return table.filter(pc.is_valid(table.column("address_key")))


def register_addresses(engine: Engine) -> None:
    """Bind ``party_addresses`` (consignee mentions only) from the engine's ``parties``."""
    parties = engine.query(
        "SELECT id, street, postcode, city, country FROM parties "
        "WHERE role = 'consignee' AND street IS NOT NULL"
    )
    engine.register_arrow("party_addresses", address_keys(parties).cast(ADDRESS_SCHEMA))


def address_join_sql() -> str:
    """The CTE mapping a consignee mention to its address (one per mention)."""
    return """addr AS (
 SELECT mention_id, min(address_key) AS address_key FROM party_addresses GROUP BY mention_id)"""


def consignee_address_sql() -> str:
    """CTEs ending in ``ca_w(a, day, consignees)``: per address and day, the distinct
    consignees seen there in the ``WINDOW_DAYS`` days before (reads ``base``)."""
    return f"""ca AS (
 SELECT DISTINCT consignee_address AS a, k_consignee AS k, day FROM base
 WHERE consignee_address IS NOT NULL AND k_consignee IS NOT NULL),
ca_next AS (
 SELECT a, day, lead(day) OVER (PARTITION BY a, k ORDER BY day) AS nday FROM ca),
ca_ev AS (
 SELECT a, day + 1 AS day, 1 AS d FROM ca_next
 UNION ALL
 SELECT a, least(day + {WINDOW_DAYS + 1}, coalesce(nday + 1, day + {WINDOW_DAYS + 1})), -1
 FROM ca_next
 UNION ALL
 SELECT consignee_address, day, 0 FROM base WHERE consignee_address IS NOT NULL),
ca_g AS (SELECT a, day, sum(d) AS d FROM ca_ev GROUP BY 1, 2),
ca_w AS (
 SELECT a, day, sum(d) OVER (PARTITION BY a ORDER BY day ROWS UNBOUNDED PRECEDING)
  AS consignees
 FROM ca_g)"""


def feature_column_sql() -> str:
    """The feature, for ``_select_sql`` (``ca_w`` joined as ``cw``): null without an address."""
    return (
        "CAST(CASE WHEN b.consignee_address IS NOT NULL THEN coalesce(cw.consignees, 0) END"
        f" AS DOUBLE) AS {FEATURE}"
    )
