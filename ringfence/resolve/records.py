"""Nearest records on character n-grams of the whole record, a per-record cap on a pair budget.

The key passes and the name neighbours miss a pair whose name changed entirely (a first name
replaced, a surname alone) *and* whose place carries a typo: FEBRL's "62 matina sntreet,
4107, 9491843" written again as "62 matina, 4107, 9419843" under another name. Taken as one
text (name, street, postcode, city, e-mail, identifier), two such records still share most of
their character bi- and trigrams. Every distinct record text is a TF-IDF vector; its nearest
other records (cosine, rare n-grams only) are found by a sparse product in chunks, within its
country when it has one (and among the records without a country), among all records when it
has none.

The per-record cap shares a budget of ``PAIR_BUDGET`` pairs among the records, between
``MIN_NEIGHBOURS`` and ``MAX_NEIGHBOURS`` each: a 1,000-record list is compared widely (100
neighbours each), FEBRL3's 5,000 records 20 each, a 50,000-record register still 10 each (a
person written 3-21 times needs more than the 2 an even share gave). Over ``MAX_RECORDS``
distinct records the pass is skipped: the n-grams alone cost minutes at 1M mentions.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from ringfence.arrow import join_present

PAIR_BUDGET = 100_000
MAX_NEIGHBOURS = 100
# Neighbours a record gets however many records share the budget (up to MAX_RECORDS): Splink
# scores ~100k pairs a second here, so 10 a record costs seconds below MAX_RECORDS.
MIN_NEIGHBOURS = 10
MAX_RECORDS = 100_000
# Multiply-adds of one partition's sparse product at most: the commonest n-grams (an n-gram in
# d records costs d * d) are left out until it fits; they cost the most and tell the least.
PRODUCT_BUDGET = 5_000_000
# Mentions that stand for one distinct record in the product's pairs.
COPIES = 3
# Rows of the sparse product computed at once.
CHUNK = 2_000
# The fields of a record's text (a domain as common as gmail.com drops out with the common
# n-grams; a rare one says something).
TEXT_COLUMNS = (
    "name_norm", "street_norm", "postcode", "city_norm", "email", "identifier", "birth_date",
)  # fmt: skip


def record_texts(cleaned: pa.Table) -> pa.Array:
    """Each mention's fields as one text (missing fields left out; null when all are)."""
    parts = [pc.cast(cleaned.column(c), pa.string()) for c in TEXT_COLUMNS]
    text = join_present(parts, " ")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def neighbour_cap(records: int) -> int:
    """Neighbours per record: the pair budget shared out, within ``MIN_NEIGHBOURS`` and
    ``MAX_NEIGHBOURS``.

    0 (the pass is skipped) over ``MAX_RECORDS`` distinct records: there the n-grams alone cost
    minutes (4 CPU-minutes at 1M mentions), and the key passes and the name neighbours carry
    pair recall (0.9993 at 1M).
    """
    if records > MAX_RECORDS:
        return 0
    return int(min(MAX_NEIGHBOURS, max(MIN_NEIGHBOURS, PAIR_BUDGET // max(records, 1))))


def record_neighbour_pairs(cleaned: pa.Table, checked: bool = False) -> pa.Table:
    """Pairs of row positions (``a``, ``b``) of mentions whose whole records are near.

    ``checked``: the caller already found at most ``MAX_RECORDS`` distinct records.
    """
    if not checked and more_records_than_budget(cleaned):  # skip the costly distinct texts
        return _table(np.empty((0, 2), np.int64))
    country = pc.fill_null(pc.cast(cleaned.column("country"), pa.string()), "")
    key = pc.binary_join_element_wise(country, record_texts(cleaned), "\x1f")
    encoded = pc.dictionary_encode(pa.chunked_array([key])).combine_chunks()
    cap = neighbour_cap(len(encoded.dictionary))
    if cap < 1:
        return _table(np.empty((0, 2), np.int64))
    valid = np.asarray(pc.is_valid(encoded).to_numpy(zero_copy_only=False))
    indices = np.asarray(encoded.indices.fill_null(0).to_numpy(zero_copy_only=False))
    distinct = encoded.dictionary.to_pylist()
    # Up to COPIES mentions stand for each distinct record; further copies are paired with the
    # first (a seller's thousand identical parcels cost a thousand pairs, not a million).
    positions = np.flatnonzero(valid)
    order = positions[np.argsort(indices[positions], kind="stable")]
    starts = np.searchsorted(indices[order], np.arange(len(distinct)))
    rank = np.arange(len(order)) - starts[indices[order]]
    stand_ins = np.full((len(distinct), COPIES), -1, dtype=np.int64)
    early = rank < COPIES
    stand_ins[indices[order[early]], rank[early]] = order[early]
    copies = np.column_stack([stand_ins[indices[order[~early]], 0], order[~early]])
    if len(distinct) < 2:
        return _table(copies)
    split = [value.split("\x1f", 1) for value in distinct]
    countries = np.array([c for c, _ in split], dtype=object)
    vectors = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 3), dtype=np.float32, sublinear_tf=True
    ).fit_transform([t for _, t in split])
    unplaced = np.flatnonzero(countries == "")
    found = [copies]
    for value in np.unique(countries):
        rows = np.flatnonzero(countries == value)
        among = np.arange(len(distinct)) if value == "" else np.union1d(rows, unplaced)
        pairs = _nearest(vectors, rows, among, cap)
        found.extend(
            np.column_stack([stand_ins[pairs[:, 0], i], stand_ins[pairs[:, 1], j]])
            for i in range(COPIES)
            for j in range(COPIES)
        )
    found.extend(np.column_stack([stand_ins[:, 0], stand_ins[:, i]]) for i in range(1, COPIES))
    pairs = np.concatenate(found)
    return _table(pairs[(pairs[:, 0] >= 0) & (pairs[:, 1] >= 0)])


def more_records_than_budget(cleaned: pa.Table) -> bool:
    """More distinct records than ``MAX_RECORDS`` (the cap is 0), counted by DuckDB's hash
    of the fields: building their texts first took seconds at 1M mentions."""
    if cleaned.num_rows <= MAX_RECORDS:
        return False
    columns = ("country", *TEXT_COLUMNS)
    con = duckdb.connect()
    try:
        con.register("t", cleaned.select(list(columns)))
        row = con.execute(f"SELECT count(DISTINCT row({', '.join(columns)})) FROM t").fetchone()
    finally:
        con.close()
    return bool(row and row[0] > MAX_RECORDS)


def _nearest(
    vectors: sparse.csr_matrix, rows: np.ndarray, among: np.ndarray, cap: int
) -> np.ndarray:
    """(record, record) index pairs: each of ``rows``' ``cap`` nearest others in ``among``."""
    if len(among) < 2:
        return np.empty((0, 2), np.int64)
    block = vectors[among]
    keep = _rare_ngrams(block, vectors[rows])
    block = (block @ sparse.diags(keep)).tocsr()
    queries = (vectors[rows] @ sparse.diags(keep)).tocsr()
    transposed = block.T.tocsc()
    found = [np.empty((0, 2), np.int64)]
    for start in range(0, len(rows), CHUNK):
        scores = (queries[start : start + CHUNK] @ transposed).tocsr()
        row = np.repeat(np.arange(scores.shape[0]), np.diff(scores.indptr))
        col = scores.indices
        # One sort: by row, then by cosine (at most 1) descending within the row.
        order = np.argsort(row * 4.0 - scores.data)
        row, col = row[order], col[order]
        rank = np.arange(len(row)) - scores.indptr[row]
        take = (rank <= cap) & (rows[row + start] != among[col])
        found.append(np.column_stack([rows[row[take] + start], among[col[take]]]))
    return np.concatenate(found).astype(np.int64)


def _rare_ngrams(block: sparse.csr_matrix, queries: sparse.csr_matrix) -> np.ndarray:
    """1.0 for the n-grams kept in the product (rarest first, within ``PRODUCT_BUDGET``)."""
    columns = block.shape[1]
    frequency = np.bincount(block.indices, minlength=columns).astype(np.int64)
    cost = frequency * np.bincount(queries.indices, minlength=columns)
    order = np.argsort(frequency, kind="stable")
    within = np.cumsum(cost[order]) <= PRODUCT_BUDGET
    keep = np.zeros(columns, dtype=np.float32)
    keep[order[within]] = 1.0
    return keep


def _table(pairs: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "a": pa.array(pairs[:, 0] if len(pairs) else [], pa.int64()),
            "b": pa.array(pairs[:, 1] if len(pairs) else [], pa.int64()),
        }
    )
