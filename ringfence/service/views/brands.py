"""Brand registrations as organisations see and manage them.

An organisation's admins request registrations of the brands it owns; an admin of a customs
organisation or IP-crime unit (who checks the trademark, as customs does for an application for
action) approves them — never for its own organisation. Only approved registrations decide what
``$recipient_brands`` means in a sharing agreement's row filter.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ringfence.errors import ForbiddenError, NotFoundError
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody
from ringfence.store.operational.brands import brand_clashes
from ringfence.store.operational.tables import BrandRegistration

# Organisation kinds whose admins may approve (and revoke) other organisations' registrations.
APPROVER_KINDS = ("customs", "ipcrime")


class BrandIn(RequestBody):
    """A registration request: a brand the caller's organisation owns, and other spellings."""

    brand: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50)
    evidence: str = Field(default="", max_length=1000, description="e.g. a trademark number")


class BrandOut(BaseModel):
    """A stored registration; ``status`` is pending, approved or revoked."""

    id: int
    organisation: str
    brand: str
    aliases: list[str]
    evidence: str
    status: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    revoked_at: datetime | None
    lookalikes: list[str] = Field(
        default_factory=list,
        description="for approvers: which of its names are, or look like, another "
        "organisation's approved brand (approving it is refused until that one is revoked)",
    )


class BrandList(BaseModel):
    """Registrations the caller may see, and whether it may approve others'."""

    organisation: str
    can_approve: bool
    registrations: list[BrandOut]


def brand_model(
    registration: BrandRegistration, viewer: str, lookalikes: list[str] | None = None
) -> BrandOut:
    """A stored registration as ``viewer``'s organisation sees it: who asked is a person of the
    registering organisation, shown to it alone (others see the organisation); who approved is
    the approving organisation (or the operator)."""
    status = (
        "revoked"
        if registration.revoked_at
        else "approved"
        if registration.approved_at
        else "pending"
    )
    fields = {
        name: getattr(registration, name)
        for name in BrandOut.model_fields
        if name not in ("status", "lookalikes")
    }
    if viewer != registration.organisation:
        fields["requested_by"] = registration.organisation
    return BrandOut(**fields, status=status, lookalikes=lookalikes or [])


def _approver(caller: Caller) -> bool:
    return caller.organisation_kind in APPROVER_KINDS and caller.role == "admin"


def brands(services: Services, caller: Caller, include_revoked: bool = False) -> BrandList:
    """The organisation's own registrations; approvers see every organisation's, each with the
    other organisations' approved brands it looks like (``lookalikes``)."""
    approver = _approver(caller)
    rows = services.store.brand_registrations(
        None if approver else caller.organisation, include_revoked=include_revoked
    )
    live = [r for r in rows if r.revoked_at is None]
    return BrandList(
        organisation=caller.organisation,
        can_approve=approver,
        registrations=[
            brand_model(
                r,
                caller.organisation,
                brand_clashes(r, live) if approver and r.revoked_at is None else None,
            )
            for r in rows
        ],
    )


def register(services: Services, caller: Caller, body: BrandIn) -> BrandOut:
    """Request a registration for the caller's organisation (its admins; audited)."""
    caller.require_role("admin")
    registration_id = services.store.register_brand(
        caller.organisation, body.brand, body.aliases, evidence=body.evidence, actor=caller.actor
    )
    return brand_model(services.store.brand_registration(registration_id), caller.organisation)


def _visible(services: Services, caller: Caller, registration_id: int) -> BrandRegistration:
    registration = services.store.brand_registration(registration_id)
    if registration.organisation != caller.organisation and not _approver(caller):
        raise NotFoundError(f"no brand registration {registration_id}")
    return registration


def approve(services: Services, caller: Caller, registration_id: int) -> BrandOut:
    """Approve another organisation's registration (admins of customs / IP-crime; audited)."""
    caller.require_role("admin")
    _visible(services, caller, registration_id)
    if not _approver(caller):
        kinds = " or ".join(APPROVER_KINDS)
        raise ForbiddenError(f"only admins of a {kinds} organisation approve brand registrations")
    services.store.approve_brand(registration_id, actor=caller.actor, approver=caller.organisation)
    return brand_model(services.store.brand_registration(registration_id), caller.organisation)


def revoke(services: Services, caller: Caller, registration_id: int) -> BrandOut:
    """Revoke a registration: its organisation's admins, or an approver (audited)."""
    caller.require_role("admin")
    _visible(services, caller, registration_id)
    services.store.revoke_brand(
        registration_id, actor=caller.actor, organisation=caller.organisation
    )
    return brand_model(services.store.brand_registration(registration_id), caller.organisation)
