"""The frequency attack of bench/_pprl_attack.py on persons' nickname keys
(``PprlParams.name_nicknames``, docs/pprl.md round 12).

The receiver sees each record's list of keyed nickname keys (none for a name without a given
name the table knows). It groups the records two ways and names the groups by census frequency
(``attack_block_key``, as at tau = 1): by their whole list of keys (equal lists: equal names,
mostly), and by each record's key shared by most records (a nickname's variants together,
"bill searle" with "william searle"). The better grouping is reported.

``word_key_block``: the same attack on the name's one-word block keys, which every encoding
carries (round 20 reads them back by their count).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa

from bench._pprl_attack import SAMPLE, align, attack_block_key


def nickname_key_block(
    encodings: list[pa.Table], truth: list[str], census: list[str], seed: int
) -> dict[str, Any]:
    """The attack on the name through the nickname keys, on at most ``SAMPLE`` records
    holding a name (drawn by ``seed``), with the grouping that re-identifies more."""
    lists = [keys for e in encodings for keys in e["nickname_keys"].to_pylist()]
    counts = Counter(key for keys in lists for key in keys)
    held = np.flatnonzero(np.array([bool(v) for v in truth]))
    rows = np.random.default_rng(seed).permutation(held)[:SAMPLE]
    sample = [truth[i] for i in rows]
    groupings = {
        "key_list": ["|".join(sorted(lists[i])) for i in rows],
        "commonest_key": [
            min(lists[i], key=lambda k: (-counts[k], k)) if lists[i] else "" for i in rows
        ],
    }
    tries = {name: attack_block_key(keys, sample, census) for name, keys in groupings.items()}
    grouping, best = max(tries.items(), key=lambda item: item[1]["reidentified"])
    return {
        **best,
        "grouping": grouping,
        "with_keys": sum(1 for i in rows if lists[i]),
        "records": len(rows),
    }


def word_codes(table: pa.Table, block_words: int) -> list[list[str]]:
    """Per record, what its one-word block keys hold in clear: each Soundex code of its name's
    words (sorted, at most ``block_words``) with its country, in key order."""
    from ringfence.resolve.pprl.encode import clean_parties, name_codes

    cleaned = clean_parties(table)
    return [
        [f"{c}|{country or ''}" for c in name_codes(words, block_words)]
        for words, country in zip(cleaned["name_tokens"], cleaned["country"], strict=True)
    ]


def word_key_block(
    encodings: list[pa.Table], tables: list[pa.Table], census_table: pa.Table, seed: int
) -> dict[str, Any]:
    """The attack on the name's one-word block keys (docs/pprl.md, threat model): at most
    ``SAMPLE`` records whose one-word keys read back (``name_keys.word_keys``; ``tables[i]``
    is what ``encodings[i]`` encodes), each (record, key) an item grouped by equal key, the
    groups named by the frequency of the census's word codes (``word_codes``) as at tau = 1.
    Also the blind guess (every item the commonest code) and the share of records with at
    least one word named."""
    from ringfence.resolve.pprl.match import check_compatible
    from ringfence.resolve.pprl.name_keys import word_keys

    words = check_compatible(encodings[0], encodings[-1]).block_words
    keys = [k for e in encodings for k in word_keys(e)]
    truth = [c for t in tables for c in word_codes(t, words)]
    census = [c for codes in word_codes(census_table, words) for c in codes]
    held = np.flatnonzero([bool(k) and len(k) == len(t) for k, t in zip(keys, truth, strict=True)])
    rows = np.random.default_rng(seed).permutation(held)[:SAMPLE]
    items = [(int(i), j) for i in rows for j in range(len(keys[i]))]
    if not items or not census:
        return {"reidentified": 0.0, "blind_guess": 0.0, "records_with_a_word_named": 0.0,
                "values": 0, "items": 0, "records": 0}  # fmt: skip
    _, labels = np.unique(np.array([keys[i][j] for i, j in items]), return_inverse=True)
    values = [truth[i][j] for i, j in items]
    hit = align(labels.ravel(), values, census)
    top = Counter(census).most_common(1)[0][0]
    named = {i for (i, _), h in zip(items, hit, strict=True) if h}
    return {
        "reidentified": round(float(hit.mean()), 4),
        "blind_guess": round(float(np.mean([v == top for v in values])), 4),
        "records_with_a_word_named": round(len(named) / len(rows), 4),
        "values": len({v for v, h in zip(values, hit, strict=True) if h}),
        "items": len(items),
        "records": len(rows),
    }
