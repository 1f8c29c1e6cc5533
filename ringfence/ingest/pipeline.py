"""The ingest service function: files in, canonical records and quarantine entries out.

The CLI and the API both call ``ingest_files``; it never prints. Each file is streamed in batches
(read → transform → stage), then finished by SQL in the Engine (ids, dedup, write, commit), then
recorded in the operational store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ringfence.errors import InputFileError, MappingError, UserError
from ringfence.ingest.limits import InputLimits
from ringfence.ingest.mapping import FormatOptions, Mapping, load_mapping, resolve_mapping_path
from ringfence.ingest.plan import Plan, build_plan, canonical_mapping, check_format
from ringfence.ingest.prefetch import prefetch
from ringfence.ingest.readers import Source, file_type, open_source
from ringfence.ingest.staging import (
    FIELD_PROBLEMS,
    PROBLEM_DATASETS,
    QUARANTINE,
    RunContext,
    Stager,
    finish_all,
)
from ringfence.ingest.summary import FileSummary, IngestSummary
from ringfence.ingest.transform import transform
from ringfence.model.feeds import FeedSpec
from ringfence.model.feeds import feed as feed_spec
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake
from ringfence.store.leftovers import clean_leftovers
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.locks import dataset_locks

Progress = Callable[..., None]
"""The CLI's progress callback: ``progress(task, done, total=None)`` (see ``cli.progress``)."""
FILE_FORMATS = ("csv", "parquet", "jsonl", "ftm")
_ORG_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


@dataclass
class _Run:
    """What every file of one ``ingest_files`` call shares."""

    settings: Settings
    spec: FeedSpec
    organisation: str
    mapping: Mapping | None
    mapping_file: str | None
    engine: Engine
    lake: Lake
    store: OperationalStore
    progress: Progress | None
    actor: str
    strict: bool = False
    file_format: str | None = None
    report_bad: bool = True


def ingest_files(
    settings: Settings,
    feed: str,
    paths: Sequence[str | Path],
    mapping: str | Path | None = None,
    organisation: str | None = None,
    progress: Progress | None = None,
    actor: str = "cli",
    strict: bool = False,
    file_format: str | None = None,
) -> IngestSummary:
    """Ingest files into the feed's dataset; returns per-file and total counts.

    ``progress(task, rows_read, total)`` is called after each batch of each file (``total`` is
    None until the file is done).

    ``mapping`` is a mapping file or the name of a shipped one (``kcs-declarations``); without
    one the files must be in the feed's canonical format. ``organisation`` defaults to the
    mapping's. Raises ``UserError`` subclasses for anything the user can fix.

    An optional value that does not clean is a field problem: the row is accepted without it
    and the problem stored (``field_problems``). With ``strict`` it quarantines the row instead.

    ``file_format`` (csv, parquet, jsonl, ftm) overrides the type the file's name implies. FtM
    entities into ``parties`` or ``watchlist`` also bring their relationships and aliases'
    ``same_as`` links into ``party_links`` (a second file summary).
    """
    spec = feed_spec(feed)
    require_files(paths)
    if file_format is not None and file_format not in FILE_FORMATS:
        raise UserError(f"unknown file format {file_format!r}; formats are: "
                        + ", ".join(FILE_FORMATS))
    loaded, mapping_file = _load_mapping(mapping)
    if loaded is not None and file_format == "ftm":
        raise UserError("FtM entities need no mapping: leave out --mapping")
    if loaded is not None:
        _check_mapping_feed(loaded, str(mapping_file), spec)
    org = organisation or (loaded.organisation if loaded else None)
    if not org:
        raise UserError("which organisation is this data from? pass --org ORG "
                        "(or set 'organisation:' in the mapping)")
    if not _ORG_SLUG.match(org):
        raise UserError(f"organisation {org!r} must be a lower-case slug (letters, digits, -._)")
    clean_leftovers(settings.data_dir, settings.lake_dir)  # of runs killed mid-way
    engine = open_engine(settings)
    run = _Run(settings, spec, org, loaded, mapping_file, engine, Lake(settings),
               OperationalStore.open(settings), progress, actor, strict, file_format)
    summary = IngestSummary()
    try:
        for path in paths:
            summary.files.append(_ingest_file(run, Path(path)))
            if spec.name in ("parties", "watchlist") and _is_ftm(run, Path(path)):
                links = replace(run, spec=feed_spec("party_links"), report_bad=False)
                summary.files.append(_ingest_file(links, Path(path)))
    finally:
        engine.close()
        run.store.close()
    return summary


def require_files(paths: Sequence[str | Path]) -> None:
    """Fail before anything is written (not after the first files) when a file is missing."""
    for path in paths:
        if not Path(path).is_file():
            raise InputFileError("no such file", file=str(path))


def _load_mapping(mapping: str | Path | None) -> tuple[Mapping | None, str | None]:
    if mapping is None:
        return None, None
    path = resolve_mapping_path(mapping)
    loaded = load_mapping(path)
    check_format(loaded, str(path))
    return loaded, str(path)


def _format(run: _Run) -> FormatOptions:
    fmt = run.mapping.format if run.mapping else Mapping(feed=run.spec.name).format
    return fmt.model_copy(update={"type": run.file_format}) if run.file_format else fmt


def _is_ftm(run: _Run, path: Path) -> bool:
    return run.mapping is None and file_type(path, _format(run)) == "ftm"


def _check_mapping_feed(mapping: Mapping, mapping_file: str, spec: FeedSpec) -> None:
    try:
        mapped = feed_spec(mapping.feed)
    except UserError as exc:
        raise MappingError(exc.message, file=mapping_file, field="feed") from None
    if mapped.name != spec.name:
        raise MappingError(f"this mapping is for the {mapping.feed} feed, not {spec.name}",
                           file=mapping_file, field="feed")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _plan_for(run: _Run, columns: list[str], data_file: str) -> Plan:
    if run.mapping is None:
        implied, warnings = canonical_mapping(run.spec, columns, data_file)
        plan = build_plan(implied, run.organisation, columns, "(canonical format)", data_file)
        plan.warnings.extend(warnings)
        return plan
    return build_plan(run.mapping, run.organisation, columns, str(run.mapping_file), data_file)


def _ingest_file(run: _Run, path: Path) -> FileSummary:
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    name = str(path)
    limits = InputLimits.from_settings(run.settings)
    source = open_source(path, _format(run), run.settings.batch_rows, limits,
                         feed=run.spec.name, report_bad=run.report_bad)
    result = FileSummary(name, run.spec.name, run.organisation, file_sha256=file_sha256(path),
                         mapping=run.mapping_file)
    if source.columns is None:
        result.warnings.append(f"{name}: empty file")
    else:
        plan = _plan_for(run, source.columns, name)
        result.warnings.extend(plan.warnings)
        _stream_and_finish(run, plan, source, result, started)
        result.warnings.extend(source.notes())
    result.seconds = round(time.perf_counter() - clock, 3)
    if run.progress:
        run.progress(_task(name), result.rows_read, result.rows_read)
    _record(run, result, started)
    return result


def _stream_and_finish(
    run: _Run, plan: Plan, source: Source, result: FileSummary, started: dt.datetime
) -> None:
    stager = Stager.create(run.settings.data_dir / "tmp")
    try:
        for batch in prefetch(source.batches()):
            staged = transform(plan, batch, run.strict)
            for dataset, table in staged.tables.items():
                stager.add(dataset, table)
            stager.add(QUARANTINE, staged.quarantine)
            stager.add(FIELD_PROBLEMS, staged.field_problems)
            result.rows_read += batch.rows_read
            result.quarantined += staged.bad_rows
            if run.progress:
                run.progress(_task(result.file), result.rows_read)
        ctx = RunContext(run.organisation, run.spec.name, result.file, result.file_sha256,
                         started)
        ref_orgs = dict(plan.ref_orgs)
        ref_orgs.update({f"{p.role}_ref": run.organisation for p in plan.parties})
        label = result.file_sha256[:12]
        # Reading the lake's keys and writing the new rows must not interleave with another
        # ingest of the same datasets (threads, server workers, processes, hosts).
        with dataset_locks(run.settings.data_dir / "locks", stager.paths,
                           engine=run.store.engine,
                           wait_seconds=run.settings.ingest_lock_wait_seconds):
            counts = finish_all(run.engine, run.lake, stager, ctx, plan.feed, ref_orgs, label)
    finally:
        stager.cleanup()
    result.accepted = counts.get(plan.feed.name, 0)
    result.duplicates = result.rows_read - result.quarantined - result.accepted
    result.field_problems = counts.get(FIELD_PROBLEMS, 0)
    result.new_records = {k: v for k, v in counts.items()
                          if v and k not in (plan.feed.name, *PROBLEM_DATASETS)}


def _task(file: str) -> str:
    return f"ingest {Path(file).name}"


def _record(run: _Run, result: FileSummary, started: dt.datetime) -> None:
    """One ingest run and one audit entry per file in the operational store."""
    run.store.ensure_organisation(run.organisation)
    run.store.record_ingest_run(
        organisation=run.organisation, feed=run.spec.name, file_name=result.file,
        file_sha256=result.file_sha256, mapping=run.mapping_file, rows_read=result.rows_read,
        accepted=result.accepted, quarantined=result.quarantined,
        duplicates=result.duplicates, started_at=started, finished_at=dt.datetime.now(dt.UTC),
        field_problems=result.field_problems,
    )
    run.store.audit("ingest", run.actor, run.organisation, {
        "feed": run.spec.name, "file": result.file, "file_sha256": result.file_sha256,
        "rows_read": result.rows_read, "accepted": result.accepted,
        "quarantined": result.quarantined, "duplicates": result.duplicates,
        "field_problems": result.field_problems, "strict": run.strict,
    })

