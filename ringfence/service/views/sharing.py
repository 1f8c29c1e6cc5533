"""Sharing agreements as organisations see and manage them (admins of the owner)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ringfence.service import sharing as policy
from ringfence.service.agreement_fields import check_agreement
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody
from ringfence.store.operational.tables import SharingAgreement


class AgreementIn(RequestBody):
    """A new agreement: the caller's organisation shares ``fields`` of ``dataset``.

    Unknown keys are refused (422 naming them), as are fields and row filter keys the dataset's
    rows do not have (400): either would otherwise be stored and silently share nothing.
    """

    model_config = ConfigDict(extra="forbid")
    recipient: str = Field(min_length=1, max_length=64)
    dataset: str = Field(min_length=1, max_length=64)
    fields: list[str] = Field(min_length=1, max_length=100, description="field names, or ['*']")
    row_filter: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="field → value(s); '$recipient' and '$recipient_brands' are placeholders",
    )
    purpose: str = Field(default="", max_length=1000)


class AgreementOut(BaseModel):
    """A stored agreement."""

    id: int
    owner: str
    recipient: str
    dataset: str
    fields: list[str]
    row_filter: dict[str, Any]
    purpose: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class DatasetInfo(BaseModel):
    """A dataset agreements can name."""

    name: str
    description: str


class AgreementList(BaseModel):
    """Agreements the caller's organisation gives or receives, and the datasets available."""

    organisation: str
    given: list[AgreementOut]
    received: list[AgreementOut]
    datasets: list[DatasetInfo]


def agreement_model(agreement: SharingAgreement) -> AgreementOut:
    """A stored agreement as the API shows it."""
    return AgreementOut(**{name: getattr(agreement, name) for name in AgreementOut.model_fields})


def agreements(services: Services, caller: Caller, include_revoked: bool = False) -> AgreementList:
    """Agreements the caller's organisation is party to (either side)."""
    rows = services.store.sharing_agreements(caller.organisation, include_revoked=include_revoked)
    return AgreementList(
        organisation=caller.organisation,
        given=[agreement_model(a) for a in rows if a.owner == caller.organisation],
        received=[agreement_model(a) for a in rows if a.recipient == caller.organisation],
        datasets=[
            DatasetInfo(name=d.name, description=d.description)
            for d in sorted(policy.DATASETS.values(), key=lambda d: d.name)
        ],
    )


def create(services: Services, caller: Caller, body: AgreementIn) -> AgreementOut:
    """Share the caller's organisation's data (its admins only; audited)."""
    caller.require_role("admin")
    check_agreement(body.dataset, body.fields, body.row_filter)
    agreement_id = services.store.create_sharing_agreement(
        owner=caller.organisation,
        recipient=body.recipient,
        dataset=body.dataset,
        fields=body.fields,
        row_filter=dict(body.row_filter),
        purpose=body.purpose,
        actor=caller.actor,
    )
    return agreement_model(services.store.sharing_agreement(agreement_id))


def revoke(services: Services, caller: Caller, agreement_id: int) -> AgreementOut:
    """Revoke one of the caller's organisation's agreements (its admins only; audited)."""
    caller.require_role("admin")
    services.store.revoke_sharing_agreement(
        agreement_id, actor=caller.actor, owner=caller.organisation
    )
    return agreement_model(services.store.sharing_agreement(agreement_id))
