"""Edge lists of the entity network, shaped in SQL by the analytics engine (DuckDB dialect).

The network is bipartite: entity nodes on one side, *link* nodes on the other. A link node is
either an identifier value (a phone, an e-mail, a normalised address ...) shared by two or more
entities, or one trade relationship (a pair of entities on the same consignments). So every hop
between two entities is exactly two steps in the graph, whatever links them, and a hub
identifier costs one edge per entity instead of a quadratic clique.

All queries return dense integer indices (``entity_idx``) so that Python turns them into NumPy
arrays without touching strings per edge.
"""

from __future__ import annotations

import pyarrow as pa

from ringfence.store.engine import Engine
from ringfence.store.lake import Lake

# Identifier kinds: (edge weight, highest number of distinct entities that may share one value).
# Values shared by more entities than the cap are "hubs" (a forwarder's address, a fulfilment
# warehouse, a common brand) and are dropped; below the cap, weight decays with degree (graph.py).
LINK_KINDS: dict[str, tuple[float, int]] = {
    "phone": (1.0, 30),
    "email": (1.0, 30),
    "bank_account": (1.0, 30),
    "identifier": (1.0, 30),
    "website": (0.8, 30),
    "address": (0.7, 30),
    "product": (0.2, 15),
    # Trade links join two entities; the cap is on an entity's distinct trade partners.
    "trade": (0.4, 50),
    # Relations a source stated (FtM Ownership, Directorship, Family ...): one link per pair.
    "relation": (0.9, 50),
}

# Weight of a seed in the restart vector, by the reason it is a seed: the shipper or seller of
# a seized consignment and a confirmed counterfeiter are sure; the receiving side of a seizure
# is often a victim (a consumer), the declarant a broker.
SEED_ROLE_WEIGHTS: dict[str, float] = {
    "watchlist": 1.0,
    "shipper": 1.0,
    "seller": 1.0,
    "consignee": 0.5,
    "importer": 0.5,
    "declarant": 0.1,
    "courier": 0.1,
}

ENTITY_MENTIONS_SCHEMA = pa.schema(
    [
        ("mention_id", pa.string()),
        ("entity_id", pa.string()),
        ("organisation", pa.string()),
        ("feed", pa.string()),
        ("source_key", pa.string()),
        ("role", pa.string()),
    ]
)

SHIPMENT_ROLES = ("seller", "shipper", "courier", "declarant", "importer", "consignee")

# Every party mention with its entity; a mention the resolver has not seen (or no resolution at
# all) is its own entity, so the network works on unresolved data.
MENTIONS_SQL = """
WITH m AS (
    SELECT p.id AS mention_id, p.organisation, p.source_key, p.role, p.name,
           coalesce(em.entity_id, p.id) AS entity_id
    FROM parties AS p LEFT JOIN entity_mentions AS em ON em.mention_id = p.id
),
e AS (
    SELECT entity_id, row_number() OVER (ORDER BY entity_id) - 1 AS entity_idx
    FROM (SELECT DISTINCT entity_id FROM m) AS d
)
SELECT m.mention_id, m.organisation, m.source_key, m.role, m.name, m.entity_id, e.entity_idx
FROM m JOIN e ON e.entity_id = m.entity_id
"""

# One row per entity: index, id, most common name, organisations, watchlisted.
ENTITY_ATTRIBUTES_SQL = """
WITH names AS (
    SELECT entity_idx, name, row_number() OVER (
        PARTITION BY entity_idx ORDER BY count(*) DESC, name) AS rank
    FROM network_mentions WHERE name IS NOT NULL GROUP BY entity_idx, name
)
SELECT m.entity_idx, m.entity_id, n.name,
       list_sort(list(DISTINCT m.organisation)) AS organisations,
       max(CASE WHEN m.role = 'watchlist' THEN 1 ELSE 0 END) = 1 AS watchlisted,
       count(*) AS mention_count
FROM network_mentions AS m LEFT JOIN names AS n ON n.entity_idx = m.entity_idx AND n.rank = 1
GROUP BY m.entity_idx, m.entity_id, n.name
ORDER BY m.entity_idx
"""

# Address key: country, city and the street's distinct tokens sorted, so that
# "Jalan Ipoh 236" and "NO. 236 JALAN IPOH" meet; number words ("no", "nr") are noise.
_TOKENS = (
    "trim(regexp_replace(regexp_replace(' ' || lower({c}) || ' ', '[^\\p{{L}}\\p{{N}}]+', ' ',"
    " 'g'), ' (no|nr|number) ', ' ', 'g'))"
)
ADDRESS_KEY = (
    "upper(coalesce(p.country, '')) || '|' || "
    + _TOKENS.format(c="coalesce(p.city, '')")
    + " || '|' || array_to_string(list_sort(list_distinct(string_split("
    + _TOKENS.format(c="p.street")
    + ", ' '))), ' ')"
)

_IDENTIFIER_VALUES = {
    "phone": "p.phone",
    "email": "lower(trim(p.email))",
    "bank_account": "upper(regexp_replace(p.bank_account, '[^A-Za-z0-9]', '', 'g'))",
    "identifier": "upper(regexp_replace(p.identifier, '[^A-Za-z0-9]', '', 'g'))",
    "website": "regexp_replace(lower(trim(p.website)), '^(https?://)?(www[.])?|/+$', '', 'g')",
    "address": f"CASE WHEN trim(coalesce(p.street, '')) <> '' THEN {ADDRESS_KEY} END",
}

_DISPLAY = {"address": "concat_ws(', ', p.street, p.city, p.country)"}


def identifier_sql() -> str:
    """Entity–identifier pairs with each value's degree (distinct entities), degree >= 2.

    Hub values are returned too (the caller drops and counts them); ``link_rank`` numbers the
    distinct (kind, value) pairs densely from 0, in (kind, value) order.
    """
    parts = [
        f"SELECT m.entity_idx, '{kind}' AS kind, {expr} AS value, {_DISPLAY.get(kind, expr)} "
        "AS raw FROM parties AS p JOIN network_mentions AS m ON m.mention_id = p.id"
        for kind, expr in _IDENTIFIER_VALUES.items()
    ]
    # Listings: a seller account is the party mention 'seller:<account key>' of its organisation.
    parts.append(
        "SELECT m.entity_idx, 'product' AS kind, l.gtin AS value, l.gtin AS raw FROM listings AS l "
        "JOIN sellers AS s ON s.id = l.seller_ref "
        "JOIN network_mentions AS m ON m.organisation = s.organisation "
        "AND m.source_key = 'seller:' || s.source_key WHERE l.gtin IS NOT NULL"
    )
    union = "\nUNION ALL\n".join(parts)
    # The link shows one written form (the first) of the matched value, not the matching key.
    return f"""
WITH k AS ({union}),
g AS (
    SELECT kind, value, count(DISTINCT entity_idx) AS degree, min(raw) AS display
    FROM k WHERE value IS NOT NULL AND value <> '' GROUP BY kind, value
    HAVING count(DISTINCT entity_idx) >= 2
),
d AS (SELECT DISTINCT entity_idx, kind, value FROM k)
SELECT d.entity_idx, g.kind, g.display AS value, g.degree,
       dense_rank() OVER (ORDER BY g.kind, g.value) - 1 AS link_rank
FROM d JOIN g ON g.kind = d.kind AND g.value = d.value
ORDER BY link_rank, d.entity_idx
"""


def party_identifiers_sql(party_filter: str) -> str:
    """(mention_id, kind, value, raw) of every identifier of the parties ``p`` that match
    ``party_filter``: ``value`` is the key links match on, ``raw`` the written form they show.

    The service uses it to tell which party records carry a link's value.
    """
    return "\nUNION ALL\n".join(
        f"SELECT p.id AS mention_id, '{kind}' AS kind, {expr} AS value, "
        f"{_DISPLAY.get(kind, expr)} AS raw FROM parties AS p WHERE ({party_filter})"
        for kind, expr in _IDENTIFIER_VALUES.items()
    )


def role_refs_sql() -> str:
    """(consignment, role, rank, mention ref) for every party reference of every shipment.

    A consignment is the tracking number when there is one, so the carrier's manifest and the
    customs declaration of the same parcel are one consignment (their parties meet).
    """
    return "\nUNION ALL\n".join(
        f"SELECT coalesce(s.tracking_number, s.id) AS consignment, s.id AS shipment_id, "
        f"'{role}' AS role, {rank} AS role_rank, s.{role}_ref AS ref FROM shipments AS s "
        f"WHERE s.{role}_ref IS NOT NULL"
        for rank, role in enumerate(SHIPMENT_ROLES)
    )


def trade_sql() -> str:
    """Trade links: entity pairs on the same consignments, oriented by role order."""
    return f"""
WITH r AS ({role_refs_sql()}),
e AS (
    SELECT DISTINCT r.consignment, r.role, r.role_rank, m.entity_idx
    FROM r JOIN network_mentions AS m ON m.mention_id = r.ref
)
SELECT a.entity_idx AS src, b.entity_idx AS dst, a.role AS src_role, b.role AS dst_role,
       count(DISTINCT a.consignment) AS shipments
FROM e AS a JOIN e AS b ON a.consignment = b.consignment
     AND a.entity_idx <> b.entity_idx AND a.role_rank < b.role_rank
GROUP BY a.entity_idx, b.entity_idx, a.role, b.role
ORDER BY src, dst, src_role, dst_role
"""


_KEY_OF = (
    "{m}.organisation = l.organisation AND {m}.source_key IN "
    "(l.{k}, 'watchlist:' || l.{k}, 'seller:' || l.{k})"
)

# Relations a source stated (party links other than ``same_as``) between two entities, one row
# per (pair, kind) oriented as stated: the owner, director, employee ... is ``src``.
RELATIONS_SQL = f"""
WITH l AS (
    SELECT organisation, party, other_party, kind, role FROM party_links WHERE kind <> 'same_as'
)
SELECT a.entity_idx AS src, b.entity_idx AS dst, l.kind, min(l.role) AS role,
       count(*) AS statements
FROM l JOIN network_mentions AS a ON {_KEY_OF.format(m="a", k="party")}
JOIN network_mentions AS b ON {_KEY_OF.format(m="b", k="other_party")}
WHERE a.entity_idx <> b.entity_idx
GROUP BY a.entity_idx, b.entity_idx, l.kind
ORDER BY src, dst, l.kind
"""


def seeds_sql() -> str:
    """Seed rows: watchlist mentions, and every party of a seized consignment, with a reason."""
    weights = " ".join(f"WHEN '{r}' THEN {w}" for r, w in SEED_ROLE_WEIGHTS.items())
    return f"""
WITH r AS ({role_refs_sql()}),
seized AS (
    SELECT DISTINCT coalesce(s.tracking_number, s.id) AS consignment, s.source_key,
           s.organisation
    FROM outcomes AS o JOIN shipments AS s ON s.id = o.shipment_ref
    WHERE o.positive AND (o.result = 'seized' OR lower(o.label) IN ('counterfeit', 'ipr'))
),
rows AS (
    SELECT m.entity_idx, 'watchlisted by ' || m.organisation AS reason, 'watchlist' AS role
    FROM network_mentions AS m WHERE m.role = 'watchlist'
    UNION ALL
    SELECT m.entity_idx,
           r.role || ' of seized shipment ' || z.source_key || ' (' || z.organisation || ')',
           r.role
    FROM seized AS z JOIN r ON r.consignment = z.consignment
    JOIN network_mentions AS m ON m.mention_id = r.ref
)
SELECT entity_idx, reason, CASE role {weights} ELSE 0.1 END AS weight
FROM rows ORDER BY entity_idx, weight DESC, reason
"""


# Datasets the network reads, with the columns a query needs when a dataset is absent.
_OPTIONAL = {
    "entity_mentions": ENTITY_MENTIONS_SCHEMA,
    "shipments": pa.schema(
        [
            ("id", pa.string()),
            ("organisation", pa.string()),
            ("source_key", pa.string()),
            ("tracking_number", pa.string()),
        ]
        + [(f"{r}_ref", pa.string()) for r in SHIPMENT_ROLES]
    ),
    "outcomes": pa.schema(
        [
            ("shipment_ref", pa.string()),
            ("label", pa.string()),
            ("positive", pa.bool_()),
            ("result", pa.string()),
        ]
    ),
    "listings": pa.schema([("seller_ref", pa.string()), ("gtin", pa.string())]),
    "watchlist": pa.schema(
        [("id", pa.string()), ("organisation", pa.string()), ("source_key", pa.string())]
    ),
    "sellers": pa.schema(
        [("id", pa.string()), ("organisation", pa.string()), ("source_key", pa.string())]
    ),
    "party_links": pa.schema(
        [
            ("organisation", pa.string()),
            ("party", pa.string()),
            ("other_party", pa.string()),
            ("kind", pa.string()),
            ("role", pa.string()),
        ]
    ),
}


# Every dataset the network reads (``register_sources``), in a fixed order.
SOURCES = ("parties", *_OPTIONAL)


def register_sources(lake: Lake, engine: Engine) -> bool:
    """Bind the datasets the network reads; returns whether entity resolution has run.

    ``parties`` must exist (the caller checks); the others may be absent in a young lake.
    """
    lake.register(engine, "parties")
    resolved = False
    for dataset, schema in _OPTIONAL.items():
        present = lake.register(engine, dataset, schema)
        resolved = resolved or (dataset == "entity_mentions" and present)
    return resolved
