"""What a marketplace knows about its sellers beyond their KYC: signals, links and enforcement.

- Signals (``signal_*`` columns of the seller accounts): order defects, review bursts,
  chargebacks, KYC mismatches, rating change, listing pace. Ring accounts lean worse on each, but
  every distribution overlaps the legitimate ones: no signal alone separates them.
- Links: a ring's accounts share its devices, payout instruments and proxy IPs (not every
  account every one: some are careful); legitimate sellers share fulfilment warehouses, the odd
  device (a family, a bookkeeper) and public IPs, and everyone who lists a product is linked to a
  few others listing it. Rings use the warehouses too.
- Outcomes: a ring account is confirmed counterfeit a few days after its first upheld notice (a
  few more by a proactive sweep); grey resellers that lost two notices are confirmed too (wrongly);
  sellers whose notices were rejected and a sample of reviewed ones are cleared.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ringfence.sim.config import MARKETPLACE, SimConfig, stream
from ringfence.sim.marketplace import Listing, Seller
from ringfence.sim.notices import Complaint
from ringfence.sim.truth import TruthLog
from ringfence.sim.writers import write_csv

LINKS = f"{MARKETPLACE}/seller_links.csv"
OUTCOMES = f"{MARKETPLACE}/seller_decisions.csv"

# Per signal: (legitimate, ring) distribution parameters; see ``_signal``.
SIGNALS = (
    "order_defect_rate",
    "review_burst_share",
    "chargeback_rate",
    "kyc_mismatch",
    "rating_delta",
    "new_listings_per_week",
)


@dataclass
class SellerLinkRow:
    """Two seller accounts seen sharing something."""

    seller: str
    other: str
    kind: str
    weight: float | None
    date: dt.date | None


@dataclass
class SellerOutcomeRow:
    """An enforcement decision about a seller."""

    id: str
    seller: str
    outcome: str
    date: dt.date
    reason: str
    evidence_ref: str | None


def _signal(name: str, bad: bool, rng: np.random.Generator) -> float:
    if name == "order_defect_rate":
        return float(rng.beta(3, 45) if bad else rng.beta(2, 60))
    if name == "review_burst_share":
        return float(rng.beta(3, 7) if bad else rng.beta(2, 9))
    if name == "chargeback_rate":
        return float(rng.gamma(1.5, 0.006) if bad else rng.gamma(1.2, 0.004))
    if name == "kyc_mismatch":
        return float(rng.random() < (0.3 if bad else 0.12))
    if name == "rating_delta":
        return float(rng.normal(-0.12, 0.35) if bad else rng.normal(0.0, 0.3))
    return float(rng.lognormal(1.3 if bad else 1.0, 0.8))


def make_signals(cfg: SimConfig, sellers: list[Seller]) -> dict[str, list[float | None]]:
    """``signal_<name>`` columns for the seller accounts (a few values missing)."""
    rng = stream(cfg, "seller-signals")
    out: dict[str, list[float | None]] = {f"signal_{n}": [] for n in SIGNALS}
    for s in sellers:
        for name in SIGNALS:
            value = _signal(name, s.kind == "ring", rng)
            out[f"signal_{name}"].append(None if rng.random() < 0.03 else round(value, 4))
    return out


def _seen(cfg: SimConfig, a: Seller, b: Seller, rng: np.random.Generator) -> dt.date | None:
    """When a link shows: some days after the younger account opened; a tenth undated."""
    if rng.random() < 0.1:
        return None
    first = max(a.registered, b.registered, cfg.start - dt.timedelta(days=60))
    return min(first + dt.timedelta(days=int(rng.exponential(15))), cfg.end())


def _share(
    cfg: SimConfig, users: list[Seller], kind: str, rng: np.random.Generator
) -> list[SellerLinkRow]:
    """Links between every two accounts using one shared thing (at most 6 others each)."""
    rows = []
    for a, b in itertools.combinations(users, 2):
        if len(users) <= 7 or rng.random() < 6 / len(users):
            weight = None if kind in ("device", "payment") else round(float(rng.uniform(0.2, 1)), 2)
            rows.append(SellerLinkRow(a.id, b.id, kind, weight, _seen(cfg, a, b, rng)))
    return rows


def _ring_links(
    cfg: SimConfig, sellers: list[Seller], rng: np.random.Generator
) -> list[SellerLinkRow]:
    rows: list[SellerLinkRow] = []
    rings: dict[str, list[Seller]] = defaultdict(list)
    for s in sellers:
        if s.kind == "ring" and s.identity.ring:
            rings[s.identity.ring].append(s)
    for members in rings.values():
        for kind, use, pool in (("device", 0.6, 3), ("payment", 0.4, 2), ("ip", 0.5, 3)):
            things: dict[int, list[Seller]] = defaultdict(list)
            for s in members:
                if rng.random() < use:
                    things[int(rng.integers(pool))].append(s)
            for users in things.values():
                rows += _share(cfg, users, kind, rng)
    return rows


def _legit_links(
    cfg: SimConfig, sellers: list[Seller], rng: np.random.Generator
) -> list[SellerLinkRow]:
    rows: list[SellerLinkRow] = []
    n_wh = max(3, len(sellers) // 30)
    warehouses: dict[int, list[Seller]] = defaultdict(list)
    for s in sellers:
        if rng.random() < (0.35 if s.kind == "ring" else 0.5):
            warehouses[int(rng.integers(n_wh))].append(s)
    for users in warehouses.values():
        rows += _share(cfg, users, "warehouse", rng)
    legit = [s for s in sellers if s.kind != "ring"]
    for _ in range(max(1, len(legit) // 12)):  # a family's or a bookkeeper's shared computer
        a, b = (legit[int(i)] for i in rng.choice(len(legit), 2, replace=False))
        rows.append(SellerLinkRow(a.id, b.id, "device", None, _seen(cfg, a, b, rng)))
    for _ in range(max(1, len(sellers) // 8)):  # public IPs: co-working, carrier NAT
        a, b = (sellers[int(i)] for i in rng.choice(len(sellers), 2, replace=False))
        rows.append(SellerLinkRow(a.id, b.id, "ip", 0.3, _seen(cfg, a, b, rng)))
    return rows


def _product_links(
    cfg: SimConfig, listings: list[Listing], rng: np.random.Generator
) -> list[SellerLinkRow]:
    by_gtin: dict[str, dict[str, Seller]] = defaultdict(dict)
    for x in listings:
        if x.gtin:
            by_gtin[x.gtin][x.seller.id] = x.seller
    rows = []
    for gtin in sorted(by_gtin):
        users = sorted(by_gtin[gtin].values(), key=lambda s: s.id)
        for a in users:
            others = [b for b in users if b.id > a.id]
            for k in rng.permutation(len(others))[:3]:
                rows.append(
                    SellerLinkRow(
                        a.id, others[int(k)].id, "product", 0.5, _seen(cfg, a, others[int(k)], rng)
                    )
                )
    return rows


def make_links(
    cfg: SimConfig, sellers: list[Seller], listings: list[Listing]
) -> list[SellerLinkRow]:
    """Every seller link, in a shuffled order."""
    rng = stream(cfg, "seller-links")
    rows = _ring_links(cfg, sellers, rng) + _legit_links(cfg, sellers, rng)
    rows += _product_links(cfg, listings, rng)
    return [rows[int(i)] for i in rng.permutation(len(rows))]


def make_outcomes(
    cfg: SimConfig, sellers: list[Seller], complaints: list[Complaint]
) -> list[SellerOutcomeRow]:
    """The marketplace's decisions, in date order."""
    rng = stream(cfg, "seller-outcomes")
    upheld: dict[str, list[dt.date]] = defaultdict(list)
    rejected: dict[str, list[dt.date]] = defaultdict(list)
    for c in complaints:
        if c.decided and c.decision in ("upheld", "rejected"):
            (upheld if c.decision == "upheld" else rejected)[c.listing.seller.id].append(c.decided)
    found: list[tuple[Seller, str, dt.date, str]] = []
    for s in sellers:
        hits = sorted(upheld.get(s.id, []))
        if s.kind == "ring" and hits:
            found.append((s, "counterfeit", hits[0], "notice upheld; test buy confirmed"))
        elif s.kind == "ring" and rng.random() < 0.25:
            day = cfg.start + dt.timedelta(days=int(rng.integers(cfg.days)))
            found.append((s, "counterfeit", day, "proactive sweep: shared device with a ring"))
        elif s.kind == "grey" and len(hits) >= 2:
            found.append((s, "counterfeit", hits[1], "two notices upheld"))
        elif rejected.get(s.id):
            found.append((s, "cleared", min(rejected[s.id]), "notice rejected: genuine goods"))
        elif s.kind != "ring" and rng.random() < 0.06:
            day = cfg.start + dt.timedelta(days=int(rng.integers(cfg.days)))
            found.append((s, "cleared", day, "routine review"))
    rows = []
    for s, outcome, day, reason in found:
        day = min(day + dt.timedelta(days=int(rng.integers(0, 5))), cfg.end())
        number = int(rng.integers(1000, 9999))
        ref = f"CCU-{day.year}-{number}" if outcome == "counterfeit" else None
        rows.append((day, s.id, outcome, reason, ref))
    rows.sort()
    return [
        SellerOutcomeRow(f"SO-{i + 1:06d}", sid, outcome, day, reason, ref)
        for i, (day, sid, outcome, reason, ref) in enumerate(rows)
    ]


def write_links(out: Path, rows: list[SellerLinkRow]) -> None:
    """The marketplace's seller-link export (CSV, ISO dates)."""
    table = pa.table(
        {
            "link_id": [f"SL-{i + 1:06d}" for i in range(len(rows))],
            "account_a": [r.seller for r in rows],
            "account_b": [r.other for r in rows],
            "shared": [r.kind for r in rows],
            "strength": pa.array([r.weight for r in rows], pa.float64()),
            "first_seen": pa.array(
                [r.date.isoformat() if r.date else None for r in rows], pa.string()
            ),
        }
    )
    write_csv(table, out / LINKS)


def write_outcomes(
    out: Path, rows: list[SellerOutcomeRow], sellers: list[Seller], truth: TruthLog
) -> None:
    """The counterfeit-crimes unit's seller decisions (CSV) and whether each was right."""
    table = pa.table(
        {
            "case_id": [r.id for r in rows],
            "seller_id": [r.seller for r in rows],
            "decision": [r.outcome for r in rows],
            "decided_on": [r.date.isoformat() for r in rows],
            "note": [r.reason for r in rows],
            "case_ref": pa.array([r.evidence_ref for r in rows], pa.string()),
        }
    )
    write_csv(table, out / OUTCOMES)
    kind = {s.id: s.kind for s in sellers}
    truth.add(
        "seller_outcomes",
        pa.table(
            {
                "organisation": [MARKETPLACE] * len(rows),
                "source_key": [r.id for r in rows],
                "seller_id": [r.seller for r in rows],
                "seller_kind": [kind[r.seller] for r in rows],
                "correct": [
                    (kind[r.seller] == "ring") == (r.outcome == "counterfeit") for r in rows
                ],
            }
        ),
    )
