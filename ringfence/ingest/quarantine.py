"""Reading the quarantine and the field problems: which files had them, why, and the rows.

Entries are one per problem (row and field); counts of rows count each row once. Every entry
says its ``kind``: ``row`` for a quarantined row (rejected), ``field`` for a field problem (the
row was accepted without that value). Both functions are service functions: the CLI prints what
they return, the API sends it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ringfence.errors import UserError
from ringfence.ingest.staging import FIELD_PROBLEMS, QUARANTINE, sql_text
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake

# Reasons end with the offending value, e.g. "not a country code or name ('ZZ')"; grouping
# reasons without it gives the commonest kinds of problem rather than the commonest values.
_VALUE_SUFFIX = r""" \(['"].*['"]\)$"""
TOP_REASONS = 3
KINDS = {"row": QUARANTINE, "field": FIELD_PROBLEMS}
"""Kinds of entry and the dataset of each: rejected rows, and field problems of accepted rows."""


def _kinds(kind: str | None) -> dict[str, str]:
    if kind is None:
        return KINDS
    if kind not in KINDS:
        raise UserError(f"unknown kind {kind!r}; use row (quarantined rows) or field "
                        "(field problems)")
    return {kind: KINDS[kind]}


def _query(settings: Settings, dataset: str, sql_for: Any) -> list[dict[str, Any]]:
    lake = Lake(settings)
    if not lake.has(dataset):
        return []
    engine = open_engine(settings)
    try:
        lake.register(engine, dataset)
        return list(engine.query(sql_for(dataset)).to_pylist())
    finally:
        engine.close()


def _where(**equal: str | None) -> str:
    tests = [f"{column} = {sql_text(value)}" for column, value in equal.items() if value]
    return "WHERE " + " AND ".join(tests) if tests else ""


def quarantine_summary(
    settings: Settings, feed: str | None = None, organisation: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Per source file and kind: rows (quarantined, or with field problems), problems, and the
    commonest reasons (with counts); quarantined rows first. ``kind`` keeps one kind only."""
    found: list[dict[str, Any]] = []
    for name, dataset in _kinds(kind).items():
        for entry in _file_summary(settings, dataset, feed, organisation):
            found.append({"kind": name, **entry})
    return found


def _file_summary(
    settings: Settings, dataset: str, feed: str | None, organisation: str | None
) -> list[dict[str, Any]]:
    where = _where(feed=feed, organisation=organisation)
    files = _query(settings, dataset, lambda table: f"""
        SELECT organisation, feed, source_file, file_sha256,
               count(DISTINCT source_row) AS rows, count(*) AS problems,
               max(ingested_at) AS last_ingested_at
        FROM "{table}" {where}
        GROUP BY organisation, feed, source_file, file_sha256
        ORDER BY last_ingested_at DESC, source_file""")
    suffix = sql_text(_VALUE_SUFFIX)
    reasons = _query(settings, dataset, lambda table: f"""
        SELECT file_sha256, organisation, feed,
               coalesce(field, '(row)') || ': ' || regexp_replace(reason, {suffix}, '') AS reason,
               count(*) AS n
        FROM "{table}" {where}
        GROUP BY 1, 2, 3, 4 ORDER BY n DESC, reason""")
    for entry in files:
        entry["top_reasons"] = [
            {"reason": r["reason"], "count": r["n"]} for r in reasons
            if (r["file_sha256"], r["organisation"], r["feed"])
            == (entry["file_sha256"], entry["organisation"], entry["feed"])
        ][:TOP_REASONS]
        entry["last_ingested_at"] = entry["last_ingested_at"].isoformat()
    return files


def quarantined_rows(
    settings: Settings, file: str, limit: int | None = 50, organisation: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """The rejected rows and the rows with field problems of a file (as named when ingested, or
    by its base name), by row number; at most ``limit`` rows of each kind.

    Each row has its ``kind``, number, every problem (field and reason) and the raw values as
    read: the whole row for a quarantined row, the fields with problems for a field problem.
    """
    found: list[dict[str, Any]] = []
    for name, dataset in _kinds(kind).items():
        rows = _by_row(_problems_of(settings, dataset, file, limit, organisation), name)
        found.extend({"kind": name, **row} for row in rows)
    found.sort(key=lambda r: (r["source_file"], r["source_row"], r["kind"] != "row"))
    return found


def _problems_of(
    settings: Settings, dataset: str, file: str, limit: int | None, organisation: str | None
) -> list[dict[str, Any]]:
    name = sql_text(file)
    suffix = sql_text("%/" + Path(file).name)
    org = f"AND organisation = {sql_text(organisation)}" if organisation else ""
    limit_sql = f"LIMIT {int(limit)}" if limit is not None else ""
    return _query(settings, dataset, lambda table: f"""
        WITH matching AS (
          SELECT * FROM "{table}"
          WHERE (source_file = {name} OR source_file LIKE {suffix}) {org}
        ), chosen AS (
          SELECT DISTINCT organisation, feed, source_file, file_sha256, source_row
          FROM matching ORDER BY source_file, source_row {limit_sql}
        )
        SELECT m.organisation, m.feed, m.source_file, m.file_sha256, m.source_row, m.field,
               m.reason, m.raw
        FROM matching AS m
        JOIN chosen AS c ON m.file_sha256 = c.file_sha256 AND m.source_row = c.source_row
          AND m.organisation = c.organisation AND m.feed = c.feed
        ORDER BY m.source_file, m.source_row, m.field""")


def _by_row(problems: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """One entry per row, with all its problems; the raw values of a field problem are those of
    its fields."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for p in problems:
        key = (p["organisation"], p["feed"], p["file_sha256"], p["source_row"])
        if key not in rows:
            raw = json.loads(p["raw"]) if kind == "row" and p["raw"] else {}
            rows[key] = {"organisation": p["organisation"], "feed": p["feed"],
                         "source_file": p["source_file"], "source_row": p["source_row"],
                         "problems": [], "raw": raw}
        rows[key]["problems"].append({"field": p["field"], "reason": p["reason"]})
        if kind == "field":
            rows[key]["raw"][p["field"]] = p["raw"]
    return list(rows.values())
