"""Approximate nearest neighbours on name character n-grams within a country.

A misspelt first word ("Zhnag Wei"), a joined or split word, a letter lost in transliteration:
equi-join keys miss such pairs when the place differs too. Here every distinct cleaned name of
a country is a TF-IDF vector of its character trigrams; each name's ``NEIGHBOURS`` most similar
other names (cosine on the country's rarer trigrams at least ``MIN_COSINE``) are found by a
sparse product in chunks (SciPy),
and their mentions are paired, at most ``PER_MENTION`` partners per mention (those agreeing
most on the place first), so a name written by a thousand mentions stays cheap.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

NEIGHBOURS = 5
MIN_COSINE = 0.4
PER_MENTION = 2
PLACES_PER_NAME = 10
# A trigram in more names of a country than this (and than MAX_SHARE of them) is left out of
# the product: common trigrams cost the most and tell the least.
MAX_SHARING = 200
MAX_SHARE = 0.002
# Rows of the sparse product computed at once (memory: CHUNK x names of the country).
CHUNK = 2_000


def name_neighbour_pairs(cleaned: pa.Table) -> pa.Table:
    """Pairs of row positions (``a``, ``b``) of mentions whose names are near neighbours."""
    names = cleaned.column("name_norm")
    country = pc.fill_null(cleaned.column("country"), "")
    key = pc.binary_join_element_wise(country, names, "\x1f", null_handling="emit_null")
    encoded = pc.dictionary_encode(key).combine_chunks()
    dictionary = encoded.dictionary.to_pylist()
    if len(dictionary) < 2:
        return _empty()
    split = [value.split("\x1f", 1) for value in dictionary]
    countries = np.array([c for c, _ in split], dtype=object)
    texts = [n for _, n in split]
    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 3), dtype=np.float32, sublinear_tf=True
    ).fit_transform(texts)
    name_pairs = [
        _top_neighbours(vectors, np.flatnonzero(countries == c)) for c in np.unique(countries)
    ]
    pairs = np.concatenate([p for p in name_pairs if len(p)] or [np.empty((0, 2), np.int64)])
    return _mention_pairs(cleaned, encoded.indices, pairs)


def _top_neighbours(vectors: sparse.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """(name, name) index pairs: each name's nearest other names within ``rows``."""
    if len(rows) < 2:
        return np.empty((0, 2), np.int64)
    block = vectors[rows]
    # Trigrams most names of the country share ("ang", "wei") make the product quadratic and
    # say little: they are left out of it, so a score is the rare trigrams' share of the cosine.
    frequency = np.bincount(block.indices, minlength=block.shape[1])
    common = frequency > max(MAX_SHARING, len(rows) * MAX_SHARE)
    if common.any():
        block = (block @ sparse.diags((~common).astype(np.float32))).tocsr()
        block.eliminate_zeros()
    transposed = block.T.tocsc()
    found = []
    for start in range(0, len(rows), CHUNK):
        scores = (block[start : start + CHUNK] @ transposed).tocoo()
        keep = (scores.data >= MIN_COSINE) & (scores.row + start != scores.col)
        row, col, data = scores.row[keep] + start, scores.col[keep], scores.data[keep]
        order = np.lexsort((-data, row))
        row, col = row[order], col[order]
        first = np.searchsorted(row, row, side="left")
        rank = np.arange(len(row)) - first
        take = rank < NEIGHBOURS
        found.append(np.column_stack([rows[row[take]], rows[col[take]]]))
    return np.concatenate(found).astype(np.int64)


def _mention_pairs(cleaned: pa.Table, name_ids: pa.Array, pairs: np.ndarray) -> pa.Table:
    """Mentions of neighbouring names paired, ``PER_MENTION`` per mention, same place first.

    One mention stands for each place a name is written at (at most ``PLACES_PER_NAME``): the
    other mentions of that name and place are paired with it by the key passes, so a name
    written a thousand times at one warehouse costs one mention here, not a thousand.
    """
    if not len(pairs):
        return _empty()
    mentions = pa.table(
        {
            "pos": pa.array(np.arange(cleaned.num_rows, dtype=np.int64)),
            "name_id": name_ids,
            "postcode": cleaned.column("postcode"),
            "city": cleaned.column("city_norm"),
        }
    )
    names = pa.table({"x": pairs[:, 0], "y": pairs[:, 1]})
    con = duckdb.connect()
    try:
        con.register("mentions", mentions)
        con.register("names", names)
        return con.sql(
            f"""
            WITH places AS (
                SELECT name_id, postcode, city, min(pos) AS pos FROM mentions GROUP BY ALL
            ),
            reps AS (
                SELECT * FROM places QUALIFY row_number() OVER (
                    PARTITION BY name_id ORDER BY pos) <= {PLACES_PER_NAME}
            ),
            joined AS (
                SELECT a.pos AS a, b.pos AS b,
                       (a.postcode = b.postcode)::INT * 2 + (a.city = b.city)::INT
                       + (left(a.postcode, 2) = left(b.postcode, 2))::INT AS place
                FROM names
                JOIN reps AS a ON a.name_id = names.x
                JOIN reps AS b ON b.name_id = names.y
            ),
            ranked AS (
                SELECT a, b, row_number() OVER (
                    PARTITION BY a ORDER BY place DESC NULLS LAST, b) AS k
                FROM joined
            )
            SELECT a, b FROM ranked WHERE k <= {PER_MENTION}
            """
        ).to_arrow_table()
    finally:
        con.close()


def _empty() -> pa.Table:
    return pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.int64())})
