"""Name-sound passes: one word's sound within a birth year, a town or a postcode prefix.

Person registers write one person many ways: a nickname for the first name (``tom`` /
``thomas``), a title or a middle name added, a typo in the surname, the date of birth missing
or a year off, the postcode missing. The key passes need a whole name key *and* a whole place
or date; here a pair needs only one name word that sounds alike (the metaphone of any word,
``name_sounds``) and one of: the same birth year, the same town, the same postcode prefix.

Each word of a mention's name is its own row (exploded), so a pass is an equi-join on
``(sound, year)``, ``(sound, town)`` or ``(sound, postcode prefix)``. A group of at most
``FULL_GROUP`` mentions is compared in full; a larger one (``J`` within London) only with the
next ``WINDOW`` mentions in name order, so a common first name stays cheap. One more pass
needs no place: a word's sound and the first letter of another word's sound (``tom warden`` /
``thomas warden``). And within each word's sound alone, sorted windows (``SORTED_ORDERS``): the
next ``SORTED_WINDOW`` mentions by birth date, by postcode, by town and by name, so a year or a
postcode typed wrong still meets its twin. Like the record neighbours, the passes run only up to
``records.MAX_RECORDS`` distinct records (``blocking.capped_pairs``): at 1M mentions the key
passes already compare 0.9993 of true pairs.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rigour.text.phonetics import metaphone

# A group of at most this many mentions is compared in full.
FULL_GROUP = 20
# Mentions each mention of a larger group is compared with, in name order.
WINDOW = 3
# The passes: a label and the SQL of the second key (over the cleaned columns).
PASSES = (
    ("year", "left(birth_date, 4)"),
    ("town", "city_norm"),
    ("postcode", "postcode_prefix"),
)
# Sorted windows within one word's sound, with no second key: each word's mentions ordered by
# each of these, every mention paired with the next SORTED_WINDOW. A year typed wrong
# (1841 / 1842), a postcode district written another way (CB3 / CB2), a town's neighbour or
# an identical name with nothing else shared sit next to each other there. On Splink's
# historical figures 48 % of the true pairs the passes above missed share a word's sound and
# nothing else they key on; comparing all pairs of a sound would be 32M pairs there, these
# windows 0.38M more (pair recall 0.8804 -> 0.903, reachable 0.9861 -> 0.9954).
SORTED_ORDERS = ("birth_date", "postcode", "city_norm", "name_norm")
SORTED_WINDOW = 3
COLUMNS = ("name_norm", "name_sounds", "birth_date", "city_norm", "postcode", "postcode_prefix")


def sound_pairs(cleaned: pa.Table, full_group: int = FULL_GROUP) -> pa.Table:
    """Pairs of row positions (``a``, ``b``) sharing a word's sound and a year, town, postcode
    prefix or another word's initial, or a word's sound and near in a sorted window."""
    table = pa.table(
        {"pos": pa.array(np.arange(cleaned.num_rows, dtype=np.int64))}
        | {c: cleaned.column(c) for c in COLUMNS}
        | {"initials": _initial_keys(cleaned.column("name_norm"))}
    )
    keys = " UNION ALL ".join(
        f"SELECT DISTINCT pos, name_norm, sound || '\x1f{label}\x1f' || ({expr}) AS k "
        f"FROM words WHERE ({expr}) IS NOT NULL AND ({expr}) <> ''"
        for label, expr in PASSES
    )
    # One word's sound and another word's first letter: "tom warden" / "thomas warden",
    # "dawes joe" / "dawes joseph", with nothing else in common.
    keys += (
        " UNION ALL SELECT DISTINCT pos, name_norm, unnest(initials) AS k FROM mentions "
        "WHERE initials IS NOT NULL"
    )
    windows = "".join(
        " UNION ALL SELECT pos AS a, unnest(nexts) AS b FROM (SELECT pos, list(pos) OVER ("
        f"PARTITION BY sound ORDER BY {order}, pos ROWS BETWEEN 1 FOLLOWING AND "
        f"{SORTED_WINDOW} FOLLOWING) AS nexts FROM words)"
        for order in SORTED_ORDERS
    )
    con = duckdb.connect()
    try:
        con.register("mentions", table)
        return con.sql(
            f"""
            WITH words AS (
                SELECT pos, name_norm, birth_date, city_norm, postcode, postcode_prefix,
                       list_distinct(name_sounds) AS sounds,
                       unnest(list_distinct(name_sounds)) AS sound
                FROM mentions WHERE name_sounds IS NOT NULL
            ),
            keyed AS (SELECT *, count(*) OVER (PARTITION BY k) AS size FROM ({keys})),
            small AS (
                SELECT x.pos AS a, y.pos AS b FROM keyed AS x JOIN keyed AS y
                ON x.k = y.k AND x.pos < y.pos WHERE x.size <= {full_group}
            ),
            large AS (
                SELECT pos AS a, unnest(nexts) AS b FROM (
                    SELECT pos, list(pos) OVER (PARTITION BY k ORDER BY name_norm, pos
                        ROWS BETWEEN 1 FOLLOWING AND {WINDOW} FOLLOWING) AS nexts
                    FROM keyed WHERE size > {full_group})
            )
            SELECT a, b FROM small UNION ALL SELECT a, b FROM large{windows}
            """
        ).to_arrow_table()
    finally:
        con.close()


def _initial_keys(names: pa.ChunkedArray) -> pa.Array:
    """Per mention: each word's sound with each other word's first letter (once per name)."""
    encoded = pc.dictionary_encode(names).combine_chunks()
    keys = pa.array(
        [initial_keys(n) for n in encoded.dictionary.to_pylist()], pa.list_(pa.string())
    )
    return pc.take(keys, encoded.indices)


@lru_cache(maxsize=200_000)
def initial_keys(norm: str | None) -> list[str] | None:
    """``sound/letter`` keys of a cleaned name: ``thomas warden`` -> ``0MS/w``, ``WRTN/t``."""
    words = sorted(set(norm.split())) if norm else []
    keys = {f"{metaphone(w) or w}\x1finitial\x1f{o[0]}" for w in words for o in words if o != w}
    return sorted(keys) or None
