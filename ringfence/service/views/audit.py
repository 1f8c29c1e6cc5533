"""The audit log as an organisation's admins see it: entries about their organisation."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ringfence.service.context import Caller, Services
from ringfence.service.redact import public_message
from ringfence.service.views.common import Paging
from ringfence.service.views.complaints import ASSESSMENT
from ringfence.service.views.tablequery import TableQuery, TableState, apply, filter_sort
from ringfence.store.operational.audit import AuditReport

COLUMNS = ("seq", "at", "actor", "action", "detail")
_CHAIN_LOCK = threading.Lock()


class AuditEntryOut(BaseModel):
    """One hash-chained entry."""

    seq: int
    at: datetime
    actor: str
    organisation: str | None
    action: str
    detail: dict[str, Any]
    hash: str


class AuditPage(BaseModel):
    """A page of the caller's organisation's entries, newest first, and the chain's state."""

    chain_ok: bool
    chain_entries: int
    entries: list[AuditEntryOut]
    paging: Paging
    table: TableState


def _own(services: Services, caller: Caller) -> list[dict[str, Any]]:
    caller.require_role("admin")
    entries = [
        AuditEntryOut.model_validate(e, from_attributes=True).model_dump()
        for e in services.store.audit_entries()
        if e.organisation == caller.organisation
    ]
    for entry in entries:  # files named, not located (the CLI's ingests record full paths)
        detail = _side(entry, caller).items()
        entry["detail"] = {k: public_message(v) if isinstance(v, str) else v for k, v in detail}
    return entries


def _side(entry: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """The entry's detail as the caller's side of what it records shows it. A notice's entries
    (``complaint.*``) are written for both its parties with the receiving marketplace's
    validity assessment, which the filer's side of a notice leaves out (red team C5): so does
    the filer's copy of the entry (red team A1: ``score``, ``valid`` read off the audit log).
    Trimmed before the table's filters run, so a search cannot find the values either."""
    detail: dict[str, Any] = entry["detail"]
    filer = detail.get("marketplace") != caller.organisation
    if entry["action"].startswith("complaint.") and filer:
        return {k: v for k, v in detail.items() if k not in ASSESSMENT}
    return detail


def audit_rows(services: Services, caller: Caller, query: TableQuery) -> list[dict[str, Any]]:
    """The organisation's entries (admins only) matching ``query``, newest first unless sorted."""
    return filter_sort(_own(services, caller), query, COLUMNS)


def audit_log(
    services: Services, caller: Caller, page: int = 1, query: TableQuery | None = None
) -> AuditPage:
    """Audit entries about the caller's organisation (admins only), and whether the chain holds."""
    own = _own(services, caller)
    query = query or TableQuery(page=page)
    report = chain_report(services)
    items, pages, state = apply(own, query, COLUMNS)
    return AuditPage(
        chain_ok=report.ok,
        chain_entries=report.entries,
        entries=[AuditEntryOut(**e) for e in items],
        paging=pages,
        table=state,
    )


def chain_report(services: Services) -> AuditReport:
    """The hash chain's check for the audit page: the whole chain at most every
    ``Settings.audit_full_check_seconds``, in between the entries since the last check (one
    check at a time per process: concurrent views wait for it rather than repeat it)."""
    with _CHAIN_LOCK:
        last, now = services.audit_verified, time.monotonic()
        if last is not None and now - last[1] >= services.settings.audit_full_check_seconds:
            last = None  # time for the whole chain again
        report = services.store.verify_audit(since=None if last is None else last[0])
        full_at = now if last is None else last[1]
        services.audit_verified = None if report.verified is None else (report.verified, full_at)
        return report
