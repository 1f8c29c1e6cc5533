"""The audit log as an organisation's admins see it: entries about their organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ringfence.service.context import Caller, Services
from ringfence.service.views.common import Paging, page_slice, paging


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


def audit_log(services: Services, caller: Caller, page: int = 1) -> AuditPage:
    """Audit entries about the caller's organisation (admins only), and whether the chain holds."""
    caller.require_role("admin")
    report = services.store.verify_audit()
    own = [e for e in services.store.audit_entries() if e.organisation == caller.organisation]
    entries = [
        AuditEntryOut.model_validate(e, from_attributes=True) for e in page_slice(own, page)
    ]
    return AuditPage(
        chain_ok=report.ok,
        chain_entries=report.entries,
        entries=entries,
        paging=paging(len(own), page),
    )
