"""Candidate pairs from the name filters by MinHash LSH (docs/pprl.md, round 10).

The blocking keys (Soundex codes of the name, the date key) miss a true pair whose names share
no Soundex code (a typo in a first letter). The receiver holds every name filter and may
compare any two, so it can also find pairs whose name filters are near in Jaccard similarity:
MinHash over each filter's set bits, ``LSH_BANDS`` bands of ``LSH_ROWS`` values each; two
records sharing a band's values are compared. Nothing is added to an encoding, so no attack
figure changes. The permutations come from a fixed public seed: they only pick which pairs
to compare. A band value shared by more than ``LSH_MAX_BUCKET_PAIRS`` pairs is left out, as
an over-common block key is.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

LSH_BANDS = 20
LSH_ROWS = 4
LSH_SEED = 20261206
LSH_MAX_BUCKET_PAIRS = 2_000
LSH_COLUMN = "clk_name"
CANDIDATES_NAME_MINHASH = "name_minhash"


def band_keys(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Per record its ``LSH_BANDS`` band keys (an (n, bands) int64 matrix) and whether it has
    any (a record without a name filter, or with none of its bits set, has none; encodings
    without name filters have none at all)."""
    from ringfence.resolve.pprl.match import clk_matrix

    if LSH_COLUMN not in table.column_names:
        return np.zeros((table.num_rows, LSH_BANDS), dtype=np.int64), np.zeros(
            table.num_rows, dtype=bool
        )
    words = clk_matrix(table, LSH_COLUMN)
    bits = np.unpackbits(words.view(np.uint8), axis=1).astype(bool)
    width = bits.shape[1]
    rng = np.random.default_rng(LSH_SEED)
    hashes = np.empty((len(bits), LSH_BANDS * LSH_ROWS), dtype=np.int64)
    for h in range(LSH_BANDS * LSH_ROWS):
        order = rng.permutation(width)
        hashes[:, h] = np.argmax(bits[:, order], axis=1)  # the first set bit in this order
    shift = int(width).bit_length()
    keys = np.zeros((len(bits), LSH_BANDS), dtype=np.int64)
    for band in range(LSH_BANDS):
        key = np.full(len(bits), band, dtype=np.int64)
        for row in range(LSH_ROWS):
            key = (key << shift) | hashes[:, band * LSH_ROWS + row]
        keys[:, band] = key
    return keys, np.asarray(bits.any(axis=1), dtype=bool)


def minhash_pairs(left: pa.Table, right: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (left, right) of the pairs sharing a band key whose bucket holds at most
    ``LSH_MAX_BUCKET_PAIRS`` pairs (``left`` may be ``right``: then each pair both ways and
    every record with itself, as ``candidate_pairs`` gives them)."""
    import pyarrow.compute as pc

    sides = [_band_rows(left)]
    sides.append(sides[0] if right is left else _band_rows(right))  # one table: hashed once
    counts = [pc.value_counts(side["key"]) for side in sides]
    per_key = [
        dict(zip(c.field("values").to_pylist(), c.field("counts").to_pylist(), strict=True))
        for c in counts
    ]
    small = [k for k, n in per_key[0].items() if n * per_key[1].get(k, 0) <= LSH_MAX_BUCKET_PAIRS]
    lt = sides[0].filter(pc.is_in(sides[0]["key"], pa.array(small, pa.int64())))
    joined = lt.join(sides[1], "key", join_type="inner", left_suffix="_l", right_suffix="_r")
    return (
        joined["row_l"].to_numpy().astype(np.int64),
        joined["row_r"].to_numpy().astype(np.int64),
    )


def _band_rows(table: pa.Table) -> pa.Table:
    """``key``, ``row``: each record's band keys, one row per band (records without any left
    out)."""
    keys, present = band_keys(table)
    rows = np.repeat(np.flatnonzero(present), LSH_BANDS)
    return pa.table({"key": keys[present].ravel(), "row": rows})
