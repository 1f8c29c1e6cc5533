"""Memory hints for the feature query's CTEs on DuckDB (``[NOT] MATERIALIZED``)."""

from __future__ import annotations

import re

from ringfence.score.keys import PARTY_KEYS

# The feature query's CTEs that DuckDB keeps (``MATERIALIZED``); every other one is inlined
# where it is read (``NOT MATERIALIZED``). By default DuckDB materializes each CTE read more
# than once and holds them all until the query ends: with the top-decile flags the training
# query on 374,354 shipments ran out of its 2 GB that way, although each CTE alone took under
# 3 s; with these hints it fits (15 s; 3.9 s without the flags, as before). The base rows,
# the labels and the folds are read by everything and cost most to recompute.
# A stored CTE is scanned whole by each reader, so it must be narrow: each key's readers read
# its own rows (``bk_<key>``, ``base_rows.key_rows_sql``), not ``base`` (docs/scale.md,
# 2026-12-05). A party key's rows are stored too: inlined, each of their three reads joined the
# mentions to their entities again (18 hash tables of ``ent``), and the training query on the
# simulator's 1M shipments (~200k resolved mentions) ran out of 2 GB, where the lakes without
# resolution (bench/train_sample.py) never showed it (docs/scale.md, 2026-12-06). The
# watchlisted entities (``wl``, a few rows read once per party key) likewise. The mentions'
# entities (``ent``) are stored once for the six roles' maps (``base_rows.role_entities_sql``):
# inlined, the 10M-shipment world's base rows took 48 s and 1.9 GB, stored 15 s and 1.1 GB
# (docs/scale.md, 2026-12-06).
MATERIALIZED_CTES = frozenset(
    {"base", "ent", "lab", "fold", "kept_rows", "wl", *(f"bk_{name}" for name in PARTY_KEYS)}
)
_CTE_HEAD = re.compile(r"(^WITH |,\n)(\s*)(\w+) AS \(", flags=re.MULTILINE)


def hint_ctes(with_clause: str) -> str:
    """``with_clause`` (``WITH a AS (...), b AS (...)``, one CTE a line) with each CTE marked
    ``MATERIALIZED`` (``MATERIALIZED_CTES``) or ``NOT MATERIALIZED``; Spark drops the marks."""

    def mark(head: re.Match[str]) -> str:
        how = "MATERIALIZED" if head.group(3) in MATERIALIZED_CTES else "NOT MATERIALIZED"
        return f"{head.group(1)}{head.group(2)}{head.group(3)} AS {how} ("

    return _CTE_HEAD.sub(mark, with_clause)


def split_ctes(ctes: list[str]) -> dict[str, str]:
    """Each CTE of ``ctes`` (items of one or more ``name AS (...)``, one to a line, as
    ``hint_ctes`` reads them) by name, in the query's order (``staged.py`` stores them so)."""
    text = "WITH " + ",\n".join(ctes)
    heads = list(_CTE_HEAD.finditer(text))
    found: dict[str, str] = {}
    for head, following in zip(heads, [*heads[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        if head.group(3) in found:
            raise ValueError(f"CTE {head.group(3)} defined twice")
        found[head.group(3)] = text[head.start(3) : end].rstrip()
    return found
