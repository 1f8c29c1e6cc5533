"""The demo's marketplace stage (issue 11): the border and the marketplace act on each other.

A customs seizure holds the listings of the seized brand by sellers whose resolved entity shipped
the goods (``listings.border``), once customs shares its seizures' brand and shipment with the
marketplace; the marketplace's confirmed counterfeiters are on the shared watchlist and the
border's scoring sees them; a brand signs unit codes that customs and carriers scan; and the
page-view measure says how much of what shoppers saw had no upheld complaint.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.codes import format as code_format
from ringfence.codes import keys
from ringfence.codes.listings import flagged_listings
from ringfence.codes.scans import record_scan, unit_of, with_flags
from ringfence.listings.border import border_holds
from ringfence.metrics.pageviews import ALL_BRANDS, PageViewShare, pageview_measure
from ringfence.service.seed import register_demo_brands
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

MARKET, CUSTOMS, CARRIER, CODE_BRAND = "bazaar", "customs-nl", "swiftpost", "brand-lumina"
SEIZURE_FIELDS = ["shipment_ref", "brand", "date"]
ACTOR = "demo"


@dataclass
class MarketReport:
    """What the marketplace stage did."""

    agreement: int | None = None
    holds: list[dict[str, Any]] = field(default_factory=list)  # border holds in force
    new_holds: int = 0
    watchlisted: list[dict[str, Any]] = field(default_factory=list)  # today's arrivals matched
    watchlist_entries: int = 0
    arrivals_scored: int = 0
    codes: dict[str, Any] = field(default_factory=dict)
    pageviews: list[PageViewShare] = field(default_factory=list)


def run_market(settings: Settings, latest_scored: list[dict[str, Any]]) -> MarketReport:
    """Border holds, the watchlist in targeting (``latest_scored``: the latest day's scored
    shipments, riskiest first), unit codes and the page-view measure."""
    report = MarketReport()
    with OperationalStore.open(settings) as store:
        report.agreement = _seizure_agreement(store)
        report.new_holds = len(border_holds(settings, store, MARKET, actor=ACTOR))
        report.holds = [
            a.to_dict()
            for a in store.listing_actions(MARKET)
            if (a.source or "").startswith("border:") and a.state() == "active"
        ]
        report.codes = _codes(settings, store)
    report.watchlist_entries, report.watchlisted = _watchlisted_arrivals(settings, latest_scored)
    report.arrivals_scored = len(latest_scored)
    report.pageviews = pageview_measure(settings)
    return report


def _seizure_agreement(store: OperationalStore) -> int:
    """Customs shares its seizures' brand and shipment with the marketplace (once)."""
    for a in store.sharing_agreements():
        ours = (a.owner, a.recipient, a.dataset) == (CUSTOMS, MARKET, "seizures")
        if ours and a.fields is not None and set(SEIZURE_FIELDS) <= set(a.fields):
            return int(a.id)
    return store.create_sharing_agreement(
        owner=CUSTOMS, recipient=MARKET, dataset="seizures", fields=SEIZURE_FIELDS,
        purpose="hold listings of seized brands by the sellers who shipped them", actor=ACTOR,
    )  # fmt: skip


_WATCHLISTED_SQL = """
WITH wl AS (
  SELECT w.source_key, w.name, w.evidence_ref, w.confirmed_at, em.entity_id FROM watchlist w
  JOIN parties p ON p.organisation = w.organisation AND p.source_key = 'watchlist:' || w.source_key
  JOIN entity_mentions em ON em.mention_id = p.id WHERE w.organisation = '{market}'
), party AS (
  SELECT id, 'shipper' AS role, shipper_ref AS ref FROM shipments WHERE id IN {ids}
  UNION ALL SELECT id, 'seller', seller_ref FROM shipments WHERE id IN {ids}
  UNION ALL SELECT id, 'importer', importer_ref FROM shipments WHERE id IN {ids}
)
SELECT DISTINCT party.id AS shipment, party.role, wl.source_key AS entry, wl.name,
       wl.evidence_ref, wl.confirmed_at
FROM party JOIN entity_mentions em ON em.mention_id = party.ref
JOIN wl ON wl.entity_id = em.entity_id ORDER BY shipment, role
"""


def _watchlisted_arrivals(
    settings: Settings, scored: list[dict[str, Any]]
) -> tuple[int, list[dict[str, Any]]]:
    """The marketplace's watchlist entries, and the latest day's scored shipments one of whose
    parties resolved to a confirmed seller: its rank among the day's shipments, score, reasons."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        names = ("watchlist", "parties", "entity_mentions", "shipments")
        if not all(lake.register(engine, n) for n in names):
            return 0, []
        found = engine.scalar(f"SELECT count(*) FROM watchlist WHERE organisation = '{MARKET}'")
        entries = int(found) if isinstance(found, int) else 0
        if not scored:
            return entries, []
        ids = "(" + ", ".join("'" + r["id"].replace("'", "''") + "'" for r in scored) + ")"
        rows = engine.query(_WATCHLISTED_SQL.format(market=MARKET, ids=ids)).to_pylist()
    finally:
        engine.close()
    rank = {r["id"]: (i + 1, r) for i, r in enumerate(scored)}
    out, seen = [], set()
    for row in rows:
        if row["shipment"] in seen:
            continue
        seen.add(row["shipment"])
        place, scored_row = rank[row["shipment"]]
        out.append({**row, "rank": place, "of": len(scored), "source_key": scored_row["source_key"],
                    "score": max(scored_row["scores"].values(), default=0.0),
                    "reasons": scored_row["reasons"].get("counterfeit", [])})  # fmt: skip
    return entries, sorted(out, key=lambda r: r["rank"])


def _codes(settings: Settings, store: OperationalStore) -> dict[str, Any]:
    """A brand makes a key, registers it and issues codes; customs and the carrier scan them,
    and a copied code seen at a second customs office is flagged as a clone."""
    register_demo_brands(store, [CODE_BRAND])
    brand = next(r.brand for r in store.brand_registrations() if r.organisation == CODE_BRAND)
    folder = settings.data_dir / "demo-codes"
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / f"{CODE_BRAND}.key", folder / f"{CODE_BRAND}.pub"
    if not private.exists():
        public.unlink(missing_ok=True)
        keys.keygen(brand, private, public)
    key = keys.load_private(private)
    if key.public().key_id not in {k.key_id for k in store.code_keys()}:
        store.register_code_key(CODE_BRAND, key.brand, key.public().key_id,
                                keys.b64(key.public().raw), actor=ACTOR)  # fmt: skip
    gtin = _a_product(settings, brand)
    codes = code_format.issue(key, gtin, 5)
    (folder / "codes.txt").write_text("".join(c + "\n" for c in codes), encoding="ascii")
    tampered = codes[1][:40] + ("A" if codes[1][40] != "A" else "B") + codes[1][41:]
    checks = [code_format.verify(c, key.public()) for c in [*codes, tampered]]
    today = dt.date.today().isoformat()
    scans = [
        record_scan(store, CUSTOMS, codes[0], "Schiphol IPR desk", actor=ACTOR),
        record_scan(store, CARRIER, codes[0], f"consignment DEMO-{today}", actor=ACTOR),
        record_scan(store, CUSTOMS, codes[2], "Schiphol IPR desk", actor=ACTOR),
        record_scan(store, CUSTOMS, codes[2], "Rotterdam port", actor=ACTOR),  # a copied code
        record_scan(store, CUSTOMS, tampered, "Schiphol IPR desk", actor=ACTOR),
    ]
    rows = [s.to_dict() for s in scans]
    units = [u for u in map(unit_of, rows) if u is not None]
    with_flags(rows, [s.to_dict() for s in store.code_scans(serials=units)],
               settings.code_max_scans)  # fmt: skip
    flagged = [r for r in flagged_listings(settings, store) if r["organisation"] == MARKET]
    return {"brand": brand, "gtin": gtin, "key_id": key.public().key_id, "folder": folder,
            "chars": len(codes[0]), "checks": checks, "scans": rows,
            "listings_flagged": len(flagged)}  # fmt: skip


def _a_product(settings: Settings, brand: str) -> str:
    """The brand's first product GTIN in the lake (a fixed one when it has none)."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if lake.register(engine, "products"):
            found = engine.scalar(
                "SELECT min(gtin) FROM products WHERE lower(brand) = "
                f"'{brand.casefold().replace(chr(39), '')}' AND gtin IS NOT NULL"
            )
            if found:
                return str(found)
    finally:
        engine.close()
    return "04006381333931"


def latest_days(rows: list[PageViewShare], days: int = 7) -> list[PageViewShare]:
    """The all-brands rows of the last ``days`` days."""
    every = [r for r in rows if r.brand == ALL_BRANDS]
    return every[-days:]


def codes_folder(report: MarketReport) -> Path | None:
    """Where the demo's key files and codes are."""
    folder = report.codes.get("folder")
    return folder if isinstance(folder, Path) else None
