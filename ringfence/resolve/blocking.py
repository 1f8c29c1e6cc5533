"""Candidate generation: which pairs of mentions the model compares at all.

Two kinds of pass, both defined here so that the pipeline and the benchmark's pair-recall
measurement use the very same candidates:

* **key passes**, equi-joins Splink runs as blocking rules: a shared phone, e-mail,
  identifier or bank account; a name key (metaphone, first word) within one place; the name's
  first letters with the postcode's first characters. They are cheap, but blind to a typo in
  the key itself (a postcode or city written two ways, a misspelt first word).
* **capped passes**, computed here on the cleaned table with a per-record cap so that common
  names (hubs) stay cheap: approximate nearest neighbours on name character n-grams within a
  country (``neighbours.py``), and a sorted neighbourhood over each name within a country,
  ordered by postcode and city, which pairs one party written at two places. Their pairs reach
  Splink as a list of pair keys per mention (``near_keys``), blocked on with
  ``arrays_to_explode``: each key is shared by exactly the two mentions of one pair.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from ringfence.resolve.neighbours import name_neighbour_pairs

# Equi-join passes (column tuples); the order is Splink's, first rule claims a pair.
KEY_PASSES: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("identifier",),
    ("bank_account",),
    ("name_phon", "place_key"),
    ("name_first", "place_key"),
    ("name_prefix", "postcode_prefix", "country"),
)
# Sorted neighbourhood (partition, order): each mention is paired with the next WINDOW mentions
# of its partition in that order (every other mention of a group of at most SMALL_GROUP). One
# party written at two places sits side by side within its name; two writings of a name at one
# street address within the address (a warehouse shared by a thousand merchants costs WINDOW
# pairs per mention, not a million); an identifier with a typo in its last digits (an e-mail
# or phone likewise) next to the right one.
SORTED_PASSES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("country", "name_norm"), ("postcode", "city_norm")),
    (("country", "address_key"), ("name_norm",)),
    (("country",), ("identifier",)),
    (("country",), ("email",)),
    (("country",), ("phone",)),
    (("country", "city_norm"), ("street_norm",)),
)
WINDOW = 3
# A group this small is compared in full (at most SMALL_GROUP * (SMALL_GROUP - 1) / 2 pairs).
SMALL_GROUP = 12
# Column of pair keys Splink explodes for the capped passes.
NEAR_KEYS = "near_keys"


def blocking_rules() -> list[BlockingRuleCreator | dict[str, Any]]:
    """Splink's prediction blocking rules: the key passes, then the capped passes' pair keys."""
    rules: list[BlockingRuleCreator | dict[str, Any]] = [
        block_on(*columns) for columns in KEY_PASSES
    ]
    rules.append(block_on(NEAR_KEYS, arrays_to_explode=[NEAR_KEYS]))
    return rules


def capped_pairs(cleaned: pa.Table) -> pa.Table:
    """Pairs (``a`` < ``b``: row positions) from the capped passes."""
    window = _sorted_neighbourhood(cleaned)
    near = name_neighbour_pairs(cleaned)
    both = pa.concat_tables([window, near])
    con = duckdb.connect()
    try:
        con.register("pairs", both)
        return con.execute(
            "SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM pairs "
            "WHERE a <> b ORDER BY 1, 2"
        ).to_arrow_table()
    finally:
        con.close()


def with_near_keys(cleaned: pa.Table) -> pa.Table:
    """The cleaned table with ``near_keys`` filled: one key per capped pair the mention is in."""
    pairs = capped_pairs(cleaned)
    left = pairs.column("a").to_numpy()
    right = pairs.column("b").to_numpy()
    keys = np.arange(len(left), dtype=np.int64)
    rows = np.concatenate([left, right])
    order = np.argsort(rows, kind="stable")
    rows, values = rows[order], np.concatenate([keys, keys])[order]
    offsets = np.searchsorted(rows, np.arange(cleaned.num_rows + 1)).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.int64()))
    return cleaned.set_column(cleaned.schema.get_field_index(NEAR_KEYS), NEAR_KEYS, lists)


def _sorted_neighbourhood(cleaned: pa.Table) -> pa.Table:
    """Pairs of each ``SORTED_PASSES`` group: all of a small group, a window of a large one."""
    columns = sorted({c for part, order in SORTED_PASSES for c in (*part, *order)})
    table = pa.table(
        {"pos": pa.array(np.arange(cleaned.num_rows, dtype=np.int64))}
        | {c: cleaned.column(c) for c in columns}
    )
    selects = []
    for number, (part, order) in enumerate(SORTED_PASSES):
        # Mentions without the partition's key (or, within a whole country, the order's) sit out.
        required = [c for c in part if c != "country"] or [order[0]]
        keys = ", ".join(f"coalesce({c}, '') AS k{i}" for i, c in enumerate(part))
        same = " AND ".join(f"x.k{i} = y.k{i}" for i in range(len(part)))
        by = ", ".join(f"k{i}" for i in range(len(part)))
        group = (
            f"g{number} AS (SELECT pos, {keys}, count(*) OVER (PARTITION BY {by}) AS size, "
            f"row_number() OVER (PARTITION BY {by} ORDER BY {', '.join(order)}, pos) AS rn "
            f"FROM mentions WHERE {' AND '.join(f'{c} IS NOT NULL' for c in required)})"
        )
        selects.append((group, [
            f"SELECT x.pos AS a, y.pos AS b FROM g{number} AS x JOIN g{number} AS y "
            f"ON {same} AND x.rn < y.rn WHERE x.size <= {SMALL_GROUP} AND y.size <= {SMALL_GROUP}",
            f"SELECT x.pos AS a, y.pos AS b FROM g{number} AS x JOIN g{number} AS y "
            f"ON {same} AND y.rn - x.rn BETWEEN 1 AND {WINDOW} "
            f"WHERE x.size > {SMALL_GROUP} AND y.size > {SMALL_GROUP}",
        ]))  # fmt: skip
    sql = "WITH " + ", ".join(g for g, _ in selects) + " "
    sql += " UNION ALL ".join(q for _, qs in selects for q in qs)
    con = duckdb.connect()
    try:
        con.register("mentions", table)
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


def all_candidate_pairs(cleaned: pa.Table) -> pa.Table:
    """Every pair some pass compares (``id_l`` < ``id_r``, unique ids), for measuring recall."""
    con = duckdb.connect()
    try:
        con.register("m", cleaned.select([c for c in cleaned.column_names if c != NEAR_KEYS]))
        ids = cleaned.column("unique_id")
        pairs = capped_pairs(cleaned)
        near = pa.table(
            {
                "id_l": pc.take(ids, pairs.column("a")),
                "id_r": pc.take(ids, pairs.column("b")),
            }
        )
        con.register("near", near)
        selects = [
            "SELECT l.unique_id AS id_l, r.unique_id AS id_r FROM m AS l JOIN m AS r ON "
            + " AND ".join(f"l.{c} = r.{c}" for c in columns)
            + " WHERE l.unique_id < r.unique_id"
            for columns in KEY_PASSES
        ]
        selects.append("SELECT least(id_l, id_r) AS id_l, greatest(id_l, id_r) AS id_r FROM near")
        return con.execute(
            "SELECT DISTINCT * FROM (" + " UNION ALL ".join(selects) + ")"
        ).to_arrow_table()
    finally:
        con.close()


def pair_recall(cleaned: pa.Table, true_pairs: pa.Table) -> dict[str, float]:
    """Share of true pairs (``id_l``/``id_r`` unique ids, any order) some pass compares."""
    candidates = all_candidate_pairs(cleaned)
    con = duckdb.connect()
    try:
        con.register("cand", candidates)
        con.register("truth", true_pairs)
        found, total = con.execute(
            "WITH t AS (SELECT DISTINCT least(id_l, id_r) AS l, greatest(id_l, id_r) AS r "
            "FROM truth WHERE id_l <> id_r) "
            "SELECT count(c.id_l), count(*) FROM t LEFT JOIN cand AS c "
            "ON c.id_l = t.l AND c.id_r = t.r"
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    return {
        "true_pairs": int(total),
        "candidate_pairs": candidates.num_rows,
        "pair_recall": round(found / total, 4) if total else 1.0,
    }
