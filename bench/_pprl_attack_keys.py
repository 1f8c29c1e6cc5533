"""The frequency attack of bench/_pprl_attack.py on persons' nickname keys
(``PprlParams.name_nicknames``, docs/pprl.md round 12).

The receiver sees each record's list of keyed nickname keys (none for a name without a given
name the table knows). It groups the records two ways and names the groups by census frequency
(``attack_block_key``, as at tau = 1): by their whole list of keys (equal lists: equal names,
mostly), and by each record's key shared by most records (a nickname's variants together,
"bill searle" with "william searle"). The better grouping is reported.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa

from bench._pprl_attack import SAMPLE, attack_block_key


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
