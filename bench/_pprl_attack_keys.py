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


def word_codes(
    table: pa.Table, block_words: int, max_share: float = 0.0
) -> list[list[str]]:
    """Per record, what its one-word block keys hold in clear: each Soundex code of its name's
    words (sorted, at most ``block_words``) with its country, in key order; with ``max_share``
    (``PprlParams.name_key_max_share``) those the encoder would withhold from ``table`` as a
    file are ``""``."""
    from ringfence.resolve.pprl.encode import clean_parties
    from ringfence.resolve.pprl.name_block import is_word_text, name_key_texts, over_shared

    cleaned = clean_parties(table)
    texts = [
        name_key_texts(words, country, block_words)
        for words, country in zip(cleaned["name_tokens"], cleaned["country"], strict=True)
    ]
    withheld = over_shared(texts, max_share)
    return [["" if t in withheld else t for t in record if is_word_text(t)] for record in texts]


def word_key_block(
    encodings: list[pa.Table], tables: list[pa.Table], census_table: pa.Table, seed: int
) -> dict[str, Any]:
    """The attack on the name's one-word block keys (docs/pprl.md, threat model): at most
    ``SAMPLE`` records with a name word (``tables[i]`` is what ``encodings[i]`` encodes), each
    (record, word) an item; the items whose key the encoding holds (``name_keys.word_keys``)
    are grouped by equal key and the groups named by the frequency of the census's word codes
    (``word_codes``) as at tau = 1; with ``name_key_max_share`` also by the census's codes the
    encoder's rule keeps (the attacker reads the share in the file), the better reported
    (``order``). ``reidentified``: the share of all items named (a withheld word is not);
    ``blind_guess``: every item named the census's commonest code; also the share of records
    with at least one word named."""
    from ringfence.resolve.pprl.match import check_compatible
    from ringfence.resolve.pprl.name_keys import word_keys

    params = check_compatible(encodings[0], encodings[-1])
    words, share = params.block_words, params.name_key_max_share
    keys = [k for e in encodings for k in word_keys(e)]
    truth = [c for t in tables for c in word_codes(t, words, share)]
    full = [c for t in tables for c in word_codes(t, words)]
    held = np.flatnonzero([bool(t) and len(k) == sum(map(bool, t))
                           for k, t in zip(keys, truth, strict=True)])  # fmt: skip
    rows = np.random.default_rng(seed).permutation(held)[:SAMPLE]
    items = [(int(i), j) for i in rows for j in range(len(truth[i]))]
    kept = [(i, j) for i, j in items if truth[i][j]]
    census_codes = word_codes(census_table, words)
    censuses = {"census": [c for codes in census_codes for c in codes]}
    if share:
        ruled = word_codes(census_table, words, share)
        censuses["rule"] = [c for codes in ruled for c in codes if c]
    if not kept or not censuses["census"]:
        return {"reidentified": 0.0, "blind_guess": 0.0, "records_with_a_word_named": 0.0,
                "values": 0, "items": len(items), "kept": len(kept),
                "records": len(rows)}  # fmt: skip
    labels = np.unique(np.array([keys[i][_kept_index(truth[i], j)] for i, j in kept]),
                       return_inverse=True)[1].ravel()  # fmt: skip
    values = [truth[i][j] for i, j in kept]
    tries = {name: align(labels, values, census) for name, census in censuses.items() if census}
    order, hit = max(tries.items(), key=lambda item: float(item[1].mean()))
    top = Counter(censuses["census"]).most_common(1)[0][0]
    named = {i for (i, _), h in zip(kept, hit, strict=True) if h}
    return {
        "reidentified": round(float(hit.sum()) / len(items), 4),
        "blind_guess": round(float(np.mean([full[i][j] == top for i, j in items])), 4),
        "records_with_a_word_named": round(len(named) / len(rows), 4),
        "values": len({v for v, h in zip(values, hit, strict=True) if h}),
        "order": order,
        "items": len(items),
        "kept": len(kept),
        "records": len(rows),
    }


def _kept_index(record: list[str], j: int) -> int:
    """Where the ``j``-th word code of a record sits among its keys (withheld ones left out)."""
    return sum(1 for code in record[:j] if code)
