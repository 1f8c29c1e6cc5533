"""Listings of code-protected products whose seller has shown no valid code.

A product is code-protected when its brand's owner registered a code key for it (``codes
register-key``; with ``--gtin`` only those GTINs, without every product of the brand). A seller
"shows" a code when the marketplace scans a valid one with the listing's id as the place. A live
listing of a protected product without such a scan is flagged ``no_code_shown``; one whose only
codes are clones is flagged ``cloned_code_shown``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ringfence.codes.scans import MAX_SCANS, clone_flags, scans_of_units, unit_of
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

_SQL = """
SELECT l.organisation, l.source_key AS listing, l.brand, l.gtin, l.status,
       {seller} AS seller
FROM listings l {join}
WHERE l.brand IS NOT NULL AND coalesce(lower(l.status), '') NOT IN ('removed', 'closed') {only}
"""


def protected_products(store: OperationalStore) -> dict[str, set[str] | None]:
    """Brand (case-folded) → protected GTINs, or None when every product of the brand is."""
    out: dict[str, set[str] | None] = {}
    for key in store.code_keys():
        brand = key.brand.casefold()
        if key.gtins is None or out.get(brand, set()) is None:
            out[brand] = None
        else:
            out[brand] = {*(out.get(brand) or set()), *map(str, key.gtins)}
    return out


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _listings(
    settings: Settings, organisation: str | None, listing: str | None
) -> list[dict[str, Any]]:
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "listings"):
            return []
        if lake.register(engine, "sellers"):
            seller, join = "s.source_key", "LEFT JOIN sellers s ON s.id = l.seller_ref"
        else:
            seller, join = "l.seller_ref", ""
        only = "".join(
            f" AND {column} = {_quoted(value)}"
            for column, value in (("l.organisation", organisation), ("l.source_key", listing))
            if value is not None
        )
        return engine.query(_SQL.format(seller=seller, join=join, only=only)).to_pylist()
    finally:
        engine.close()


def listing_organisations(settings: Settings) -> list[str]:
    """The organisations with listings in the lake, sorted."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "listings"):
            return []
        sql = "SELECT DISTINCT organisation FROM listings WHERE organisation IS NOT NULL"
        return sorted(str(r["organisation"]) for r in engine.query(sql).to_pylist())
    finally:
        engine.close()


def judging_scans(
    store: OperationalStore, organisation: str, listing: str | None = None
) -> list[dict[str, Any]]:
    """The scans that judge ``organisation``'s listings (``listing`` only, if given): every
    scan of the units it showed there, which holds both its codes shown and all their clone
    flags need, instead of every scan recorded."""
    places = [listing] if listing is not None and listing.isascii() else None  # else casefold
    own = store.code_scans(organisation=organisation, places=places, limit=MAX_SCANS)
    wanted = None if listing is None else listing.casefold()
    units = {
        unit_of(s.to_dict())
        for s in own
        if s.kind == "marketplace" and (wanted is None or s.place.casefold() == wanted)
    }
    return scans_of_units(store, (u for u in units if u is not None))


def flagged_listings(
    settings: Settings,
    store: OperationalStore,
    scans: list[dict[str, Any]] | None = None,
    *,
    organisation: str | None = None,
    listing: str | None = None,
) -> list[dict[str, Any]]:
    """Live listings of protected products with no valid, unflagged code shown, and why;
    judged on ``scans`` (default: those that judge them, ``judging_scans``), so a service
    caller's listings are judged only on the scans it may read. ``organisation`` and
    ``listing`` keep those listings only. With neither ``scans`` nor ``organisation`` (the
    operator's view of every marketplace) each marketplace's listings are judged in turn on
    their own judging scans, never on every scan recorded at once."""
    protected = protected_products(store)
    if not protected:
        return []
    if scans is None and organisation is None:  # the operator's view: one marketplace at a time
        return [row for market in listing_organisations(settings)
                for row in flagged_listings(settings, store, organisation=market,
                                            listing=listing)]  # fmt: skip
    if scans is None:
        scans = judging_scans(store, str(organisation), listing)
    flags = clone_flags(scans, settings.code_max_scans)
    shown: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for scan in scans:
        unit = unit_of(scan)
        if unit is not None and scan.get("kind") == "marketplace":  # shared rows may lack fields
            where = (str(scan.get("organisation")), str(scan.get("place")).casefold())
            shown[where].append(not flags[unit])
    out = []
    for row in _listings(settings, organisation, listing):
        gtins = protected.get(str(row["brand"]).strip().casefold(), set())
        if gtins is not None and (not gtins or row["gtin"] not in gtins):
            continue
        codes = shown.get((row["organisation"], str(row["listing"]).casefold()), [])
        if any(codes):
            continue
        reason = "cloned_code_shown" if codes else "no_code_shown"
        out.append({**row, "flag": reason})
    return sorted(out, key=lambda r: (r["organisation"], r["brand"], r["listing"]))
