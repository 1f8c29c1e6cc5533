"""Notices against listings (some in bad faith), the marketplace's decisions, page views, and
the marketplace's watchlist of sellers it confirmed as counterfeiters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ringfence.sim import campaigns
from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.config import MARKETPLACE, SimConfig, stream
from ringfence.sim.marketplace import Listing, Seller
from ringfence.sim.truth import TruthLog
from ringfence.sim.writers import write_csv, write_jsonl

NOTICES = f"{MARKETPLACE}/notices.csv"
PAGEVIEWS = f"{MARKETPLACE}/pageviews.csv"
WATCHLIST = f"{MARKETPLACE}/confirmed_sellers.jsonl"
OUTCOME_WORDS = {"upheld": "accepted", "rejected": "declined", "pending": "open",
                 "withdrawn": "withdrawn"}


@dataclass
class Complaint:
    """A notice and its truth: was it filed in good faith?"""

    id: str
    listing: Listing
    brand: int
    filed: dt.date
    reason: str
    decision: str
    decided: dt.date | None
    bad_faith: bool
    filed_by: str = ""  # the brand's owner unless an agent filed it
    pattern: str = ""  # why a bad-faith notice was filed: grey, competitor, authorised, ...


def _decide(bad_faith: bool, filed: dt.date, cfg: SimConfig,
            rng: np.random.Generator) -> tuple[str, dt.date | None]:
    """Good-faith notices are mostly upheld; bad-faith ones often rejected, but not always."""
    probs = (0.3, 0.5, 0.1, 0.1) if bad_faith else (0.85, 0.05, 0.02, 0.08)
    decision = str(rng.choice(["upheld", "rejected", "withdrawn", "pending"], p=probs))
    decided = filed + dt.timedelta(days=int(rng.integers(1, 15)))
    if decision == "pending" or decided > cfg.end():
        return "pending", None
    return decision, decided


def _notice(listing: Listing, rng: np.random.Generator) -> tuple[int, bool, str] | None:
    """Whether a rights holder complains about a listing: (brand, bad faith, reason) or None."""
    if listing.kind == "counterfeit" and rng.random() < 0.6:
        return listing.brand, False, "counterfeit"
    if listing.kind == "grey" and rng.random() < 0.12:
        # Parallel imports of genuine goods are lawful; a notice against them is an abuse.
        return listing.brand, True, str(rng.choice(["counterfeit", "trademark infringement"]))
    if listing.kind == "generic" and rng.random() < 0.003:
        # A competitor's sneaky notice against a lookalike-free generic listing.
        return int(rng.integers(len(BRAND_SPECS))), True, "trademark infringement"
    if listing.kind == "authorised" and rng.random() < 0.01:
        return listing.brand, True, "unauthorised distribution"
    return None


def make_complaints(cfg: SimConfig, listings: list[Listing]) -> list[Complaint]:
    """Notices filed up to the last simulated day; upheld ones take the listing down."""
    rng = stream(cfg, "complaints")
    out: list[Complaint] = []
    for listing in listings:
        found = _notice(listing, rng)
        if found is None:
            continue
        brand, bad, reason = found
        filed = max(listing.listed, cfg.start) + dt.timedelta(days=int(rng.exponential(12)))
        if filed > cfg.end():
            continue
        decision, decided = _decide(bad, filed, cfg, rng)
        if decision == "upheld":
            listing.status = "removed"
        pattern = {"generic": "competitor"}.get(listing.kind, listing.kind) if bad else ""
        out.append(Complaint(f"N{len(out) + 1:07d}", listing, brand, filed, reason, decision,
                             decided, bad, BRAND_SPECS[brand].owner, pattern))
    _abuse(cfg, listings, out)
    return out


def _abuse(cfg: SimConfig, listings: list[Listing], out: list[Complaint]) -> None:
    """Burst campaigns and an agent's notices (``campaigns``), decided like the others."""
    rng = stream(cfg, "notice-abuse-decisions")

    def make(listing: Listing, brand: int, filed: dt.date, bad: bool, reason: str,
             pattern: str) -> None:
        decision, decided = _decide(bad, filed, cfg, rng)
        if decision == "upheld":
            listing.status = "removed"
        by = campaigns.AGENT if pattern == "agent" else BRAND_SPECS[brand].owner
        out.append(Complaint(f"N{len(out) + 1:07d}", listing, brand, filed, reason, decision,
                             decided, bad, by, pattern if bad else ""))

    campaigns.campaign_notices(cfg, listings, make)
    campaigns.agent_notices(cfg, listings, make)


def write_notices(out: Path, complaints: list[Complaint], truth: TruthLog) -> None:
    """The marketplace's notice register (CSV, UTF-8, ISO dates) and the complaints truth."""
    table = pa.table({
        "notice_id": [c.id for c in complaints],
        "listing_id": [c.listing.id for c in complaints],
        "brand": [BRAND_SPECS[c.brand].name for c in complaints],
        "rights_owner": [c.filed_by or BRAND_SPECS[c.brand].owner for c in complaints],
        "received": [c.filed.isoformat() for c in complaints],
        "ground": [c.reason for c in complaints],
        "outcome": [OUTCOME_WORDS[c.decision] for c in complaints],
        "closed_on": pa.array([c.decided.isoformat() if c.decided else None
                               for c in complaints], pa.string()),
    })
    write_csv(table, out / NOTICES)
    truth.add("complaints", pa.table({
        "organisation": [MARKETPLACE] * len(complaints),
        "source_key": [c.id for c in complaints],
        "notice_id": [c.id for c in complaints],
        "listing_id": [c.listing.id for c in complaints],
        "brand": [BRAND_SPECS[c.brand].name for c in complaints],
        "bad_faith": [c.bad_faith for c in complaints],
        "listing_counterfeit": [c.listing.counterfeit for c in complaints],
        "decision": [c.decision for c in complaints],
        "pattern": pa.array([c.pattern for c in complaints], pa.string()),
    }))


def write_pageviews(out: Path, cfg: SimConfig, listings: list[Listing],
                    complaints: list[Complaint]) -> int:
    """Daily views of every live listing over the last four weeks (cheap fakes draw clicks)."""
    rng = stream(cfg, "pageviews")
    first = max(0, cfg.days - 28)
    listed = np.array([(x.listed - cfg.start).days for x in listings])
    removed = np.full(len(listings), 10**6)
    pos = {x.id: i for i, x in enumerate(listings)}
    for c in complaints:
        if c.decision == "upheld" and c.decided:
            removed[pos[c.listing.id]] = (c.decided - cfg.start).days
    lam = rng.lognormal(1.5, 1.0, len(listings)) * np.where(
        [x.counterfeit for x in listings], 3.0, 1.0)
    days = np.arange(first, cfg.days)
    grid_l, grid_d = np.meshgrid(np.arange(len(listings)), days, indexing="ij")
    li, d = grid_l.ravel(), grid_d.ravel()
    live = (d >= listed[li]) & (d < removed[li])
    li, d = li[live], d[live]
    views = rng.poisson(lam[li] * (1 + 0.3 * np.sin(d / 3.0)))
    keep = views > 0
    ids = pa.array([x.id for x in listings])
    epoch = (cfg.start - dt.date(1970, 1, 1)).days
    table = pa.table({
        "listing_id": ids.take(pa.array(li[keep])),
        "day": pa.array((d[keep] + epoch).astype(np.int32), pa.date32()),
        "views": pa.array(views[keep]),
    })
    write_csv(table, out / PAGEVIEWS)
    return table.num_rows


def write_watchlist(out: Path, cfg: SimConfig, sellers: list[Seller],
                    complaints: list[Complaint], truth: TruthLog) -> int:
    """Sellers the counterfeit-crimes unit confirmed: ring accounts with an upheld notice, and
    (wrongly) grey resellers that lost two bad-faith notices."""
    rng = stream(cfg, "bazaar-watchlist")
    upheld: dict[str, list[Complaint]] = {}
    for c in complaints:
        if c.decision == "upheld":
            upheld.setdefault(c.listing.seller.id, []).append(c)
    rows: list[dict[str, object]] = []
    truth_rows: list[tuple[str, str, str | None]] = []
    for s in sellers:
        got = upheld.get(s.id, [])
        if not (s.kind == "ring" and got) and not (s.kind == "grey" and len(got) >= 2):
            continue
        last = max(c.decided for c in got if c.decided)
        key = f"WL-BZ-{len(rows) + 1:05d}"
        r = s.identity.render(rng, noisy=rng.random() < 0.5)
        rows.append({"entry_id": key, "seller_id": s.id, "legal_name": r["name"],
                     "address_line": r["street"], "city": r["city"], "zip": r["postcode"],
                     "country_code": r["country"], "contact_phone": r["phone"],
                     "contact_email": r["email"], "payout_account": r["bank_account"],
                     "vat_id": r["identifier"], "shop_url": r["website"],
                     "confirmed_by": str(rng.choice(["CCU analyst 4", "CCU lead"])),
                     "confirmed_on": (last + dt.timedelta(days=int(rng.integers(5)))).isoformat(),
                     "evidence_ref": f"CCU-{last.year}-{int(rng.integers(1000, 9999))}",
                     "brand": BRAND_SPECS[got[0].brand].name,
                     "notes": f"{len(got)} notices upheld; account suspended"})
        truth_rows.append((key, s.identity.id, s.identity.ring))
    columns = list(rows[0]) if rows else ["entry_id"]
    table = pa.table({k: pa.array([r.get(k) for r in rows], pa.string()) for k in columns})
    write_jsonl(table, out / WATCHLIST, compress=False)
    watch_truth(truth, MARKETPLACE, truth_rows)
    return len(rows)


def watch_truth(truth: TruthLog, org: str, rows: list[tuple[str, str, str | None]]) -> None:
    """Record watchlist entries: (source key, entity id, ring id or None when wrongly listed)."""
    keys = pa.array([r[0] for r in rows], pa.string())
    entity = pa.array([r[1] for r in rows], pa.string())
    ring = pa.array([r[2] for r in rows], pa.string())
    truth.add("watchlist", pa.table({"organisation": pa.array([org] * len(rows), pa.string()),
                                     "source_key": keys, "entity_id": entity, "ring_id": ring,
                                     "correct": pa.array([r[2] is not None for r in rows],
                                                         pa.bool_())}))
    truth.mentions(org, "watchlist", "watchlist", keys, entity, ring)
