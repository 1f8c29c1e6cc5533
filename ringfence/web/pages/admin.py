"""The organisation's sharing agreements (given and received) and, for admins, the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from ringfence.errors import UserError
from ringfence.service.api.deps import RowId
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import audit as audit_views
from ringfence.service.views import sharing as sharing_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render, wants_fragment
from ringfence.web.session import page_caller
from ringfence.web.tables import TableSpec, csv_response, query_of, wants_csv

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)


@router.get("/sharing")
async def sharing_page(
    request: Request,
    include_revoked: bool = False,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """What the caller's organisation shares and receives, field by field."""
    model = sharing_views.agreements(services, caller, include_revoked=include_revoked)
    return render(
        request, "pages/sharing.html", title="Sharing agreements", active="sharing", model=model,
        include_revoked=include_revoked, is_admin=caller.role == "admin",
    )  # fmt: skip


def row_filter_from_text(text: str) -> dict[str, str | list[str]]:
    """The form's row filter, ``field = value[, value]`` parts separated by ``;``
    ("brand = $recipient_brands; origin_country = CN, HK"), as the API's ``row_filter``."""
    out: dict[str, str | list[str]] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        field, sep, values = part.partition("=")
        names = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not field.strip() or not names:
            raise UserError(f"row filter: {part!r} is not 'field = value[, value]'")
        out[field.strip()] = names[0] if len(names) == 1 else names
    return out


def _agreement_from_form(
    recipient: str, dataset: str, fields: str, row_filter: str, purpose: str
) -> sharing_views.AgreementIn:
    names = [f.strip() for f in fields.split(",") if f.strip()] or ["*"]
    rows = row_filter_from_text(row_filter)
    try:
        return sharing_views.AgreementIn(
            recipient=recipient.strip(), dataset=dataset, fields=names, row_filter=rows,
            purpose=purpose.strip(),
        )  # fmt: skip
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "agreement"
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None


@router.post("/sharing")
async def create_agreement(
    recipient: str = Form(...),
    dataset: str = Form(...),
    fields: str = Form("*"),
    row_filter: str = Form(""),
    purpose: str = Form(""),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Share a dataset (admins); back to the agreements page."""
    body = _agreement_from_form(recipient, dataset, fields, row_filter, purpose)
    sharing_views.create(services, caller, body)
    return RedirectResponse("/sharing", status_code=303)


@router.post("/sharing/{agreement_id}/revoke")
async def revoke_agreement(
    request: Request,
    agreement_id: RowId,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Revoke an agreement (admins); htmx gets the updated row."""
    agreement = sharing_views.revoke(services, caller, agreement_id)
    if not wants_fragment(request):
        return RedirectResponse("/sharing", status_code=303)
    return render(
        request, "partials/agreement_row.html", title="Sharing agreements", agreement=agreement,
        side="given", is_admin=True,
    )  # fmt: skip


AUDIT = TableSpec(
    "audit",
    [
        ("seq", "#", "num"),
        ("at", "When", "date"),
        ("actor", "Who", "text"),
        ("action", "What", "action"),
        ("detail", "Detail", "detail"),
    ],
)


@router.get("/audit")
async def audit_page(
    request: Request,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The audit entries about the caller's organisation and whether the hash chain holds."""
    query = query_of(request, audit_views.COLUMNS, aliases={"when": "at"})
    if wants_csv(request):
        return csv_response(AUDIT, audit_views.audit_rows(services, caller, query))
    model = audit_views.audit_log(services, caller, query=query)
    return render(
        request, "pages/audit.html", title="Audit log", active="audit", model=model,
        columns=AUDIT.columns, rows=[e.model_dump() for e in model.entries],
    )  # fmt: skip
