"""A reader of FtM JSON lines that yields canonical rows of one feed, like any other reader.

The file is read twice, streaming: first for its ``Address`` and ``BankAccount`` entities and
ownerships (parties refer to them by id, before or after), then for the rows. A line that is
not JSON, not an object, names no schema FtM knows or has no id is a bad row with its reason
(quarantined by the ingest, in the party feeds' run); valid entities of schemas the feed does
not take (a ``Sanction``, a ``Vessel``) are counted in ``skipped`` and told as a warning.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.ftm import entities as fe
from ringfence.ingest.limits import NO_LIMITS, InputLimits, open_limited
from ringfence.ingest.readers import parse_json_line
from ringfence.ingest.source import BadRow, RawBatch, Source

FEEDS = ("parties", "watchlist", "party_links")


def _model() -> Any:
    from followthemoney import model  # parses its schema files on first import

    return model


class FtmSource(Source):
    """FtM entities of ``path`` as rows of ``feed`` (parties, watchlist or party_links)."""

    def __init__(
        self,
        path: Path,
        feed: str,
        batch_rows: int,
        limits: InputLimits = NO_LIMITS,
        report_bad: bool = True,
    ) -> None:
        if feed not in FEEDS:
            from ringfence.errors import UserError

            raise UserError(f"FtM entities go into {', '.join(FEEDS)}, not the {feed} feed")
        self.path, self.feed, self.batch_rows = path, feed, batch_rows
        self.limits, self.report_bad = limits, report_bad
        self.skipped: Counter[str] = Counter()
        self.columns: list[str] = list(
            fe.LINK_COLUMNS
            if feed == "party_links"
            else fe.WATCHLIST_COLUMNS
            if feed == "watchlist"
            else fe.PARTY_COLUMNS
        )
        self._context: fe.Context | None = None

    def _lines(self) -> Iterator[tuple[int, dict[str, Any] | None, str | None, bytes]]:
        """(line number, object or None, reason, raw line) of every non-blank line."""
        with io.BufferedReader(open_limited(self.path, self.limits)) as handle:
            number = 0
            for line in handle:
                if not line.strip():
                    continue
                number += 1
                obj, reason = parse_json_line(line, "utf-8")
                yield number, obj, reason, line

    def _context_of_file(self) -> fe.Context:
        """Addresses, bank accounts and ownerships of the whole file (a first pass)."""
        if self._context is None:
            self._context = fe.Context()
            for _, obj, _, _ in self._lines():
                if obj:
                    self._context.add(obj)
        return self._context

    def _rows_of(self, obj: dict[str, Any]) -> tuple[list[dict[str, str | None]], str | None]:
        """The feed's rows of one entity, or a reason it is not an entity at all."""
        schema_name, entity_id = obj.get("schema"), obj.get("id")
        if not isinstance(schema_name, str) or not schema_name:
            return [], "an FtM entity needs a 'schema'"
        schema = _model().get(schema_name)
        if schema is None:
            return [], f"FtM has no schema {schema_name!r}"
        if not isinstance(entity_id, str) or not entity_id.strip():
            return [], "an FtM entity needs an 'id'"
        if not isinstance(obj.get("properties", {}), dict):
            return [], "an FtM entity's 'properties' must be an object"
        if schema_name in fe.PARTY_SCHEMATA:
            rows = fe.party_rows(obj, self._context_of_file(), self.feed == "watchlist")
            if self.feed == "party_links":
                return fe.alias_links(rows), None
            return rows, None
        if schema_name in fe.LINK_SCHEMATA and self.feed == "party_links":
            return fe.link_rows(obj, schema, self._context_of_file()), None
        if self.feed != "party_links" and schema_name not in (*fe.LINK_SCHEMATA, *fe.CONTEXT):
            self.skipped[schema_name] += 1
        return [], None

    def batches(self) -> Iterator[RawBatch]:
        rows: list[dict[str, str | None]] = []
        numbers: list[int] = []
        bad: list[BadRow] = []
        for number, obj, reason, line in self._lines():
            found: list[dict[str, str | None]] = []
            if obj is not None:
                found, reason = self._rows_of(obj)
            if reason and self.report_bad:
                raw = json.dumps({"_line": line.decode("utf-8", "replace")[:10_000]})
                bad.append(BadRow(number, reason, raw))
            rows += found
            numbers += [number] * len(found)
            if len(rows) + len(bad) >= self.batch_rows:
                yield self._batch(rows, numbers, bad)
                rows, numbers, bad = [], [], []
        if rows or bad:
            yield self._batch(rows, numbers, bad)

    def _batch(
        self, rows: list[dict[str, str | None]], numbers: list[int], bad: list[BadRow]
    ) -> RawBatch:
        table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in self.columns})
        return RawBatch(table, pa.array(np.asarray(numbers, dtype=np.int64)), bad)

    def notes(self) -> list[str]:
        """Words for the entities of schemas this feed does not take, if any."""
        if not self.skipped:
            return []
        counts = ", ".join(f"{name} ({n})" for name, n in sorted(self.skipped.items()))
        return [
            f"{self.path.name}: left out FtM entities the {self.feed} feed does not take: {counts}"
        ]
