"""Recording code scans and flagging clones.

A genuine unit passes each kind of checkpoint once on its way: it crosses one border (customs),
travels in one consignment (carrier) and is offered in one listing (marketplace). A serial seen
at **two places of the same kind** — two customs offices, two parcels, two listings — is a
copied code (``two_places``). A serial scanned more than ``code_max_scans`` times in all is a
code shown over and over (``too_often``). Scans of the three kinds in a row are the normal path
and flag nothing. Invalid codes are recorded too (``invalid``): forgeries are evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ringfence.codes import format as code_format
from ringfence.codes.format import CodeCheck
from ringfence.codes.keys import PublicKey, public_from_raw, unb64
from ringfence.errors import UserError
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.code_tables import CodeScan
from ringfence.store.operational.codes import ScanDraft

MAX_PLACE_CHARS = 200
MAX_SCANS = 10_000_000  # the most scans one judgement reads
UNITS_PER_READ = 200
Unit = tuple[str, str, str]  # brand, gtin, serial
KeyEntry = tuple[str, PublicKey, frozenset[str] | None]  # key id, key, protected GTINs


def live_keys(store: OperationalStore, brand: str | None = None) -> list[KeyEntry]:
    """Every registered, unrevoked code key (of ``brand`` if given) with the GTINs it protects
    (None: every product of its brand)."""
    return [
        (row.key_id, public_from_raw(row.brand, unb64(row.public_key)),
         frozenset(map(str, row.gtins)) if row.gtins else None)
        for row in store.code_keys(brand)
    ]  # fmt: skip


def check(code: str, keys: Iterable[KeyEntry]) -> tuple[CodeCheck, str | None]:
    """The code checked against the keys that protect the GTIN it claims, until one verifies
    it: (check, the key's id). Only those keys are tried, so a scan costs a signature check per
    key of that product, not per key registered; a malformed code costs none."""
    gtin = code_format.claimed_gtin(code)
    if gtin is None:
        bad = code_format.malformed(code)
        return bad or CodeCheck(code_format.shown(code), False, reason="malformed"), None
    for key_id, key, gtins in keys:
        if gtins is not None and gtin not in gtins:
            continue
        found = code_format.verify(code, key)
        if found.valid:
            return found, key_id
    reason = "no registered code key verifies it"
    return CodeCheck(code_format.shown(code), False, reason=reason), None


def clean_place(place: str) -> str:
    """The place trimmed; ``UserError`` if blank, too long or not printable."""
    cleaned = " ".join(str(place).split())
    if not cleaned or len(cleaned) > MAX_PLACE_CHARS or not cleaned.isprintable():
        raise UserError(f"a scan's place is 1 to {MAX_PLACE_CHARS} printable characters")
    return cleaned


def record_scan(
    store: OperationalStore,
    organisation: str,
    code: str,
    place: str,
    *,
    actor: str,
    brand: str | None = None,
    keys: list[KeyEntry] | None = None,
    at: datetime | None = None,
) -> CodeScan:
    """Verify ``code`` with the registered keys (or ``keys``) and record the scan (audited)."""
    where = clean_place(place)
    found, key_id = check(code, keys if keys is not None else live_keys(store, brand))
    draft = ScanDraft(organisation, where, found.code, found.valid, found.brand, found.gtin,
                      found.serial, key_id, found.reason, at)  # fmt: skip
    return store.record_code_scan(draft, actor=actor)


def unit_of(scan: dict[str, Any]) -> Unit | None:
    """The (brand, gtin, serial) a valid scan is of; None for an invalid one."""
    if not scan.get("valid") or not scan.get("serial"):
        return None
    return (str(scan["brand"]), str(scan["gtin"]), str(scan["serial"]))


def scans_of_units(store: OperationalStore, units: Iterable[Unit]) -> list[dict[str, Any]]:
    """Every recorded scan of these units, as dicts (read a few hundred units at a time: one
    condition per unit)."""
    wanted = sorted(set(units))
    return [
        s.to_dict()
        for start in range(0, len(wanted), UNITS_PER_READ)
        for s in store.code_scans(serials=wanted[start : start + UNITS_PER_READ], limit=MAX_SCANS)
    ]


def clone_flags(scans: Iterable[dict[str, Any]], max_scans: int) -> dict[Unit, list[str]]:
    """Per unit seen in ``scans`` (dicts with valid, brand, gtin, serial, kind, place, and
    organisation), its clone flags: ``two_places``, ``too_often``; empty when none."""
    places: dict[Unit, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
    counts: dict[Unit, int] = defaultdict(int)
    for scan in scans:
        unit = unit_of(scan)
        if unit is None:
            continue
        counts[unit] += 1
        where = (str(scan.get("organisation")), str(scan.get("place")).casefold())
        places[unit][str(scan.get("kind"))].add(where)
    flags: dict[Unit, list[str]] = {}
    for unit, count in counts.items():
        flags[unit] = []
        if any(len(seen) > 1 for seen in places[unit].values()):
            flags[unit].append("two_places")
        if count > max_scans:
            flags[unit].append("too_often")
    return flags


def with_flags(scans: list[dict[str, Any]], seen: list[dict[str, Any]], max_scans: int) -> None:
    """Add ``flags`` to each scan dict in ``scans``, judged on the scans in ``seen``."""
    flags = clone_flags(seen, max_scans)
    for scan in scans:
        unit = unit_of(scan)
        if unit is not None:
            scan["flags"] = list(flags.get(unit, []))
        else:  # a field the reader may not see judges nothing
            scan["flags"] = ["invalid"] if scan.get("valid") is False else []
