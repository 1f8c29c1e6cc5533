"""Name-word features from the block keys the receiver already holds (docs/pprl.md, round 20).

A record's block keys (``encode.block_keys``) begin with one key per Soundex code of its name's
words (at most ``PprlParams.block_words``), then one per pair of codes, then, with a date block
key, that key: the receiver can tell the one-word keys apart by their count alone. Two records
sharing a one-word key share a word as it sounds (and the country, which every key holds); how
many records of the files compared hold that key is its frequency, what clear-text resolution's
term-frequency adjustment reads. ``NAME_KEY_FEATURES`` per pair:

* ``name_key_rarity``: -log of the share of records holding the rarest one-word key the two
  share (0 if they share none) — "read" shared by 30 of 25,000 records weighs more than "john";
* ``name_key_contained``: the same where one name's word keys are all among the other's and
  the other has more (a partial name: "eustace" / "eustace parke-olive"), else 0;
* ``name_key_unshared``: where they share a word key, the rarity of the rarest word key of the
  shorter name that the other lacks (both names as long: the smaller of the two sides'), else
  0 — "baltic retail" / "delta retail" share "retail" but not "baltic".

No key, no new bit: the encodings are unchanged and so are the attack figures. Learnt by ``pprl
fit --matches --name-key-features`` only: without known matches the EM's calls do not teach
their weight (round 20).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ringfence.resolve.pprl.name_block import WORD_KEY_COUNT

NAME_KEY_FEATURES = ("name_key_rarity", "name_key_contained", "name_key_unshared")
# A name of c Soundex codes gives c + c(c - 1)/2 keys (its count of words by its count of
# keys); a date block key adds one.
WORDS_OF_KEY_COUNT = {c * (c + 1) // 2: c for c in range(0, 64)}
_MAX_WORDS = 8


def word_keys(table: pa.Table) -> list[list[str]]:
    """Per record, its name's one-word block keys. An encoding made with
    ``name_key_max_share`` says how many there are (``name_block.WORD_KEY_COUNT``); otherwise they
    are read from the count of keys: none when it is not one a name gives (with or without a
    date key after them). A lone key is read as a one-word name's: a record whose name gives
    no key (no word of two letters) but holds a date key looks the same, and its "word" is
    then shared only by records of that date."""
    lists = table.column("block_keys").combine_chunks().to_pylist()
    if WORD_KEY_COUNT in table.column_names:
        held = table.column(WORD_KEY_COUNT).to_pylist()
        return [list(keys[:count]) for keys, count in zip(lists, held, strict=True)]
    out = []
    for keys in lists:
        count = len(keys)
        words = WORDS_OF_KEY_COUNT.get(count) or WORDS_OF_KEY_COUNT.get(count - 1, 0)
        out.append(list(keys[:words]) if words else [])
    return out


def _key_matrices(tables: list[pa.Table]) -> tuple[list[np.ndarray], np.ndarray]:
    """Per table a (records, words) matrix of key numbers (-1: none; as many columns as the
    longest name has word keys, at most ``_MAX_WORDS``), and each key number's rarity: -log of
    the share of all the tables' records holding it."""
    words = [word_keys(t) for t in tables]
    width = max(1, min(max((len(keys) for side in words for keys in side), default=0), _MAX_WORDS))
    ids: dict[str, int] = {}
    matrices = []
    for side in words:
        matrix = np.full((len(side), width), -1, dtype=np.int32)
        for row, keys in enumerate(side):
            codes = [ids.setdefault(k, len(ids)) for k in keys[:width]]
            matrix[row, : len(codes)] = codes
        matrices.append(matrix)
    counts = np.zeros(len(ids))
    for matrix in matrices:
        held = matrix[matrix >= 0]
        counts += np.bincount(held, minlength=len(ids))
    total = max(sum(len(side) for side in words), 1)
    return matrices, -np.log(np.maximum(counts, 1.0) / total)


def name_key_features(
    left: pa.Table, right: pa.Table, li: np.ndarray, ri: np.ndarray
) -> dict[str, np.ndarray]:
    """``NAME_KEY_FEATURES`` of the pairs (rows ``li`` of left with ``ri`` of right); the
    frequencies count the records of both tables (of one, when ``left is right``)."""
    if not len(li):
        return {name: np.zeros(0) for name in NAME_KEY_FEATURES}
    matrices, rarity = _key_matrices([left] if left is right else [left, right])
    lp, rp = matrices[0][li], matrices[-1][ri]
    lheld, rheld = lp >= 0, rp >= 0
    equal = (lp[:, :, None] == rp[:, None, :]) & lheld[:, :, None]
    shared_l, shared_r = equal.any(axis=2), equal.any(axis=1)
    lrare = np.where(lheld, rarity[np.maximum(lp, 0)], 0.0)
    rrare = np.where(rheld, rarity[np.maximum(rp, 0)], 0.0)
    rare = np.where(shared_l, lrare, 0.0).max(axis=1)
    n_shared = shared_l.sum(axis=1)
    nl, nr = lheld.sum(axis=1), rheld.sum(axis=1)
    contained = (n_shared > 0) & (n_shared == np.minimum(nl, nr)) & (nl != nr)
    un_l = np.where(~shared_l & lheld, lrare, 0.0).max(axis=1)
    un_r = np.where(~shared_r & rheld, rrare, 0.0).max(axis=1)
    unshared = np.where(nl < nr, un_l, np.where(nr < nl, un_r, np.minimum(un_l, un_r)))
    return {
        "name_key_rarity": rare,
        "name_key_contained": np.where(contained, rare, 0.0),
        "name_key_unshared": np.where(n_shared > 0, unshared, 0.0),
    }
