"""Sharing agreements: list, grant, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.views import sharing
from ringfence.service.views.sharing import AgreementIn, AgreementList, AgreementOut

router = APIRouter(responses=ERRORS, tags=["sharing"])


@router.get("/sharing", response_model=AgreementList)
def agreements(
    caller: CallerDep, services: ServicesDep, include_revoked: Annotated[bool, Query()] = False
) -> AgreementList:
    """Agreements your organisation gives or receives."""
    return sharing.agreements(services, caller, include_revoked)


@router.post("/sharing", response_model=AgreementOut, status_code=201)
def grant(body: AgreementIn, caller: CallerDep, services: ServicesDep) -> AgreementOut:
    """Share your organisation's data with another (admins; audited)."""
    return sharing.create(services, caller, body)


@router.delete("/sharing/{agreement_id}", response_model=AgreementOut)
def revoke(
    agreement_id: Annotated[int, Path(ge=1, le=2**31 - 1)], caller: CallerDep, services: ServicesDep
) -> AgreementOut:
    """Revoke one of your organisation's agreements (admins; audited)."""
    return sharing.revoke(services, caller, agreement_id)
