"""Cases: ``/cases`` and its items, notes, status, evidence, custody and verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, UploadFile
from starlette.concurrency import run_in_threadpool

from ringfence.service.api.deps import ERRORS, CallerDep, RowId, ServicesDep
from ringfence.service.jobs import received_upload
from ringfence.service.views import cases

router = APIRouter(tags=["cases"], responses=ERRORS)
CaseId = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^ca-[0-9a-f]{4,36}$")]
Case = dict[str, Any]


@router.get("/cases")
def case_list(caller: CallerDep, services: ServicesDep) -> Case:
    """Your organisation's cases and those partners share with it (policy gate)."""
    return cases.list_cases(services, caller)


@router.post("/cases", status_code=201)
def case_open(body: cases.CaseIn, caller: CallerDep, services: ServicesDep) -> Case:
    """Open a case owned by your organisation (audited)."""
    return cases.open_case(services, caller, body)


@router.get("/cases/{case_id}")
def case_show(case_id: CaseId, caller: CallerDep, services: ServicesDep) -> Case:
    """A case with its items, notes, evidence (with chain of custody) and history."""
    return cases.show_case(services, caller, case_id)


@router.post("/cases/{case_id}/items")
def case_add(case_id: CaseId, body: cases.ItemIn, caller: CallerDep, services: ServicesDep) -> Case:
    """Add an entity, shipment, listing or seller you may read (owner only; audited)."""
    return cases.add_item(services, caller, case_id, body)


@router.post("/cases/{case_id}/notes")
def case_note(
    case_id: CaseId, body: cases.NoteIn, caller: CallerDep, services: ServicesDep
) -> Case:
    """Add a note (owner only; audited)."""
    return cases.add_note(services, caller, case_id, body)


@router.put("/cases/{case_id}/status")
def case_status(
    case_id: CaseId, body: cases.StatusIn, caller: CallerDep, services: ServicesDep
) -> Case:
    """Open, refer or close a case (owner only; audited)."""
    return cases.set_status(services, caller, case_id, body)


@router.post("/cases/{case_id}/evidence", status_code=201)
async def case_evidence(
    case_id: CaseId,
    caller: CallerDep,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="photo, lab report, test buy, document")],
    custodian: Annotated[str, Form(min_length=1, max_length=320)],
    kind: Annotated[str, Form(max_length=16)] = "file",
) -> Case:
    """Store an evidence file (SHA-256, content-addressed) with its first custodian."""
    async with received_upload(services, file) as target:
        return await run_in_threadpool(
            cases.add_evidence,
            services,
            caller,
            case_id,
            target,
            file.filename or "evidence",
            kind,
            custodian,
        )


@router.post("/cases/{case_id}/evidence/{evidence_id}/custody")
def case_custody(
    case_id: CaseId,
    evidence_id: RowId,
    body: cases.CustodyIn,
    caller: CallerDep,
    services: ServicesDep,
) -> Case:
    """Hand an evidence item to a new custodian (owner only; on the audit chain)."""
    return cases.transfer(services, caller, case_id, evidence_id, body)


@router.get("/cases/{case_id}/verify")
def case_verify(case_id: CaseId, caller: CallerDep, services: ServicesDep) -> Case:
    """Re-hash the evidence, check its chain of custody and the audit chain (owner only)."""
    return cases.verify(services, caller, case_id)


@router.post("/cases/{case_id}/items/batch")
def case_add_batch(
    case_id: CaseId, body: cases.ItemsIn, caller: CallerDep, services: ServicesDep
) -> Case:
    """Add up to 200 items you may read in one action, all or none (owner only; each audited)."""
    return cases.add_items(services, caller, case_id, body)


@router.post("/cases/{case_id}/expansion")
def case_add_expansion(
    case_id: CaseId, body: cases.ExpansionIn, caller: CallerDep, services: ServicesDep
) -> Case:
    """Add an entity and every entity its network expansion (``hops``) shows you, in one action
    (owner only; each audited)."""
    return cases.add_expansion(services, caller, case_id, body)
