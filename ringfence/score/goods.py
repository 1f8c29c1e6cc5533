"""Goods and brand signals: does a description name a protected brand (or a misspelling of it), is
the unit value below the brand's genuine price range, is the HS code unlike the brand's products?

Brands and products are reference data supplied by rights holders, not outcomes, so reading the
current catalogue is no leakage. Matching runs once per distinct description (rapidfuzz), so a
million shipments with repeated wording cost little. Without brands in the lake there are no goods
features at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process

from ringfence.score.currency import latest_rates_sql, register_rates
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake
from ringfence.store.operational.brand_names import brand_key
from ringfence.store.products import brand_holders, register_products

# Partial-ratio score (0-100) from which a description is taken to mention a brand.
MATCH_THRESHOLD = 85.0
GOODS_FEATURES = (
    "brand_match_score",
    "brand_misspelt",
    "brand_exact",
    "brand_price_ratio",
    "brand_hs_mismatch",
)


@dataclass
class Catalogue:
    """Protected brand terms and each brand's genuine price floor and HS chapters."""

    terms: list[str] = field(default_factory=list)  # lower-case names and aliases
    term_brand: list[str] = field(default_factory=list)
    price_min: dict[str, float] = field(default_factory=dict)
    chapters: dict[str, set[str]] = field(default_factory=dict)


def load_catalogue(settings: Settings, engine: Engine) -> Catalogue | None:
    """The brand catalogue from the lake, or None when no brands were ingested.

    Where a brand is registered only its holder's ``brands`` and ``products`` rows speak for it
    (``store/products.py``): another organisation's rows can neither move its price floor or HS
    chapters nor give it, or a brand of their own, its registered names as terms.
    """
    lake = Lake(settings)
    if not lake.register(engine, "brands"):
        return None
    holders = brand_holders(settings)
    cat = Catalogue()
    _add_terms(cat, engine.query("SELECT organisation, name, aliases FROM brands"), holders)
    if register_products(engine, lake, holders):
        register_rates(settings, engine)  # prices in the base currency, at the latest rate
        sql = (
            "SELECT p.brand, p.hs_codes, p.price_min / coalesce(fx.rate, 1.0) AS price_min"
            f" FROM products p LEFT JOIN ({latest_rates_sql()}) fx ON fx.currency = p.currency"
            " WHERE p.brand IS NOT NULL"
        )
        for row in engine.query(sql).to_pylist():
            brand = row["brand"].lower()
            if row["price_min"] is not None and row["price_min"] > 0:
                floor = min(cat.price_min.get(brand, np.inf), row["price_min"])
                cat.price_min[brand] = float(floor)
            cat.chapters.setdefault(brand, set()).update(h[:2] for h in row["hs_codes"] or [])
    return cat if cat.terms else None


def _add_terms(cat: Catalogue, rows: pa.Table, holders: set[tuple[str, str]]) -> None:
    """Each brands row's name and aliases as terms, but no registered name (or a look-alike of
    one, ``brand_key``) from a row of another organisation than its holder, and no row whose
    brand is registered to another."""
    held: dict[str, set[str]] = {}
    for organisation, name in holders:
        held.setdefault(brand_key(name), set()).add(organisation)

    def foreign(name: str, organisation: str) -> bool:
        return organisation not in held.get(brand_key(name), {organisation})

    for row in rows.to_pylist():
        if not row["name"] or foreign(row["name"], row["organisation"]):
            continue
        for term in {row["name"], *(row["aliases"] or [])}:
            if term and len(term.strip()) >= 3 and not foreign(term, row["organisation"]):
                cat.terms.append(term.strip().lower())
                cat.term_brand.append(row["name"].lower())


def _best_brand(text: str, cat: Catalogue) -> tuple[str | None, float, bool]:
    lowered = text.lower()
    exact = [i for i, t in enumerate(cat.terms) if t in lowered]
    if exact:
        return cat.term_brand[exact[0]], 100.0, True
    hit = process.extractOne(lowered, cat.terms, scorer=fuzz.partial_ratio)
    if hit is None or hit[1] < MATCH_THRESHOLD:
        return None, float(hit[1]) if hit else 0.0, False
    return cat.term_brand[hit[2]], float(hit[1]), False


def goods_features(table: pa.Table, cat: Catalogue) -> dict[str, np.ndarray]:
    """The goods features for a feature table holding ``description``, ``hs_code`` and
    ``unit_value`` columns."""
    descriptions = table.column("description").to_pylist()
    matches = {d: _best_brand(d, cat) for d in set(descriptions) if d}
    rows = table.num_rows
    out = {name: np.full(rows, np.nan) for name in GOODS_FEATURES}
    hs = table.column("hs_code").to_pylist()
    unit = table.column("unit_value").to_numpy(zero_copy_only=False)
    for i, desc in enumerate(descriptions):
        if not desc:
            continue
        brand, score, exact = matches[desc]
        out["brand_match_score"][i] = score
        out["brand_exact"][i] = float(exact)
        out["brand_misspelt"][i] = float(brand is not None and not exact)
        if brand is None:
            continue
        floor = cat.price_min.get(brand)
        if floor and unit[i] is not None and np.isfinite(unit[i]):
            out["brand_price_ratio"][i] = unit[i] / floor
        chapters = cat.chapters.get(brand)
        if chapters and hs[i]:
            out["brand_hs_mismatch"][i] = float(hs[i][:2] not in chapters)
    return out
