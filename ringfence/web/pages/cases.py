"""Cases: the list with an "open a case" form, and a case's page where its owner works it.

Each page's JSON twin is the API route of the same path (``/api/v1/cases``, ``/api/v1/cases/
{id}``); the forms post here and come back to the case (303), so a refresh never re-submits.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, File, Form, Path, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from ringfence.errors import UserError
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.jobs import received_upload
from ringfence.service.views import cases
from ringfence.store.operational.case_tables import CASE_STATUSES, EVIDENCE_KINDS, ITEM_KINDS
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
CaseId = Annotated[str, Path(min_length=4, max_length=40, pattern=r"^ca-[0-9a-f]{4,36}$")]
CallerPage = Annotated[Caller, Depends(page_caller)]
ServicesPage = Annotated[Services, Depends(get_services)]


M = TypeVar("M", bound=BaseModel)


def _model(cls: type[M], **values: Any) -> M:
    """The form's values as ``cls``; a value it refuses is a ``UserError`` in words."""
    try:
        return cls(**values)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "form"
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None


def _back(case_id: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/cases/{case_id}{anchor}", status_code=303)


@router.get("/cases")
async def cases_page(request: Request, caller: CallerPage, services: ServicesPage) -> Response:
    """The organisation's cases and those shared with it, newest change first."""
    model = cases.list_cases(services, caller)
    return render(
        request,
        "pages/cases.html",
        title="Cases",
        active="cases",
        model=model,
        can_open=caller.role in cases.CASE_ROLES,
    )


@router.post("/cases")
async def open_case(
    caller: CallerPage, services: ServicesPage, title: Annotated[str, Form()] = ""
) -> Response:
    """Open a case and go to it."""
    opened = cases.open_case(services, caller, _model(cases.CaseIn, title=title.strip()))
    return _back(opened["id"])


@router.get("/cases/{case_id}")
async def case_page(
    request: Request, case_id: CaseId, caller: CallerPage, services: ServicesPage
) -> Response:
    """One case: what it is about, notes, evidence with its chain of custody, history."""
    model = cases.show_case(services, caller, case_id)
    owner = model["organisation"] == caller.organisation and caller.role in cases.CASE_ROLES
    return render(
        request,
        "pages/case.html",
        title=model.get("title") or case_id,
        active="cases",
        model=model,
        can_edit=owner,
        statuses=CASE_STATUSES,
        item_kinds=ITEM_KINDS,
        evidence_kinds=EVIDENCE_KINDS,
    )


@router.post("/cases/{case_id}/items")
async def add_item(
    case_id: CaseId,
    caller: CallerPage,
    services: ServicesPage,
    kind: Annotated[str, Form()],
    ref: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Add an entity, shipment, listing or seller."""
    body = _model(cases.ItemIn, kind=kind, ref=ref.strip(), note=note.strip() or None)
    cases.add_item(services, caller, case_id, body)
    return _back(case_id, "#items")


@router.post("/cases/{case_id}/notes")
async def add_note(
    case_id: CaseId, caller: CallerPage, services: ServicesPage, text: Annotated[str, Form()] = ""
) -> Response:
    """Add a note."""
    cases.add_note(services, caller, case_id, _model(cases.NoteIn, text=text.strip()))
    return _back(case_id, "#notes")


@router.post("/cases/{case_id}/status")
async def set_status(
    case_id: CaseId,
    caller: CallerPage,
    services: ServicesPage,
    status: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Open, refer or close the case."""
    body = _model(cases.StatusIn, status=status, reason=reason.strip() or None)
    cases.set_status(services, caller, case_id, body)
    return _back(case_id)


@router.post("/cases/{case_id}/evidence")
async def add_evidence(
    case_id: CaseId,
    caller: CallerPage,
    services: ServicesPage,
    file: Annotated[UploadFile, File()],
    custodian: Annotated[str, Form()],
    kind: Annotated[str, Form()] = "file",
) -> Response:
    """Store an evidence file with its first custodian."""
    async with received_upload(services, file) as target:
        await run_in_threadpool(
            cases.add_evidence,
            services,
            caller,
            case_id,
            target,
            file.filename or "evidence",
            kind,
            custodian.strip(),
        )
    return _back(case_id, "#evidence")


@router.post("/cases/{case_id}/evidence/{evidence_id}/custody")
async def transfer(
    case_id: CaseId,
    evidence_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    caller: CallerPage,
    services: ServicesPage,
    to: Annotated[str, Form()],
    why: Annotated[str, Form()],
) -> Response:
    """Hand an evidence item to a new custodian."""
    cases.transfer(
        services,
        caller,
        case_id,
        evidence_id,
        _model(cases.CustodyIn, to=to.strip(), why=why.strip()),
    )
    return _back(case_id, "#evidence")
