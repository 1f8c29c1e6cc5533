"""Administration: the audit log, API keys and brand registrations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.views import audit, brands
from ringfence.service.views.tablequery import table_query

router = APIRouter(responses=ERRORS, tags=["admin"])


class KeyOut(BaseModel):
    """An API key as listed: its prefix and dates, never the key."""

    prefix: str
    user_id: int | None
    created_at: datetime
    revoked_at: datetime | None


class NewKey(BaseModel):
    """A new API key; ``key`` is shown this once and never stored."""

    key: str
    prefix: str


class KeyList(BaseModel):
    """The organisation's keys."""

    keys: list[KeyOut]


@router.get("/audit", response_model=audit.AuditPage)
def audit_log(
    request: Request,
    caller: CallerDep,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> audit.AuditPage:
    """Audit entries about your organisation, newest first, and whether the chain verifies;
    sorted, filtered and paged like the page (``?sort=actor&action=share``)."""
    return audit.audit_log(services, caller, query=table_query(request.query_params, audit.COLUMNS))


@router.get("/keys", response_model=KeyList)
def keys(caller: CallerDep, services: ServicesDep) -> KeyList:
    """Your organisation's API keys (admins)."""
    caller.require_role("admin")
    rows = services.store.api_keys(caller.organisation)
    return KeyList(
        keys=[
            KeyOut(
                prefix=k.prefix, user_id=k.user_id, created_at=k.created_at, revoked_at=k.revoked_at
            )
            for k in rows
        ]
    )


@router.post("/keys", response_model=NewKey, status_code=201)
def create_key(caller: CallerDep, services: ServicesDep) -> NewKey:
    """Create an organisation key (acts as an analyst; admins; audited)."""
    caller.require_role("admin")
    key = services.store.create_api_key(caller.organisation)
    prefix = key.split("_")[1]
    services.store.audit("key.create", caller.actor, caller.organisation, {"prefix": prefix})
    return NewKey(key=key, prefix=prefix)


@router.delete("/keys/{prefix}", response_model=KeyList)
def revoke_key(
    prefix: Annotated[str, Path(pattern="^[0-9a-f]{12}$")], caller: CallerDep, services: ServicesDep
) -> KeyList:
    """Revoke one of your organisation's keys by its prefix (admins; audited)."""
    caller.require_role("admin")
    services.store.revoke_api_key_prefix(prefix, caller.organisation)
    services.store.audit("key.revoke", caller.actor, caller.organisation, {"prefix": prefix})
    return keys(caller, services)


RegistrationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/brands", response_model=brands.BrandList)
def brand_registrations(
    caller: CallerDep, services: ServicesDep, include_revoked: Annotated[bool, Query()] = False
) -> brands.BrandList:
    """Your organisation's brand registrations (customs and IP-crime admins: everyone's)."""
    return brands.brands(services, caller, include_revoked)


@router.post("/brands", response_model=brands.BrandOut, status_code=201)
def register_brand(
    body: brands.BrandIn, caller: CallerDep, services: ServicesDep
) -> brands.BrandOut:
    """Ask to register a brand your organisation owns; it counts once approved (admins)."""
    return brands.register(services, caller, body)


@router.post("/brands/{registration_id}/approve", response_model=brands.BrandOut)
def approve_brand(
    registration_id: RegistrationId, caller: CallerDep, services: ServicesDep
) -> brands.BrandOut:
    """Approve another organisation's brand registration (customs / IP-crime admins; audited)."""
    return brands.approve(services, caller, registration_id)


@router.delete("/brands/{registration_id}", response_model=brands.BrandOut)
def revoke_brand(
    registration_id: RegistrationId, caller: CallerDep, services: ServicesDep
) -> brands.BrandOut:
    """Revoke a brand registration (its organisation's admins or an approver; audited)."""
    return brands.revoke(services, caller, registration_id)
