"""Brand complaints (``/complaints``) and the brand portal's data (``/brand-portal/...``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ringfence.service.api.deps import ERRORS, CallerDep, RowId, ServicesDep
from ringfence.service.views import brand_portal, complaints

router = APIRouter(tags=["complaints"], responses=ERRORS)
Body = dict[str, Any]
Limit = Annotated[int, Query(ge=1, le=10_000)]
Status = Literal["pending", "upheld", "rejected", "withdrawn"]


@router.post("/complaints", status_code=201)
def complaint_file(body: complaints.ComplaintIn, caller: CallerDep, services: ServicesDep) -> Body:
    """File a notice against a marketplace's listing for one of your approved brands (audited);
    scored for validity with reasons. ``take_down`` removes the listing at once when your
    notices there earned it (403 otherwise) and the notice scores as valid."""
    return complaints.file(services, caller, body)


@router.get("/complaints")
def complaint_list(
    caller: CallerDep, services: ServicesDep, status: Status | None = None, limit: Limit = 1000
) -> Body:
    """Notices you filed or received (and those shared with you), newest first."""
    return complaints.list_complaints(services, caller, status, limit)


@router.get("/complaints/privilege")
def complaint_privilege(caller: CallerDep, services: ServicesDep) -> Body:
    """Your self-service removal record at each marketplace: earned, decided, upheld, accuracy."""
    return complaints.privileges(services, caller)


@router.get("/complaints/{complaint_id}")
def complaint_get(complaint_id: RowId, caller: CallerDep, services: ServicesDep) -> Body:
    """One notice you may read."""
    return complaints.get(services, caller, complaint_id)


@router.post("/complaints/{complaint_id}/decide")
def complaint_decide(
    complaint_id: RowId, body: complaints.DecisionIn, caller: CallerDep, services: ServicesDep
) -> Body:
    """Uphold (take the listing down; repeat-infringer policy) or reject a notice your
    marketplace received (audited)."""
    return complaints.decide(services, caller, complaint_id, body)


@router.post("/complaints/{complaint_id}/counter-notice")
def complaint_counter(
    complaint_id: RowId, body: complaints.CounterIn, caller: CallerDep, services: ServicesDep
) -> Body:
    """Record your seller's counter-notice to an upheld notice (audited)."""
    return complaints.counter(services, caller, complaint_id, body)


@router.post("/complaints/{complaint_id}/reinstate")
def complaint_reinstate(
    complaint_id: RowId, body: complaints.ReasonIn, caller: CallerDep, services: ServicesDep
) -> Body:
    """Accept the counter-notice: the listing is reinstated, the notice recorded as rejected."""
    return complaints.reinstate(services, caller, complaint_id, body)


@router.post("/complaints/{complaint_id}/withdraw")
def complaint_withdraw(
    complaint_id: RowId, body: complaints.ReasonIn, caller: CallerDep, services: ServicesDep
) -> Body:
    """Withdraw a pending notice your organisation filed (audited)."""
    return complaints.withdraw(services, caller, complaint_id, body)


@router.get("/brand-portal")
def portal(caller: CallerDep, services: ServicesDep, limit: Limit = 200) -> Body:
    """The brand portal page's data in one answer: products, complaints, seizures and codes
    (``limit`` seizures and code scans; the page shows 200)."""
    return brand_portal.portal(services, caller, limit)


@router.get("/brand-portal/products")
def portal_products(caller: CallerDep, services: ServicesDep) -> Body:
    """Your brands' products and their authorised sellers."""
    return brand_portal.products(services, caller)


@router.get("/brand-portal/complaints")
def portal_complaints(caller: CallerDep, services: ServicesDep) -> Body:
    """Your notices with outcomes, counts by status, and your self-service record."""
    return brand_portal.complaints(services, caller)


@router.get("/brand-portal/seizures")
def portal_seizures(caller: CallerDep, services: ServicesDep, limit: Limit = 1000) -> Body:
    """Border seizures of your brands' goods shared with you, newest first."""
    return brand_portal.seizures(services, caller, limit)


@router.get("/brand-portal/codes")
def portal_codes(caller: CallerDep, services: ServicesDep, limit: Limit = 1000) -> Body:
    """Your code keys and the scans of your codes you may read."""
    return brand_portal.codes(services, caller, limit)
