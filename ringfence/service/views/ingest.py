"""Uploading feeds: jobs with progress, and the quarantine browser of what a job refused."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ringfence.errors import UserError
from ringfence.ingest.mapping import load_mapping
from ringfence.ingest.registry import resolve_named_mapping
from ringfence.model.feeds import feed as feed_spec
from ringfence.model.feeds import feeds
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.redact import public_message
from ringfence.service.views.common import CountBy, Paging, jsonable
from ringfence.service.views.ingest_choices import (
    MappingChoice,
    mapping_choices,
    upload_feeds,
)
from ringfence.service.views.ingest_choices import _shipped as shipped_mappings
from ringfence.service.views.tablequery import TableQuery, TableState, apply, filter_sort
from ringfence.store.operational.tables import Job

UPLOAD_ROLES = ("admin", "analyst")
MAX_FILE_NAME_BYTES = 150
_UNSAFE_NAME = re.compile(r"[^\w.\- ]")


class JobOut(BaseModel):
    """A background job and how far it got; ``result.summary`` holds the ingest counts."""

    id: int
    organisation: str
    kind: str
    status: str
    done: int
    total: int | None
    message: str
    result: dict[str, Any]
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    file_name: str | None = None
    feed: str | None = None


class JobList(BaseModel):
    """The organisation's recent jobs, newest first, the feeds it uploads (its usual one
    first, the form's default) and the mappings it may name."""

    jobs: list[JobOut]
    feeds: list[str]
    default_feed: str | None = None
    mappings: list[MappingChoice] = []
    default_mappings: dict[str, str] = Field(
        default={},
        description="per feed, the mapping the form picks: the organisation's own mapping for "
        "that feed (registered for it, or shipped for it) when it has exactly one",
    )


class QuarantinePage(BaseModel):
    """Rows a job's file sent to the quarantine (``kind`` row), or the field problems of the
    rows it accepted (``kind`` field: values that did not clean; ``raw`` is the value as read),
    with the commonest reasons."""

    job: JobOut
    reasons: list[CountBy]
    items: list[dict[str, Any]]
    paging: Paging
    kind: str = "row"
    table: TableState | None = None


# The keys a quarantine or field-problems table may sort and filter on.
PROBLEM_COLUMNS = ("source_row", "field", "reason", "raw")


def job_model(job: Job) -> JobOut:
    """A stored job as the API shows it, with the name of its file and its feed."""
    fields = {name: getattr(job, name) for name in JobOut.model_fields if hasattr(job, name)}
    result = dict(job.result or {})
    if isinstance(result.get("mapping"), str):  # the stored mapping file: named, not located
        result["mapping"] = Path(result["mapping"]).stem
    fields["result"] = result
    summary = result.get("summary") or {}
    files = summary.get("files") or []
    name = result.get("file") or (files[0].get("file") if files else None)
    fields["file_name"] = Path(public_message(str(name))).name if name else None
    fields["feed"] = result.get("feed") or summary.get("feed")
    return JobOut(**fields)


def jobs(services: Services, caller: Caller) -> JobList:
    """The caller's organisation's jobs (jobs are never shared), and what it may upload."""
    rows = [job_model(j) for j in services.store.jobs(caller.organisation)]
    mappings = mapping_choices(services.settings, caller.organisation)
    offered = upload_feeds(caller.organisation_kind, mappings)
    return JobList(
        jobs=rows,
        feeds=offered,
        default_feed=offered[0] if offered else None,
        mappings=mappings,
        default_mappings=own_mappings(caller.organisation, mappings),
    )


def own_mappings(organisation: str, mappings: list[MappingChoice]) -> dict[str, str]:
    """Feed → the organisation's only own mapping for it (registered for the organisation or
    shipped for it, not one made for anyone); feeds with none or several are left out."""
    shipped_for = {name for name, _, owner, _ in shipped_mappings() if owner == organisation}
    own: dict[str, list[str]] = {}
    for choice in mappings:
        if choice.registered or choice.name in shipped_for:
            own.setdefault(choice.feed, []).append(choice.name)
    return {feed: names[0] for feed, names in own.items() if len(names) == 1}


def job(services: Services, caller: Caller, job_id: int) -> JobOut:
    """One job of the caller's organisation (404 for another's)."""
    return job_model(services.store.job(job_id, caller.organisation))


def start_upload(
    services: Services,
    caller: Caller,
    feed: str,
    upload: Path,
    file_name: str,
    mapping: str | None = None,
) -> JobOut:
    """Queue the ingest of an uploaded file as the caller's organisation (admins, analysts).

    ``mapping`` is a name (a shipped mapping or one registered for the caller's organisation),
    never a path. A refused upload is audited and its file is left for the caller to delete.
    """
    caller.require_role(*UPLOAD_ROLES)
    mapping_path, name = check_upload(services, caller, feed, file_name, mapping)
    runner = services.jobs
    if runner is None:
        raise UserError("this server runs no background jobs")
    job_id = runner.start_ingest(caller, feed, upload, name, mapping_path)
    return job(services, caller, job_id)


def check_upload(
    services: Services, caller: Caller, feed: str, file_name: str, mapping: str | None
) -> tuple[str | None, str]:
    """The mapping file to use and the file name to store, or an audited ``UserError``.

    Callers check before they read the upload's body, so a refused upload leaves no file.
    """
    try:
        if feed not in feeds():
            shown = feed[:64]
            raise UserError(f"unknown feed {shown!r}; use one of {', '.join(sorted(feeds()))}")
        name = safe_file_name(file_name)
        if mapping is None:
            return None, name
        path = resolve_named_mapping(services.settings, caller.organisation, mapping)
        _check_refs(services, caller, feed, path)
        return str(path), name
    except UserError as exc:
        services.store.audit("upload.refused", caller.actor, caller.organisation, {
            "feed": feed[:64], "file": file_name[:200], "mapping": (mapping or "")[:200],
            "reason": exc.message,
        })  # fmt: skip
        raise


def _check_refs(services: Services, caller: Caller, feed: str, path: Path) -> None:
    """Refuse a mapping whose ``refs`` name another organisation's records (an outcome on
    another carrier's parcel) unless that organisation shares the referenced feed with the
    caller: outcomes are the models' labels and feed the network risk, so without this anyone
    could label any carrier's parcels counterfeit (red team X1b). Customs' outcomes on the
    parcels a carrier shares with it still go in."""
    refs = load_mapping(path).refs
    others = {name: ref.organisation for name, ref in refs.items()
              if ref.organisation != caller.organisation}  # fmt: skip
    if not others:
        return
    spec = feed_spec(feed)
    policy = sharing.Policy.of_organisation(services.store, caller.organisation)
    for name, owner in others.items():
        try:
            target = spec.field(name).ref_feed
        except (KeyError, AttributeError):
            continue  # not a reference: the ingest's own plan refuses it, naming the key
        if target and not any(g.owner == owner for g in policy.grants.get(target, [])):
            raise UserError(
                f"the mapping's refs.{name} names {owner[:64]}'s {target}, which "
                f"{owner[:64]} does not share with {caller.organisation}"
            )


def safe_file_name(file_name: str) -> str:
    """The upload's base name, made safe to store: no folders, odd characters or great length.

    Characters other than letters, digits, ``.``, ``-``, ``_`` and space become ``_``; a name
    longer than the file system likes is shortened in its stem, keeping the extensions
    (``.csv.gz``) that tell the reader the file's type.
    """
    base = unicodedata.normalize("NFC", re.split(r"[\\/]", file_name or "")[-1])
    base = _UNSAFE_NAME.sub("_", base).strip(" ")
    if base.strip(".") == "":
        raise UserError("the upload has no file name")
    if len(base.encode("utf-8")) <= MAX_FILE_NAME_BYTES:
        return base
    suffix = "".join(Path(base).suffixes[-2:])
    suffix = suffix if len(suffix.encode("utf-8")) <= 24 else ""
    stem = base[: len(base) - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > MAX_FILE_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def quarantine(
    services: Services,
    caller: Caller,
    job_id: int,
    page: int = 1,
    query: TableQuery | None = None,
) -> QuarantinePage:
    """The quarantined rows of a finished job's file (the organisation's own data only),
    filtered and sorted by ``query``."""
    return _problems(services, caller, job_id, query or TableQuery(page=page), "quarantine")


def field_problems(
    services: Services,
    caller: Caller,
    job_id: int,
    page: int = 1,
    query: TableQuery | None = None,
) -> QuarantinePage:
    """The field problems of a finished job's file: values of accepted rows that did not clean
    (the organisation's own data only), filtered and sorted by ``query``."""
    return _problems(services, caller, job_id, query or TableQuery(page=page), "field_problems")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """A problem row as shown: its source file named, not located."""
    out = jsonable(row)
    if isinstance(out.get("source_file"), str):
        out["source_file"] = Path(out["source_file"]).name
    return out


def problem_rows(
    services: Services,
    caller: Caller,
    job_id: int,
    kind: str = "row",
    query: TableQuery | None = None,
) -> list[dict[str, Any]]:
    """Every quarantined row (``kind`` row) or field problem (``field``) of a job matching
    ``query``, for export."""
    dataset = "quarantine" if kind == "row" else "field_problems"
    found = _problem_rows(services, caller, job(services, caller, job_id), dataset)
    return filter_sort([_public(r) for r in found], query or TableQuery(), PROBLEM_COLUMNS)


def _problem_rows(
    services: Services, caller: Caller, found: JobOut, dataset: str
) -> list[dict[str, Any]]:
    files = (found.result.get("summary") or {}).get("files") or []
    hashes = [f["file_sha256"] for f in files if f.get("file_sha256")]
    if not hashes:
        return []
    return sharing.read(
        services,
        caller,
        dataset,
        where=f"file_sha256 IN {sharing.sql_list(hashes)} AND organisation = "
        f"{sharing.sql_text(caller.organisation)}",
        order_by="source_row, field",
    )


def _problems(
    services: Services, caller: Caller, job_id: int, query: TableQuery, dataset: str
) -> QuarantinePage:
    found = job(services, caller, job_id)
    rows = _problem_rows(services, caller, found, dataset)
    counts: dict[str, int] = {}
    for row in rows:
        key = f"{row.get('field')}: {row.get('reason')}"
        counts[key] = counts.get(key, 0) + 1
    reasons = [CountBy(key=k, count=c) for k, c in sorted(counts.items(), key=lambda kv: -kv[1])]
    items, pages, state = apply([_public(r) for r in rows], query, PROBLEM_COLUMNS)
    return QuarantinePage(
        job=found,
        reasons=reasons[:20],
        items=items,
        paging=pages,
        kind="row" if dataset == "quarantine" else "field",
        table=state,
    )
