"""Cases as organisations see and work them through the service.

A case is visible to its owner and, through the policy gate (dataset ``cases``), to partners
that hold an agreement for it; partners see the fields the agreement grants. Only the owner
changes a case. What it adds must be visible to it: an entity, shipment, listing or seller the
caller may not read is "not found", so a case cannot be used to test whether an id exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ringfence.cases.service import add_evidence_file
from ringfence.cases.verify import verify_case
from ringfence.cases.views import case_dict, case_summary
from ringfence.errors import ForbiddenError, NotFoundError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody

# Roles that work cases; a brand user reads what is shared with its organisation.
CASE_ROLES = ("admin", "analyst", "officer", "investigator")
ITEM_DATASETS = {"shipment": "shipments", "listing": "listings", "seller": "sellers"}
MAX_BATCH = 200  # items one request adds (a network expansion shows at most 60 entities)
Text = Field(min_length=1, max_length=10_000)


class CaseIn(RequestBody):
    """A new case: what it is about."""

    title: str = Field(min_length=1, max_length=300)


class ItemIn(RequestBody):
    """Something the case is about, by its id."""

    kind: Literal["entity", "shipment", "listing", "seller"]
    ref: str = Field(min_length=1, max_length=200, pattern=r"^[\w.:@#~-]+$")
    note: str | None = Field(default=None, max_length=10_000)


class ItemsIn(RequestBody):
    """Several items added in one action (all or none: each must be visible to the caller)."""

    items: list[ItemIn] = Field(min_length=1, max_length=MAX_BATCH)


class ExpansionIn(RequestBody):
    """A network expansion: the entity and every entity within ``hops`` links the caller may
    see (as the entity's profile draws them, at most its node cap)."""

    entity_id: str = Field(min_length=1, max_length=200, pattern=r"^[\w.:@#~-]+$")
    hops: int = Field(default=2, ge=1, le=4)


class NoteIn(RequestBody):
    """An investigator's note."""

    text: str = Text


class StatusIn(RequestBody):
    """A new status, and why (e.g. the referral)."""

    status: Literal["open", "referred", "closed"]
    reason: str | None = Field(default=None, max_length=1000)


class CustodyIn(RequestBody):
    """A hand-over of an evidence item."""

    to: str = Field(min_length=1, max_length=320)
    why: str = Field(min_length=1, max_length=1000)


def _visible(
    services: Services, caller: Caller, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return sharing.visible(services, caller, "cases", rows)


def list_cases(services: Services, caller: Caller) -> dict[str, Any]:
    """The caller's organisation's cases and the ones partners share with it."""
    rows = [case_summary(c) for c in services.store.cases()]
    return {"organisation": caller.organisation, "cases": _visible(services, caller, rows)}


def show_case(services: Services, caller: Caller, case_id: str) -> dict[str, Any]:
    """One case as the caller may see it; 404 for a case it may not see."""
    try:
        row = case_dict(services.store, case_id)
    except NotFoundError:
        row = None
    shown = _visible(services, caller, [row]) if row else []
    if not shown:
        raise NotFoundError(f"no case {case_id!r}")
    return shown[0]


def _owned(services: Services, caller: Caller, case_id: str) -> None:
    """``NotFoundError`` unless the caller may see the case, ``ForbiddenError`` unless its
    organisation owns it and it works cases."""
    shown = show_case(services, caller, case_id)
    if shown["organisation"] != caller.organisation:
        raise ForbiddenError("only the organisation that owns a case changes it")
    caller.require_role(*CASE_ROLES)


def open_case(services: Services, caller: Caller, body: CaseIn) -> dict[str, Any]:
    """Open a case owned by the caller's organisation."""
    caller.require_role(*CASE_ROLES)
    case = services.store.open_case(caller.organisation, body.title, actor=caller.actor)
    return case_dict(services.store, case.id)


def add_item(services: Services, caller: Caller, case_id: str, body: ItemIn) -> dict[str, Any]:
    """Add an entity, shipment, listing or seller the caller may read."""
    _owned(services, caller, case_id)
    if body.kind == "entity":
        seen = sharing.read_entities(services, caller, [body.ref])
    else:
        where = f"id = {sharing.sql_text(body.ref)}"
        seen = sharing.read(services, caller, ITEM_DATASETS[body.kind], where=where, limit=1)
    if not seen:
        raise NotFoundError(f"no {body.kind} {body.ref!r}")
    services.store.add_case_item(case_id, body.kind, body.ref, actor=caller.actor, note=body.note)
    return show_case(services, caller, case_id)


def check_visible(services: Services, caller: Caller, items: list[ItemIn]) -> None:
    """``NotFoundError`` naming the first item the caller may not read (nothing is added)."""
    policy = sharing.Policy.load(services, caller)
    for kind in ("entity", *ITEM_DATASETS):
        refs = sorted({i.ref for i in items if i.kind == kind})
        if not refs:
            continue
        if kind == "entity":
            seen = {r["entity_id"] for r in sharing.read_entities(services, caller, refs, policy)}
        else:
            where = f"id IN {sharing.sql_list(refs)}"
            rows = sharing.read(services, caller, ITEM_DATASETS[kind], where=where, policy=policy)
            seen = {r["id"] for r in rows}
        missing = [r for r in refs if r not in seen]
        if missing:
            raise NotFoundError(f"no {kind} {missing[0]!r}")


def add_items(services: Services, caller: Caller, case_id: str, body: ItemsIn) -> dict[str, Any]:
    """Add several entities, shipments, listings or sellers the caller may read in one action
    (each one audited as ``case.add``; an item already in the case changes nothing)."""
    _owned(services, caller, case_id)
    check_visible(services, caller, body.items)
    for item in body.items:
        services.store.add_case_item(
            case_id, item.kind, item.ref, actor=caller.actor, note=item.note
        )
    return show_case(services, caller, case_id)


def expansion_items(services: Services, caller: Caller, body: ExpansionIn) -> list[ItemIn]:
    """The entities a network expansion found, as case items (the entity first)."""
    from ringfence.service.views.entities import entity_profile

    profile = entity_profile(services, caller, body.entity_id, body.hops)
    ids = [body.entity_id, *(n.entity_id for n in profile.nodes if n.entity_id != body.entity_id)]
    note = f"network of {body.entity_id} within {body.hops} hop{'s' if body.hops > 1 else ''}"
    return [
        ItemIn(kind="entity", ref=e, note=None if e == body.entity_id else note)
        for e in ids[:MAX_BATCH]
    ]


def add_expansion(
    services: Services, caller: Caller, case_id: str, body: ExpansionIn
) -> dict[str, Any]:
    """Add an entity and what its network expansion found to a case, in one action."""
    _owned(services, caller, case_id)
    return add_items(
        services, caller, case_id, ItemsIn(items=expansion_items(services, caller, body))
    )


def add_note(services: Services, caller: Caller, case_id: str, body: NoteIn) -> dict[str, Any]:
    """Add a note to an own case."""
    _owned(services, caller, case_id)
    services.store.add_case_note(case_id, body.text, actor=caller.actor)
    return show_case(services, caller, case_id)


def set_status(services: Services, caller: Caller, case_id: str, body: StatusIn) -> dict[str, Any]:
    """Open, refer or close an own case."""
    _owned(services, caller, case_id)
    services.store.set_case_status(case_id, body.status, actor=caller.actor, reason=body.reason)
    return show_case(services, caller, case_id)


def add_evidence(
    services: Services,
    caller: Caller,
    case_id: str,
    upload: Path,
    file_name: str,
    kind: str,
    custodian: str,
) -> dict[str, Any]:
    """Store an uploaded evidence file in an own case, with its first custodian (its name and
    custodian held to the rule of JSON bodies: no control or bidirectional characters)."""
    _owned(services, caller, case_id)
    add_evidence_file(
        services.settings,
        services.store,
        case_id,
        upload,
        kind=kind,
        custodian=custodian,
        actor=caller.actor,
        file_name=file_name[:255],
    )
    return show_case(services, caller, case_id)


def transfer(
    services: Services, caller: Caller, case_id: str, evidence_id: int, body: CustodyIn
) -> dict[str, Any]:
    """Hand an evidence item of an own case to a new custodian."""
    _owned(services, caller, case_id)
    services.store.transfer_custody(case_id, evidence_id, body.to, body.why, actor=caller.actor)
    return show_case(services, caller, case_id)


def verify(services: Services, caller: Caller, case_id: str) -> dict[str, Any]:
    """``case verify`` for an own case. The whole audit chain is checked, but what is told is
    the case's: its own entries counted, the chain's problems only counted (the chain's size and
    entries are every organisation's activity)."""
    _owned(services, caller, case_id)
    check = verify_case(services.settings, services.store, case_id)
    chain = [p for p in check.problems if p.startswith("audit chain: ")]
    check.problems = [p for p in check.problems if p not in chain]
    if chain:
        check.problems.append(
            f"audit chain: {len(chain)} problem(s); an administrator sees them with "
            "`ringfence audit verify`"
        )
    check.audit_entries = len(services.store.case_history(case_id))
    return check.to_dict()
