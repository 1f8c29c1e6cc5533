"""Staging and finishing: batches are written to temporary Parquet files, then one SQL per
dataset, run by the Engine, hashes source keys into ids, drops what the dataset already has and
what came twice in the file, and writes the new part, which the lake then commits atomically.

Ids are computed in SQL with the same formula as ``records.base.make_id`` (tested to agree), so
the existing ids never have to be loaded into Python.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ringfence.model.feeds import FeedSpec, feed
from ringfence.model.records import PROVENANCE_FIELDS
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake
from ringfence.store.leftovers import owned_name

QUARANTINE = "quarantine"
FIELD_PROBLEMS = "field_problems"
"""Values of optional fields that did not clean, in rows that were accepted (same columns as the
quarantine; ``raw`` is the field's value as read, not the whole row)."""
PROBLEM_DATASETS = (QUARANTINE, FIELD_PROBLEMS)
QUARANTINE_SCHEMA = pa.schema([
    ("id", pa.string()), ("organisation", pa.string()), ("feed", pa.string()),
    ("source_file", pa.string()), ("file_sha256", pa.string()), ("source_row", pa.int64()),
    ("field", pa.string()), ("reason", pa.string()), ("raw", pa.string()),
    ("ingested_at", pa.timestamp("us", tz="UTC")),
])


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def make_id_sql(organisation: str, feed_name: str, key_expr: str) -> str:
    """SQL for ``make_id(organisation, feed, key)``; null when the key is null."""
    prefix = sql_text(f"{feed_name[:2]}-")
    salt = sql_text(f"{organisation}\x1f{feed_name}\x1f")
    return f"({prefix} || substr(sha1({salt} || {key_expr}), 1, 30))"


@dataclass
class Stager:
    """Temporary Parquet files of staged batches, one folder per ingest of one file."""

    root: Path
    paths: dict[str, list[Path]] = field(default_factory=dict)
    filled: dict[str, set[str]] = field(default_factory=dict)
    """Columns per dataset with at least one value (the others need no SQL work)."""

    @classmethod
    def create(cls, tmp_dir: Path) -> Stager:
        root = tmp_dir / owned_name("ingest-")
        root.mkdir(parents=True)
        return cls(root)

    def add(self, dataset: str, table: pa.Table) -> None:
        """Stage a batch's rows for ``dataset`` (nothing for an empty table)."""
        if table.num_rows == 0:
            return
        paths = self.paths.setdefault(dataset, [])
        path = self.root / f"{dataset}-{len(paths):06d}.parquet"
        # Read once, soon, from the page cache: plain encoding is several times faster to write.
        pq.write_table(table, path, compression="none", use_dictionary=False,
                       write_statistics=False)
        paths.append(path)
        self.filled.setdefault(dataset, set()).update(
            name for name, col in zip(table.column_names, table.columns, strict=True)
            if col.null_count < len(col))

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class RunContext:
    """What the finishing SQL writes into every record's provenance."""

    organisation: str
    feed: str
    source_file: str
    file_sha256: str
    ingested_at: dt.datetime

    def timestamp_sql(self) -> str:
        return f"TIMESTAMPTZ {sql_text(self.ingested_at.isoformat(sep=' '))}"


def record_select(
    spec: FeedSpec, ctx: RunContext, ref_orgs: dict[str, str], filled: set[str] | None = None
) -> str:
    """The select list turning a staged table of ``spec`` into records with ids and provenance.

    References are hashed into ids unless ``filled`` says the column never has a value.
    """
    provenance = {
        "id": make_id_sql(ctx.organisation, spec.name, "source_key"),
        "organisation": sql_text(ctx.organisation),
        "source_key": "source_key",
        "source_file": sql_text(ctx.source_file),
        "source_row": "source_row",
        "ingested_at": ctx.timestamp_sql(),
    }
    exprs = []
    for fs in spec.fields:
        if fs.name in PROVENANCE_FIELDS:
            expr = provenance[fs.name]
        elif fs.ref_feed and filled is not None and fs.name not in filled:
            expr = "CAST(NULL AS VARCHAR)"
        elif fs.ref_feed:
            org = ref_orgs.get(fs.name, ctx.organisation)
            expr = make_id_sql(org, fs.ref_feed, f'"{fs.name}"')
        else:
            expr = f'"{fs.name}"'
        exprs.append(f'{expr} AS "{fs.name}"')
    return ",\n       ".join(exprs)


def quarantine_select(ctx: RunContext, dataset: str = QUARANTINE) -> str:
    """The select list of quarantine entries (or field problems); the id is deterministic per
    file, row and field."""
    entry_key = (f"{sql_text(f'{ctx.feed}:{ctx.file_sha256}:')} || CAST(source_row AS VARCHAR)"
                 " || ':' || coalesce(field, '')")
    exprs = {
        "id": make_id_sql(ctx.organisation, dataset, entry_key),
        "organisation": sql_text(ctx.organisation),
        "feed": sql_text(ctx.feed),
        "source_file": sql_text(ctx.source_file),
        "file_sha256": sql_text(ctx.file_sha256),
        "source_row": "source_row",
        "field": "field",
        "reason": "reason",
        "raw": "raw",
        "ingested_at": ctx.timestamp_sql(),
    }
    return ",\n       ".join(f'{e} AS "{n}"' for n, e in exprs.items())


def new_rows_sql(
    select: str, staged: str, existing: str | None, within_file: bool, only_rows: str | None = None
) -> str:
    """New rows of ``staged``: ids ``existing`` lacks; a source key seen twice keeps its first row.

    ``existing`` is None when the dataset has no data yet. The within-file check numbers only the
    two narrow key columns (a window over whole rows costs far more), then drops the later rows.
    ``only_rows`` names a table of the source rows to keep (the rows accepted as new records).
    """
    later = f"""
WITH later AS (
  SELECT source_key, source_row FROM (
    SELECT source_key, source_row,
           row_number() OVER (PARTITION BY source_key ORDER BY source_row) AS n
    FROM "{staged}"
  ) AS numbered
  WHERE n > 1
)""" if within_file else ""
    keep_first = ("WHERE NOT EXISTS (SELECT 1 FROM later AS l\n"
                  "                  WHERE l.source_key = t.source_key"
                  " AND l.source_row = t.source_row)") if within_file else ""
    if only_rows:
        keep_first = f'WHERE t.source_row IN (SELECT source_row FROM "{only_rows}")'
    anti_join = (f'WHERE NOT EXISTS (SELECT 1 FROM "{existing}" AS e WHERE e.id = s.id)'
                 if existing else "")
    return f"""{later}
SELECT * FROM (
  SELECT {select}
  FROM "{staged}" AS t
  {keep_first}
) AS s
{anti_join}
"""


def _has_repeated_keys(engine: Engine, staged: str) -> bool:
    repeated = engine.scalar(f"""
        SELECT count(*) FROM (
          SELECT source_key FROM "{staged}" GROUP BY source_key HAVING count(*) > 1
        ) AS repeated""")
    return bool(repeated)


def finish_dataset(
    engine: Engine, lake: Lake, dataset: str, paths: list[Path], select: str, label: str,
    only_rows: str | None = None,
) -> int:
    """Write the new rows of a staged dataset as one committed part; returns how many.

    The part of a record dataset is bound as ``new_<dataset>``. ``only_rows``: see
    ``new_rows_sql``.
    """
    if not paths:
        return 0
    staged = f"staged_{dataset}"
    engine.register_parquet(staged, paths)
    # An empty dataset is not bound at all: binding a name first to an empty Arrow table and
    # later to Parquet files leaves DuckDB reading the stale Arrow table.
    existing = dataset if lake.register(engine, dataset) else None
    tmp = lake.new_part_path(dataset)
    # Quarantine entries are unique per row and field already; records may repeat a source key.
    # Checking for repeats first is cheap and spares the common case the extra anti-join.
    within_file = dataset not in PROBLEM_DATASETS and _has_repeated_keys(engine, staged)
    sql = new_rows_sql(select, staged, existing, within_file=within_file, only_rows=only_rows)
    engine.write_parquet(sql, tmp)
    written = pq.ParquetFile(tmp).metadata.num_rows
    if written == 0:
        tmp.unlink()
        return 0
    part = lake.commit_part(tmp, label)
    if dataset not in PROBLEM_DATASETS:
        engine.register_parquet(f"new_{dataset}", [part])
    return written


def finish_all(
    engine: Engine, lake: Lake, stager: Stager, ctx: RunContext, main: FeedSpec,
    ref_orgs: dict[str, str], label: str,
) -> dict[str, int]:
    """Finish every staged dataset; party mentions first so a reader never sees dangling refs.

    Field problems are kept for the rows that became new records only: re-ingesting a file gives
    duplicates, not the same field problems twice.
    """
    order = ["parties", "shipments", main.name, "outcomes", "seller_signals", QUARANTINE,
             FIELD_PROBLEMS]
    counts: dict[str, int] = {}
    for dataset in dict.fromkeys(order):
        paths = stager.paths.get(dataset, [])
        only_rows = None
        if dataset == FIELD_PROBLEMS:
            if not counts.get(main.name):
                counts[dataset] = 0
                continue
            only_rows = f"new_{main.name}"
        if dataset in PROBLEM_DATASETS:
            select = quarantine_select(ctx, dataset)
        else:
            orgs = ref_orgs if dataset == main.name else {}
            select = record_select(feed(dataset), ctx, orgs, stager.filled.get(dataset))
        counts[dataset] = finish_dataset(engine, lake, dataset, paths, select, label, only_rows)
    return counts
