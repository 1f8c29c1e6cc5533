"""Codes as organisations use them through the service: record a scan, list scans, verify.

Scans are the dataset ``code_scans`` of the policy gate: an organisation reads its own scans and
those partners share with it (a brand, typically, the scans of its own codes through a standing
agreement filtering ``brand`` on ``$recipient_brands``). Clone flags are judged on the scans the
reader may see, so nothing about a scan it may not read reaches it, even as a flag.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ringfence.codes.format import MAX_INPUT_CHARS
from ringfence.codes.listings import flagged_listings, judging_scans
from ringfence.codes.scans import MAX_SCANS, check, live_keys, record_scan, unit_of, with_flags
from ringfence.errors import ForbiddenError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.paging import newest_passing
from ringfence.service.views.body import RequestBody
from ringfence.store.operational.code_tables import SCAN_KINDS

SCAN_ROLES = ("admin", "analyst", "officer")
DATASET = "code_scans"


class ScanIn(RequestBody):
    """A code scanned at a place (an office, a consignment, a listing id)."""

    code: str = Field(min_length=1, max_length=4 * MAX_INPUT_CHARS)
    place: str = Field(min_length=1, max_length=200)
    brand: str | None = Field(default=None, max_length=200, description="Brand on the pack.")


class VerifyIn(RequestBody):
    """Codes to check against every registered brand key (nothing is stored)."""

    codes: list[str] = Field(min_length=1, max_length=100)


def _shown(services: Services, caller: Caller, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows the caller may see, each with clone flags judged on what the caller may see."""
    policy = sharing.Policy.load(services, caller)
    visible = sharing.visible(services, caller, DATASET, rows, policy)
    units = sorted({u for u in map(unit_of, visible) if u is not None})
    seen = [s.to_dict() for s in services.store.code_scans(serials=units)]
    with_flags(visible, sharing.visible(services, caller, DATASET, seen, policy),
               services.settings.code_max_scans)  # fmt: skip
    return visible


def scan(services: Services, caller: Caller, body: ScanIn) -> dict[str, Any]:
    """Record a scan by the caller's organisation (customs, carrier, marketplace; audited)."""
    caller.require_role(*SCAN_ROLES)
    if caller.organisation_kind not in SCAN_KINDS:
        raise ForbiddenError(f"scans are recorded by {', '.join(SCAN_KINDS)} organisations")
    row = record_scan(services.store, caller.organisation, body.code, body.place,
                      actor=caller.actor, brand=body.brand)  # fmt: skip
    return {"scan": _shown(services, caller, [row.to_dict()])[0]}


def newest_readable(
    services: Services, caller: Caller, limit: int, brands: list[str] | None = None
) -> list[dict[str, Any]]:
    """The newest ``limit`` scans (of ``brands``, if given) the gate lets the caller read, as
    stored (the caller projects them). The limit counts only those: counting every
    organisation's scans (red team M4), or an owner's scans its agreement's row filter does
    not admit, told how many scans others recorded since one's own (``newest_passing``)."""
    policy = sharing.Policy.load(services, caller)
    owners = policy.owners(DATASET)

    def read(n: int) -> list[dict[str, Any]]:
        found = services.store.code_scans(organisation=owners, brands=brands, limit=n)
        return [s.to_dict() for s in found]

    def passing(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        passed = {r["id"] for r in sharing.visible(services, caller, DATASET, rows, policy)}
        return [r for r in rows if r["id"] in passed]

    return newest_passing(read, passing, limit, MAX_SCANS)


def list_scans(services: Services, caller: Caller, limit: int) -> dict[str, Any]:
    """The newest ``limit`` scans the caller may see, with their flags (``newest_readable``)."""
    rows = newest_readable(services, caller, limit)
    return {"organisation": caller.organisation, "scans": _shown(services, caller, rows)}


def verify(services: Services, body: VerifyIn) -> dict[str, Any]:
    """Each code checked against the registered, unrevoked brand keys (public information)."""
    keys = live_keys(services.store)
    checks = [check(code, keys)[0].to_dict() for code in body.codes]
    return {"codes": checks, "all_valid": all(c["valid"] for c in checks)}


def listings(services: Services, caller: Caller) -> dict[str, Any]:
    """The caller's own live listings of code-protected products whose seller showed no valid
    code (a marketplace's; through the policy gate like every row leaving the service), the
    codes shown judged on the scans the caller may read."""
    scans = judging_scans(services.store, caller.organisation)  # its codes' scans only
    seen = sharing.visible(services, caller, DATASET, scans)  # flags reveal no other scan
    flagged = flagged_listings(services.settings, services.store, seen,
                               organisation=caller.organisation)  # fmt: skip
    rows = [{**r, "id": r["listing"]} for r in flagged if r["organisation"] == caller.organisation]
    return {"organisation": caller.organisation,
            "listings": sharing.visible(services, caller, "listings", rows)}  # fmt: skip
