"""Candidate generation: which pairs of mentions the model compares at all.

Two kinds of pass, both defined here so that the pipeline and the benchmark's pair-recall
measurement use the very same candidates:

* **key passes**, equi-joins Splink runs as blocking rules: a shared phone, e-mail,
  identifier or bank account; a name key (metaphone, first word) within one place. They are
  cheap, but blind to a typo in the key itself (a postcode or city written two ways, a
  misspelt first word).
* **capped passes**, computed here on the cleaned table with a per-record cap so that common
  names (hubs) stay cheap: approximate nearest neighbours on name character n-grams within a
  country (``neighbours.py``), nearest whole records on character n-grams (``records.py``),
  name-sound passes (a word's sound within a birth year, a town or a postcode prefix, or with
  another word's initial: ``tokens.py``; these two only up to ``records.MAX_RECORDS`` distinct
  records) and sorted neighbourhoods (a street address, a street within a city, an
  identifier). Their pairs reach Splink as a list of pair keys per mention (``near_keys``),
  blocked on with ``arrays_to_explode``: each key is shared by exactly the two mentions of one
  pair.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix, csgraph
from splink import block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from ringfence.resolve.neighbours import name_neighbour_pairs
from ringfence.resolve.records import more_records_than_budget, record_neighbour_pairs
from ringfence.resolve.tokens import sound_pairs

# Equi-join passes (column tuples); the order is Splink's, first rule claims a pair.
KEY_PASSES: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("identifier",),
    ("bank_account",),
    ("name_phon", "place_key"),
    ("name_first", "place_key"),
    ("birth_date", "name_first"),
    ("birth_date", "place_key"),
)
# Sorted neighbourhood (partition, order, window): each mention is paired with the next `window`
# mentions of its partition in that order (all of a group of at most SMALL_GROUP). One
# party written at two places sits side by side within its name; two writings of a name at one
# street address within the address (a warehouse shared by a thousand merchants costs `window`
# pairs per mention, not a million); an identifier with a typo in its last digits (an e-mail
# or phone likewise) next to the right one.
#
# A pass over a wide partition (a city, a country) keeps a pair of a large group only where
# the two are alike (the SQL condition on mentions ``x`` and ``y``, a missing value passing):
# the next street or mailbox in sort order is usually another party's, and at 1M mentions
# those passes paired 1.5M mentions with strangers the model then had to score (no true pair
# among them was needed there; FEBRL's and Splink's example data keep their pair recall).
_STREET_ALIKE = (
    "coalesce(jaro_winkler_similarity(x.street_norm, y.street_norm) >= 0.7, true) AND "
    "coalesce(jaro_winkler_similarity(x.name_norm, y.name_norm) >= 0.7, true)"
)
Passes = tuple[tuple[tuple[str, ...], tuple[str, ...], int, str | None], ...]
#
# Three passes were dropped once the record neighbours (records.py) came: one name at two
# places (partition country and name, ordered by place), the name's first letters within the
# postcode's (FEBRL's "Robert Alan" 2615 / "Robert Allen" 2617) and e-mail within country
# (a typo'd mailbox). At 1M mentions they made 1.22M pairs for Splink to score and 61 true
# pairs (of 399,309) no other pass makes (pair recall 0.9994 -> 0.9993); on FEBRL3/4 and
# fake_1000 at most 1.
SORTED_PASSES: Passes = (
    (("country", "address_key"), ("name_norm",), 1, None),
    (("country", "city_norm"), ("street_norm",), 1, _STREET_ALIKE),
    (("country",), ("identifier",), 1, "damerau_levenshtein(x.identifier, y.identifier) <= 2"),
    # One date of birth, ordered by name: a person renamed or written another way (a title,
    # a nickname) on the same day; a date shared by many is one window, not all its pairs.
    (("birth_date",), ("name_norm",), 1, None),
)
# Of mentions alike in these (and in a pass's own columns) only the first ALIKE take part in a
# sorted pass: the key pass on name and place already pairs them with each other, so a
# seller's thousand parcels from one warehouse cost ALIKE slots, not a thousand.
SAME_KEYS = ("name_norm", "place_key")
ALIKE = 3
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
    """Pairs (``a`` < ``b``: row positions) from the capped passes that no key pass makes.

    Most of a sorted pass's pairs are two writings at one place that a key pass already
    pairs; handing them to Splink as well cost it an exploded row each (at 1M mentions about
    two thirds of the capped pairs).
    """
    found = [_sorted_neighbourhood(cleaned), name_neighbour_pairs(cleaned)]
    if not more_records_than_budget(cleaned):  # the costlier passes, skipped at 1M mentions
        found.append(record_neighbour_pairs(cleaned, checked=True))
        found.append(sound_pairs(cleaned))
    both = pa.concat_tables(found)
    keys = sorted({c for columns in KEY_PASSES for c in columns})
    mentions = pa.table(
        {"pos": pa.array(np.arange(cleaned.num_rows, dtype=np.int64))}
        | {c: cleaned.column(c) for c in keys}
    )
    claimed = " OR ".join(
        "(" + " AND ".join(f"x.{c} = y.{c}" for c in columns) + ")" for columns in KEY_PASSES
    )
    con = duckdb.connect()
    try:
        con.register("pairs", both)
        con.register("mentions", mentions)
        return con.sql(
            "WITH p AS (SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM pairs "
            "WHERE a <> b) SELECT p.a, p.b FROM p JOIN mentions AS x ON x.pos = p.a "
            f"JOIN mentions AS y ON y.pos = p.b WHERE NOT coalesce({claimed}, false) "
            "ORDER BY 1, 2"
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


def _sorted_neighbourhood(cleaned: pa.Table, passes: Passes | None = None) -> pa.Table:
    """Pairs of each sorted pass: all of a small group, a window of a large one (one sort)."""
    passes = SORTED_PASSES if passes is None else passes
    columns = sorted({c for part, order, *_ in passes for c in (*part, *order, *SAME_KEYS)})
    table = pa.table(
        {"pos": pa.array(np.arange(cleaned.num_rows, dtype=np.int64))}
        | {c: cleaned.column(c) for c in columns}
    )
    selects = []
    for part, order, width, alike in passes:
        # Mentions without the partition's key (or, within a whole country, the order's) sit out.
        required = [c for c in part if c != "country"] or [order[0]]
        distinct = ", ".join(dict.fromkeys((*part, *order, *SAME_KEYS)))
        window = f"PARTITION BY {', '.join(part)} ORDER BY {', '.join(order)}, pos"
        pairs = (
            f"SELECT pos AS a, size, unnest(CASE WHEN size <= {SMALL_GROUP} THEN nexts "
            f"ELSE nexts[1:{width}] END) AS b FROM (SELECT pos, "
            f"count(*) OVER (PARTITION BY {', '.join(part)}) AS size, list(pos) OVER "
            f"({window} ROWS BETWEEN 1 FOLLOWING AND {SMALL_GROUP - 1} FOLLOWING) AS nexts "
            f"FROM (SELECT pos, {', '.join(dict.fromkeys((*part, *order)))} FROM mentions "
            f"WHERE {' AND '.join(f'{c} IS NOT NULL' for c in required)} QUALIFY row_number() "
            f"OVER (PARTITION BY {distinct} ORDER BY pos) <= {ALIKE}))"
        )
        if not alike:
            selects.append(f"SELECT a, b FROM ({pairs})")
            continue
        selects.append(
            f"SELECT p.a, p.b FROM ({pairs}) AS p JOIN mentions AS x ON x.pos = p.a "
            f"JOIN mentions AS y ON y.pos = p.b WHERE p.size <= {SMALL_GROUP} OR ({alike})"
        )
    con = duckdb.connect()
    try:
        con.register("mentions", table)
        return con.sql(" UNION ALL ".join(selects)).to_arrow_table()
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
        return con.sql(
            "SELECT DISTINCT * FROM (" + " UNION ALL ".join(selects) + ")"
        ).to_arrow_table()
    finally:
        con.close()


def pair_recall(cleaned: pa.Table, true_pairs: pa.Table) -> dict[str, float]:
    """Share of true pairs (``id_l``/``id_r`` unique ids, any order) some pass compares.

    ``reachable_pair_recall``: share of true pairs whose two mentions are joined by a path of
    compared true pairs, the most a clustering of these comparisons could link (a person
    written 21 ways needs not all 210 pairs compared, only a chain).
    """
    candidates = all_candidate_pairs(cleaned)
    con = duckdb.connect()
    try:
        con.register("cand", candidates)
        con.register("truth", true_pairs)
        found = con.sql(
            "WITH t AS (SELECT DISTINCT least(id_l, id_r) AS l, greatest(id_l, id_r) AS r "
            "FROM truth WHERE id_l <> id_r) "
            "SELECT t.l, t.r, c.id_l IS NOT NULL AS compared FROM t LEFT JOIN cand AS c "
            "ON c.id_l = t.l AND c.id_r = t.r"
        ).to_arrow_table()
    finally:
        con.close()
    total = found.num_rows
    compared = np.asarray(found.column("compared").to_numpy(zero_copy_only=False), dtype=bool)
    return {
        "true_pairs": total,
        "candidate_pairs": candidates.num_rows,
        "pair_recall": round(float(compared.mean()), 4) if total else 1.0,
        "reachable_pair_recall": _reachable(found, compared) if total else 1.0,
    }


def _reachable(found: pa.Table, compared: np.ndarray) -> float:
    """Share of true pairs within one connected component of the compared true pairs."""
    both = pc.dictionary_encode(
        pa.chunked_array([found.column("l").combine_chunks(), found.column("r").combine_chunks()])
    ).combine_chunks()
    ids = np.asarray(both.indices.to_numpy(zero_copy_only=False))
    left, right = ids[: found.num_rows], ids[found.num_rows :]
    size = len(both.dictionary)
    graph = coo_matrix(
        (np.ones(int(compared.sum())), (left[compared], right[compared])), shape=(size, size)
    )
    _, labels = csgraph.connected_components(graph, directed=False)
    return round(float((labels[left] == labels[right]).mean()), 4)
