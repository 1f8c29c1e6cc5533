"""Brand complaints as the CLI and the API take them: checked, scored, stored, acted on.

A brand files only for its own approved brand registrations (``ForbiddenError`` otherwise:
nobody files as another brand), against a listing of a marketplace organisation in the lake
(``NotFoundError`` otherwise). The marketplace it was sent to decides it, records the seller's
counter-notice and reinstates; the brand may withdraw it while pending. Upholding takes the
listing down through the marketplace's listing actions (``source`` = ``complaint:<id>``) and
applies the repeat-infringer policy; reinstating ends that take-down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from ringfence.codes.listings import flagged_listings
from ringfence.complaints import policy
from ringfence.complaints.facts import complaint_facts, listing_row
from ringfence.complaints.validity import ComplaintFacts, Validity, score
from ringfence.errors import ConflictError, ForbiddenError, NotFoundError
from ringfence.listings import actions
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.complaints import ComplaintDraft
from ringfence.store.operational.locks import dataset_locks
from ringfence.store.operational.tables import utcnow


def _own_brand(store: OperationalStore, organisation: str, brand: str) -> str:
    names = {n.casefold(): n for n in store.approved_brand_names(organisation)}
    if brand.strip().casefold() not in names:
        raise ForbiddenError(
            f"{brand[:200]!r} is not an approved brand registration of "
            f"{organisation[:64]!r}: a notice is filed for your own brands only"
        )
    return brand.strip()


def _marketplace(store: OperationalStore, slug: str) -> None:
    if not any(o.slug == slug and o.kind == "marketplace" for o in store.organisations()):
        raise NotFoundError(f"no marketplace {slug[:64]!r}")


def _not_down(store: OperationalStore, marketplace: str, listing: str) -> None:
    """``ConflictError`` while a take-down of the listing is in force: removing it again would
    only count one more upheld notice (one more strike) against its seller."""
    now = utcnow()
    for a in store.listing_actions(marketplace, listing=listing, kind="take_down"):
        if a.state(now) == "active":
            raise ConflictError(f"listing {listing[:200]!r} already has a take-down in force: "
                                "nothing to remove")  # fmt: skip


def keep_evidence(settings: Settings, path: Path) -> tuple[str, str]:
    """Copy an evidence file into ``DATA_DIR/complaints/evidence/<sha256>``: (name, sha256)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    folder = settings.data_dir / "complaints" / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / sha)
    return path.name[:200], sha


def facts_of(
    settings: Settings, store: OperationalStore, organisation: str, marketplace: str,
    listing: dict[str, Any], brand: str,
) -> ComplaintFacts:  # fmt: skip
    """The facts of ``organisation``'s notice for ``brand`` against ``listing`` today."""
    marked = flagged_listings(settings, store, organisation=marketplace,
                              listing=str(listing["listing"]))  # fmt: skip
    flagged = any(f["organisation"] == marketplace and str(f["listing"]) == listing["listing"]
                  for f in marked)  # fmt: skip
    return complaint_facts(settings, store, organisation=organisation, marketplace=marketplace,
                           listing=listing, brand=brand, no_code_shown=flagged,
                           today=utcnow().date())  # fmt: skip


def validity_of(
    settings: Settings, store: OperationalStore, organisation: str, marketplace: str,
    listing: dict[str, Any], brand: str,
) -> Validity:  # fmt: skip
    """The validity of ``organisation``'s notice for ``brand`` against ``listing`` today."""
    return score(facts_of(settings, store, organisation, marketplace, listing, brand))


def _not_removable(facts: ComplaintFacts, validity: Validity, claimed: str | None) -> str | None:
    """Why a self-service removal is refused (the marketplace reviews the notice), or None.
    Only a listing of the filer's own products comes down on its word (red team M1: validity
    alone let a brand remove another brand's listing of a seller with upheld notices): one
    claiming the filer's brand, or one of its GTINs while naming no brand (``claimed``; red
    team M7: the GTIN comes from the filer's own products feed, which may list any GTIN)."""
    if not (facts.listing_claims_brand or (facts.gtin_of_brand and not (claimed or "").strip())):
        return (f"the listing claims neither {facts.brand} nor, naming no other brand, one of "
                "its GTINs: the marketplace reviews the notice")  # fmt: skip
    if not validity.valid:  # the assessment is the marketplace's (red team C5, A2): no score
        return "the notice is not clear enough to act on at once: the marketplace reviews it"
    return None


def file_complaint(
    settings: Settings, store: OperationalStore, *, organisation: str, actor: str,
    marketplace: str, listing: str, brand: str, reason: str, evidence_ref: str | None = None,
    evidence: tuple[str, str] | None = None, take_down: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """File a notice, scored; with ``take_down`` a brand that earned it removes the listing."""
    brand = _own_brand(store, organisation, brand)
    _marketplace(store, marketplace)
    if take_down:  # before the listing is looked up: a refusal says nothing of it
        record = policy.privilege(settings, store, organisation, marketplace)
        if not record["earned"]:
            raise ForbiddenError(policy.why_not(record))
    found = listing_row(settings, marketplace, listing)
    with _one_removal(settings, store, marketplace, listing) if take_down else nullcontext():
        if take_down:
            _not_down(store, marketplace, listing)
        facts = facts_of(settings, store, organisation, marketplace, found, brand)
        validity = score(facts)
        draft = ComplaintDraft(organisation, marketplace, listing, found.get("seller"), brand,
                               reason, validity.score, validity.valid, validity.text[:2000],
                               evidence_ref, *(evidence or (None, None)))  # fmt: skip
        row = store.file_complaint(draft, actor=actor)
        if not take_down:
            return {"complaint": row.to_dict(), "self_service": None}
        why = _not_removable(facts, validity, found.get("brand"))
        if why is not None:
            return {"complaint": row.to_dict(), "self_service": {"done": False, "why": why}}
        return _remove(settings, store, row.id, organisation, marketplace, listing, reason, actor)


def _one_removal(
    settings: Settings, store: OperationalStore, marketplace: str, listing: str
) -> AbstractContextManager[None]:
    """One self-service removal of a listing at a time (threads and processes on this host, and
    hosts sharing a PostgreSQL store): two at once would both find it up and both take it down,
    two strikes against its seller."""
    key = hashlib.sha256(f"{marketplace}\0{listing}".encode()).hexdigest()[:32]
    wait = settings.ingest_lock_wait_seconds
    return dataset_locks(settings.data_dir / "locks", [f"complaint-removal-{key}"],
                         engine=store.engine, wait_seconds=wait)  # fmt: skip


def _remove(
    settings: Settings, store: OperationalStore, complaint_id: int, organisation: str,
    marketplace: str, listing: str, reason: str, actor: str,
) -> dict[str, Any]:  # fmt: skip
    """A brand's self-service removal: take the listing down, uphold the notice, strikes."""
    action = actions.act(settings, store, marketplace, "take_down", actor=actor,
                         reason=f"self-service removal by {organisation}: {reason}"[:500],
                         listing=listing, source=f"complaint:{complaint_id}")  # fmt: skip
    row = store.decide_complaint(complaint_id, marketplace, "upheld", actor=actor,
                                 reason="self-service removal", action_id=int(action["id"]),
                                 self_service=True)  # fmt: skip
    suspended = policy.repeat_infringer(settings, store, marketplace, row.seller, actor=actor)
    return {"complaint": row.to_dict(),
            "self_service": {"done": True, "action": action, "suspension": suspended}}  # fmt: skip


def decide(
    settings: Settings, store: OperationalStore, marketplace: str, complaint_id: int,
    decision: str, *, reason: str, actor: str,
) -> dict[str, Any]:  # fmt: skip
    """The marketplace upholds (takes the listing down) or rejects a pending notice."""
    row = store.brand_complaint(complaint_id)
    if row.marketplace != marketplace:
        raise NotFoundError(f"no complaint {complaint_id}")
    if row.status != "pending":
        raise ConflictError(f"complaint {complaint_id} is already {row.status}")
    action = suspended = None
    if decision == "upheld":
        action = actions.act(
            settings,
            store,
            marketplace,
            "take_down",
            actor=actor,
            reason=f"notice {complaint_id} upheld: {reason}"[:500],
            listing=row.listing,
            source=f"complaint:{complaint_id}",
        )
    action_id = int(action["id"]) if action else None
    row = store.decide_complaint(
        complaint_id, marketplace, decision, reason=reason, actor=actor, action_id=action_id
    )
    if decision == "upheld":
        suspended = policy.repeat_infringer(settings, store, marketplace, row.seller, actor=actor)
    return {"complaint": row.to_dict(), "action": action, "suspension": suspended}


def counter_notice(
    store: OperationalStore, marketplace: str, complaint_id: int, statement: str, *, actor: str
) -> dict[str, Any]:
    """Record the seller's counter-notice (the marketplace relays it for its seller)."""
    row = store.counter_complaint(complaint_id, marketplace, statement, actor=actor)
    return {"complaint": row.to_dict()}


def reinstate(
    store: OperationalStore, marketplace: str, complaint_id: int, *, reason: str, actor: str
) -> dict[str, Any]:
    """Accept the counter-notice: the notice's outcome becomes ``rejected`` and its take-down
    is reinstated (the listing goes live again)."""
    row = store.reinstate_complaint(complaint_id, marketplace, reason=reason, actor=actor)
    action = None
    if row.action_id is not None:
        try:
            action = actions.end(
                store,
                marketplace,
                row.action_id,
                "reinstate",
                reason=f"counter-notice accepted: {reason}"[:500],
                actor=actor,
            )
        except ConflictError:  # ended already (by hand, or it expired and was ended)
            action = None
    return {"complaint": row.to_dict(), "action": action}


def withdraw(
    store: OperationalStore, organisation: str, complaint_id: int, *, reason: str, actor: str
) -> dict[str, Any]:
    """The filing brand withdraws its pending notice."""
    row = store.withdraw_complaint(complaint_id, organisation, reason=reason, actor=actor)
    return {"complaint": row.to_dict()}


def today() -> dt.date:
    """Today, UTC."""
    return utcnow().date()
