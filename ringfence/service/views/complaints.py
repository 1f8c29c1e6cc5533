"""Brand complaints through the service: file, read, decide, counter-notice, reinstate.

A notice belongs to its two parties: the brand that filed it (the policy gate's dataset
``brand_complaints``, owned by the filer) and the marketplace it was sent to
(``received_complaints``, owned by the marketplace). Each reads it whole; anyone else only
through an agreement of one of them. Filing is for the caller's own approved brands; deciding,
counter-notices and reinstatement are the receiving marketplace's staff's.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ringfence.complaints import policy as complaint_policy
from ringfence.complaints import service
from ringfence.errors import NotFoundError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.paging import newest_passing
from ringfence.service.views.body import RequestBody
from ringfence.service.views.listings import require_marketplace_staff
from ringfence.store.operational.complaint_tables import BrandComplaint

FILE_ROLES = ("admin", "analyst", "brand_user")
FILED, RECEIVED = "brand_complaints", "received_complaints"


class ComplaintIn(RequestBody):
    """A notice against a marketplace's listing, for one of the caller's own brands."""

    marketplace: str = Field(min_length=1, max_length=64, description="The marketplace's slug.")
    listing: str = Field(min_length=1, max_length=200, description="The listing's id there.")
    brand: str = Field(min_length=1, max_length=200, description="Your approved brand.")
    reason: str = Field(min_length=1, max_length=500)
    evidence_ref: str | None = Field(default=None, max_length=500, description="e.g. a test buy")
    take_down: bool = Field(default=False, description="Remove it yourself (earned privilege).")


class DecisionIn(RequestBody):
    """The marketplace's decision on a pending notice."""

    decision: Literal["upheld", "rejected"]
    reason: str = Field(min_length=1, max_length=500)


class CounterIn(RequestBody):
    """The seller's counter-notice, as the marketplace received it."""

    statement: str = Field(min_length=1, max_length=2000)


class ReasonIn(RequestBody):
    """Why (a reinstatement, a withdrawal)."""

    reason: str = Field(min_length=1, max_length=500)


# The validity assessment is the marketplace's: it weighs the marketplace's notice register,
# its code scans and customs' seizures, none of which the filer may read. Only the receiving
# marketplace's side of a notice carries it (red team C5: a brand sharing nothing read "N
# earlier notices against the seller upheld" off its own notice).
ASSESSMENT = ("score", "valid", "reasons")


def gated(
    services: Services, caller: Caller, rows: list[BrandComplaint],
    policy: sharing.Policy | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The notices the caller may read, each as the union of what either party's side shows:
    the filer's side without the marketplace's assessment, the marketplace's side whole."""
    policy = policy or sharing.Policy.load(services, caller)
    dicts = [r.to_dict() for r in rows]
    filed = [{k: v for k, v in d.items() if k not in ASSESSMENT} for d in dicts]
    shown: dict[Any, dict[str, Any]] = {}
    for name, side in ((FILED, filed), (RECEIVED, dicts)):
        for row in sharing.visible(services, caller, name, side, policy):
            shown[row["id"]] = {**shown.get(row["id"], {}), **row}
    return [shown[d["id"]] for d in dicts if d["id"] in shown]


def file(services: Services, caller: Caller, body: ComplaintIn) -> dict[str, Any]:
    """File a notice (audited), scored for validity; ``take_down`` uses an earned privilege.

    The answer passes the gate like a read: the filer gets its notice without the
    marketplace's assessment, and of a removal only its own action and whether the seller was
    suspended (the suspension's text names other brands' notices).
    """
    caller.require_role(*FILE_ROLES)
    result = service.file_complaint(
        services.settings, services.store, organisation=caller.organisation, actor=caller.actor,
        marketplace=body.marketplace, listing=body.listing, brand=body.brand,
        reason=body.reason, evidence_ref=body.evidence_ref, take_down=body.take_down,
    )  # fmt: skip
    row = services.store.brand_complaint(int(result["complaint"]["id"]))
    own = dict(result["self_service"]) if result.get("self_service") else None
    if own and "suspension" in own:
        own["seller_suspended"] = own.pop("suspension") is not None
    return {"complaint": gated(services, caller, [row])[0], "self_service": own}


def list_complaints(
    services: Services, caller: Caller, status: str | None, limit: int,
    marketplace: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Notices the caller may read (filed, received, or shared with it), newest first; of
    ``status`` and sent to ``marketplace`` if given. The limit counts only those
    (``newest_passing``): taking the newest 10,000 of every party the gate may pass before the
    gate and the filters let another party's notices push the caller's own out of its page."""
    policy = sharing.Policy.load(services, caller)
    parties = sorted({*policy.owners(FILED), *policy.owners(RECEIVED)})

    def read(n: int) -> list[BrandComplaint]:
        return services.store.brand_complaints(parties=parties, limit=n)

    def passing(rows: list[BrandComplaint]) -> list[dict[str, Any]]:
        shown = gated(services, caller, rows, policy)
        return [r for r in shown if (status is None or r.get("status") == status)
                and (marketplace is None or r.get("marketplace") == marketplace)]  # fmt: skip

    return {"organisation": caller.organisation,
            "complaints": newest_passing(read, passing, limit)}  # fmt: skip


def get(services: Services, caller: Caller, complaint_id: int) -> dict[str, Any]:
    """One notice, if the caller may read it (404 otherwise, as for one that does not exist)."""
    try:
        row = services.store.brand_complaint(complaint_id)
    except NotFoundError:
        row = None
    shown = gated(services, caller, [row]) if row is not None else []
    if not shown:
        raise NotFoundError(f"no complaint {complaint_id}")
    return {"complaint": shown[0]}


def decide(services: Services, caller: Caller, complaint_id: int, body: DecisionIn) -> dict:
    """Uphold (the listing comes down) or reject a notice sent to the caller's marketplace."""
    require_marketplace_staff(caller)
    return service.decide(services.settings, services.store, caller.organisation, complaint_id,
                          body.decision, reason=body.reason, actor=caller.actor)  # fmt: skip


def counter(services: Services, caller: Caller, complaint_id: int, body: CounterIn) -> dict:
    """Record a seller's counter-notice to an upheld notice (the marketplace relays it)."""
    require_marketplace_staff(caller)
    return service.counter_notice(services.store, caller.organisation, complaint_id,
                                  body.statement, actor=caller.actor)  # fmt: skip


def reinstate(services: Services, caller: Caller, complaint_id: int, body: ReasonIn) -> dict:
    """Accept the counter-notice: listing reinstated, the notice's outcome ``rejected``."""
    require_marketplace_staff(caller)
    return service.reinstate(services.store, caller.organisation, complaint_id,
                             reason=body.reason, actor=caller.actor)  # fmt: skip


def withdraw(services: Services, caller: Caller, complaint_id: int, body: ReasonIn) -> dict:
    """The filing brand withdraws its pending notice."""
    caller.require_role(*FILE_ROLES)
    return service.withdraw(services.store, caller.organisation, complaint_id,
                            reason=body.reason, actor=caller.actor)  # fmt: skip


def privileges(services: Services, caller: Caller) -> dict[str, Any]:
    """The caller's self-service removal record at every marketplace (its own notices only)."""
    markets = [o.slug for o in services.store.organisations() if o.kind == "marketplace"]
    records = [complaint_policy.privilege(services.settings, services.store, caller.organisation,
                                          m) for m in markets]  # fmt: skip
    return {"organisation": caller.organisation, "marketplaces": records}
