"""The facts a notice is scored on, read from the lake and the operational store at filing.

The listing (seller, claimed brand, GTIN, price) is the marketplace's own in the lake; the
brand catalogue is the lake's ``products``; linked seller accounts come from ``seller_links``
(shared products not counted: unrelated shops sell the same goods); the notices before this
one are the marketplace's notice register (``complaints`` feed) and the notices filed here; the
seller's border seizures follow its resolved entity (``ringfence resolve``), as the seller
model reads them; a code-protected product with no code shown is ``codes.listings``' flag.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from ringfence.complaints.history import History, Notice, Related
from ringfence.complaints.validity import ComplaintFacts
from ringfence.errors import NotFoundError
from ringfence.marketplace.data import SEIZURES_SQL
from ringfence.model.records.base import make_id
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.products import register_products

EPOCH = dt.date(1970, 1, 1)


def q(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def day_of(value: dt.date | dt.datetime | None) -> int | None:
    """Days since 1970 (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return (value - EPOCH).days


def _rows(engine: Engine, lake: Lake, needs: Iterable[str], sql: str) -> list[dict[str, Any]]:
    if not all(lake.register(engine, n) for n in needs):
        return []
    return engine.query(sql).to_pylist()


def listing_row(settings: Settings, marketplace: str, listing: str) -> dict[str, Any]:
    """The marketplace's listing: ``seller`` key, ``brand``, ``gtin``, ``price``, ``status``
    and the seller's ``registered`` (account opening) date when the sellers feed has it."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "listings"):
            rows = []
        else:
            seller, join, opened = "l.seller_ref", "", "NULL"
            if lake.register(engine, "sellers"):
                seller, join = "s.source_key", "LEFT JOIN sellers AS s ON s.id = l.seller_ref"
                opened = "s.registered_at"
            rows = engine.query(
                f"SELECT l.source_key AS listing, {seller} AS seller, l.brand, l.gtin, l.price,"
                f" l.status, {opened} AS registered FROM listings AS l {join}"
                f" WHERE l.organisation = {q(marketplace)}"
                f" AND l.source_key = {q(listing)} LIMIT 1"
            ).to_pylist()
    finally:
        engine.close()
    if not rows:
        raise NotFoundError(f"no listing {listing[:200]!r} at {marketplace[:64]!r}")
    return rows[0]


def _catalogue(
    engine: Engine, lake: Lake, names: set[str], holders: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """The catalogue rows of the brand's names that speak for it (``store/products.py``)."""
    if not register_products(engine, lake, holders):
        return []
    wanted = ", ".join(q(n) for n in sorted(names)) or "NULL"
    return engine.query(
        "SELECT lower(brand) AS brand, gtin, price_min, authorised_sellers FROM products"
        f" WHERE lower(brand) IN ({wanted})"
    ).to_pylist()


def _links(engine: Engine, lake: Lake, marketplace: str) -> list[tuple[str, str]]:
    rows = _rows(engine, lake, ["seller_links", "sellers"], f"""
        SELECT a.source_key AS a, b.source_key AS b FROM seller_links AS k
        JOIN sellers AS a ON a.id = k.seller_ref JOIN sellers AS b ON b.id = k.other_seller_ref
        WHERE k.organisation = {q(marketplace)} AND lower(k.kind) <> 'product'""")  # fmt: skip
    return [(r["a"], r["b"]) for r in rows]


def _register(engine: Engine, lake: Lake, marketplace: str) -> list[Notice]:
    """The marketplace's notice register in the lake (its ``complaints`` feed)."""
    seller, join = "l.seller_ref", ""
    if lake.register(engine, "sellers"):
        seller, join = "s.source_key", "LEFT JOIN sellers AS s ON s.id = l.seller_ref"
    rows = _rows(engine, lake, ["complaints", "listings"], f"""
        SELECT coalesce(c.filed_by, c.brand) AS who, {seller} AS seller, c.filed_at,
        lower(c.decision) AS decision, c.decided_at FROM complaints AS c
        JOIN listings AS l ON l.id = c.listing_ref {join}
        WHERE c.organisation = {q(marketplace)} AND c.filed_at IS NOT NULL""")  # fmt: skip
    return [Notice(str(r["who"]), str(r["seller"]), day_of(r["filed_at"]) or 0,
                   r["decision"] or "pending", day_of(r["decided_at"])) for r in rows]  # fmt: skip


def _seizures(engine: Engine, lake: Lake, marketplace: str, seller: str) -> int:
    if not lake.has("entity_mentions"):
        return 0
    mention = make_id(marketplace, "parties", f"seller:{seller}")
    rows = _rows(engine, lake, ["entity_mentions", "shipments", "outcomes"], f"""
        SELECT count(DISTINCT z.shipment) AS n FROM ({SEIZURES_SQL}) AS z
        JOIN entity_mentions AS m ON m.entity_id = z.entity
        WHERE m.mention_id = {q(mention)}""")  # fmt: skip
    return int(rows[0]["n"]) if rows else 0


def history(store: OperationalStore, names: dict[str, str], register: list[Notice],
            marketplace: str, links: list[tuple[str, str]]) -> History:  # fmt: skip
    """The notices before a new one: the lake's register and those filed here (complainant =
    the filing organisation's name, as a register names its rights holders)."""
    out = History(Related(links))
    for notice in register:
        out.add(notice)
    for c in reversed(store.brand_complaints(marketplace=marketplace)):
        decided = day_of(c.decided_at) if c.status in ("upheld", "rejected") else None
        out.add(Notice(names.get(c.organisation, c.organisation), c.seller or "",
                       day_of(c.filed_at) or 0, c.status, decided))  # fmt: skip
    return out


def complaint_facts(
    settings: Settings, store: OperationalStore, *, organisation: str, marketplace: str,
    listing: dict[str, Any], brand: str, no_code_shown: bool, today: dt.date,
) -> ComplaintFacts:  # fmt: skip
    """The facts of a notice ``organisation`` files for ``brand`` against ``listing`` today."""
    names = {o.slug: o.name for o in store.organisations()}
    own = {n.casefold() for n in store.approved_brand_names(organisation)} | {brand.casefold()}
    seller = str(listing.get("seller") or "")
    lake, engine = Lake(settings), open_engine(settings)
    try:
        products = _catalogue(engine, lake, own, store.approved_brand_holders())
        links = _links(engine, lake, marketplace)
        register = _register(engine, lake, marketplace)
        seizures = _seizures(engine, lake, marketplace, seller)
    finally:
        engine.close()
    past = history(store, names, register, marketplace, links)
    day, who = day_of(today) or 0, names.get(organisation, organisation)
    decided, rejected = past.record(who, day + 1)  # decisions made by now, today included
    gtin = listing.get("gtin")
    product = next((p for p in products if gtin and p["gtin"] == gtin), None)
    floors = [p["price_min"] for p in products if p["price_min"] is not None]
    floor = product["price_min"] if product and product["price_min"] else min(floors, default=None)
    price = listing.get("price")
    ratio = float(price) / floor if floor and price is not None else None
    opened = day_of(listing.get("registered"))
    return ComplaintFacts(
        brand=brand,
        listing_claims_brand=str(listing.get("brand") or "").strip().casefold() in own,
        gtin_of_brand=product is not None, brand_in_catalogue=bool(products),
        authorised=any(seller in (p["authorised_sellers"] or []) for p in products),
        price_ratio=ratio if ratio is not None and math.isfinite(ratio) else None,
        no_code_shown=no_code_shown, border_seizures=seizures,
        seller_upheld=past.seller_upheld(seller, day + 1),
        burst_sellers=past.burst(who, seller, day), past_decided=decided, past_rejected=rejected,
        complainant=who, seller_age_days=None if opened is None else day - opened,
    )  # fmt: skip
