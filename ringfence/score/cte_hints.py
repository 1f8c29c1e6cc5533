"""Memory hints for the feature query's CTEs on DuckDB (``[NOT] MATERIALIZED``)."""

from __future__ import annotations

import re

# The feature query's CTEs that DuckDB keeps (``MATERIALIZED``); every other one is inlined
# where it is read (``NOT MATERIALIZED``). By default DuckDB materializes each CTE read more
# than once and holds them all until the query ends: with the top-decile flags the training
# query on 374,354 shipments ran out of its 2 GB that way, although each CTE alone took under
# 3 s; with these hints it fits (15 s; 3.9 s without the flags, as before). The base rows,
# the labels and the folds are read by everything and cost most to recompute.
# DuckDB 2.0.1 stores a CTE read more than once whatever the hint says (``base``, ``ent``, ``wl``;
# docs/scale.md, 2026-12-05): what bounds the memory is that such a CTE is narrow, so each key's
# readers read its own rows (``bk_<key>``, ``base_rows.key_rows_sql``), not ``base``.
MATERIALIZED_CTES = frozenset({"base", "lab", "fold", "kept_rows"})
_CTE_HEAD = re.compile(r"(^WITH |,\n)(\s*)(\w+) AS \(", flags=re.MULTILINE)


def hint_ctes(with_clause: str) -> str:
    """``with_clause`` (``WITH a AS (...), b AS (...)``, one CTE a line) with each CTE marked
    ``MATERIALIZED`` (``MATERIALIZED_CTES``) or ``NOT MATERIALIZED``; Spark drops the marks."""

    def mark(head: re.Match[str]) -> str:
        how = "MATERIALIZED" if head.group(3) in MATERIALIZED_CTES else "NOT MATERIALIZED"
        return f"{head.group(1)}{head.group(2)}{head.group(3)} AS {how} ("

    return _CTE_HEAD.sub(mark, with_clause)
