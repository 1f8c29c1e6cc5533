"""Signed unit codes: ``/codes/scans`` (record, list), ``/codes/verify``, ``/codes/listings``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ringfence.codes import service as codes
from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep

router = APIRouter(tags=["codes"], responses=ERRORS)
Body = dict[str, Any]


@router.post("/codes/scans", status_code=201)
def code_scan(body: codes.ScanIn, caller: CallerDep, services: ServicesDep) -> Body:
    """Record a scan by your customs, carrier or marketplace organisation (audited), with its
    clone flags: ``invalid``, ``two_places``, ``too_often``."""
    return codes.scan(services, caller, body)


@router.get("/codes/scans")
def code_scans(
    caller: CallerDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Body:
    """The newest scans you may see (yours and those shared with you), with clone flags."""
    return codes.list_scans(services, caller, limit)


@router.post("/codes/verify")
def code_verify(body: codes.VerifyIn, caller: CallerDep, services: ServicesDep) -> Body:
    """Check codes against every registered brand key; nothing is stored."""
    return codes.verify(services, body)


@router.get("/codes/listings")
def code_listings(caller: CallerDep, services: ServicesDep) -> Body:
    """Your live listings of code-protected products whose seller showed no valid code
    (``no_code_shown``) or only cloned ones (``cloned_code_shown``)."""
    return codes.listings(services, caller)
