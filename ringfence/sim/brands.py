"""Protected brands, their genuine products and trademarks (all invented)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from stdnum import ean

from ringfence.sim.config import SimConfig, stream


@dataclass(frozen=True)
class BrandSpec:
    """What a brand sells and what fakes of it look like on paper."""

    name: str
    owner: str
    country: str
    org: str | None  # partner organisation that owns it, if any
    gs1_prefix: str
    hs_codes: tuple[str, ...]
    goods: tuple[str, ...]  # generic words for its goods
    price: tuple[float, float]  # genuine unit price range, EUR
    unit_kg: float
    made_in: tuple[str, ...]
    misspellings: tuple[str, ...]
    nice_classes: tuple[str, ...]
    models: tuple[str, ...]


BRAND_SPECS: tuple[BrandSpec, ...] = (
    BrandSpec("NorthPeak", "NorthPeak Outdoor AS", "NO", "brand-northpeak", "709",
              ("620193", "620293", "650500"), ("jacket", "down coat", "beanie"), (120.0, 450.0),
              0.9, ("VN", "CN", "BD"), ("Nortpeak", "N0rthPeak", "North Peek", "NORTH-PEAK"),
              ("25", "18"), ("Summit Down Jacket", "Fjord Shell", "Ridge Beanie", "Arctic Parka")),
    BrandSpec("Glacier Line", "NorthPeak Outdoor AS", "NO", "brand-northpeak", "709",
              ("640391", "640419"), ("hiking boots", "trail shoes"), (110.0, 260.0), 1.3,
              ("VN", "IT"), ("Glacierline", "Glaicer Line", "GL4CIER"), ("25",),
              ("Trail Runner", "Alpine Boot GTX")),
    BrandSpec("Lumina", "Lumina Beauté SA", "FR", "brand-lumina", "300",
              ("330300", "330499"), ("perfume", "face cream", "lipstick"), (35.0, 140.0), 0.25,
              ("FR",), ("Lumena", "Lumlna", "LUMINNA", "Luminaa"), ("3",),
              ("Nuit Eau de Parfum", "Éclat Serum", "Rouge Velours", "Aube Day Cream")),
    BrandSpec("Velocita", "Velocita Sport S.p.A.", "IT", None, "800",
              ("640411", "640399"), ("sneakers", "running shoes"), (90.0, 220.0), 0.9,
              ("VN", "ID"), ("Velocitta", "Vel0cita", "VELOCYTA"), ("25",),
              ("Corsa 3", "Strada Low", "Volo Runner")),
    BrandSpec("Orrery", "Orrery Horlogerie SA", "CH", None, "761",
              ("910211", "910111"), ("watch", "wrist watch"), (250.0, 4000.0), 0.15,
              ("CH",), ("Orery", "0rrery", "ORRERI"), ("14",),
              ("Meridian Automatic", "Lune Chrono")),
    BrandSpec("Kestrel Audio", "Kestrel Audio Inc.", "US", None, "081",
              ("851830", "851822"), ("earbuds", "headphones"), (80.0, 300.0), 0.12,
              ("CN", "VN"), ("Kestral Audio", "K-estrel", "KESTREL AUDlO"), ("9",),
              ("Pods Pro", "Studio Over-Ear", "Air Buds 2")),
    BrandSpec("Maison Verel", "Maison Verel SAS", "FR", None, "301",
              ("420221", "420231"), ("handbag", "wallet"), (300.0, 2500.0), 0.8,
              ("FR", "IT"), ("Maison Verell", "M. Verel", "MAISON VEREL PARIS"), ("18",),
              ("Le Sac Mini", "Portefeuille Long", "Cabas 32")),
    BrandSpec("Tindra", "Tindra Toys A/S", "DK", None, "570",
              ("950300",), ("building blocks", "toy set"), (20.0, 90.0), 0.7,
              ("DK", "CN", "MX"), ("Tindar", "T1ndra", "TINDRA BLOCKS"), ("28",),
              ("Castle Set", "Space Station", "City Bus")),
    BrandSpec("Auricle", "Auricle Electronics Co.", "KR", None, "880",
              ("850440", "851762"), ("charger", "power adapter"), (20.0, 60.0), 0.15,
              ("CN", "VN"), ("Auricel", "Aurlcle", "AURICLE-POWER"), ("9",),
              ("65W Charger", "Wireless Pad", "Car Adapter")),
    BrandSpec("Brixa", "Brixa Sportswear GmbH", "DE", None, "400",
              ("611030", "610910"), ("football jersey", "training top"), (60.0, 110.0), 0.25,
              ("TH", "VN"), ("Brixxa", "Brlxa", "BRIXA FC"), ("25", "28"),
              ("Home Jersey 25/26", "Away Jersey 25/26", "Training Top")),
)


@dataclass(frozen=True)
class Product:
    """A genuine product."""

    id: str
    brand: int  # index into BRAND_SPECS
    name: str
    gtin: str
    hs_code: str
    price_min: float
    price_max: float
    unit_kg: float
    made_in: tuple[str, ...]
    authorised_sellers: list[str] = field(default_factory=list)


def _gtin(prefix: str, brand: int, n: int) -> str:
    body = f"{prefix}{brand:02d}{n:07d}"[:12]
    return body + ean.calc_check_digit(body)


def make_products(cfg: SimConfig) -> list[Product]:
    """Every brand's products, with a price band inside the brand's range."""
    rng = stream(cfg, "products")
    products = []
    for b, spec in enumerate(BRAND_SPECS):
        lo, hi = spec.price
        for i, model in enumerate(spec.models):
            p_lo = float(np.round(lo + (hi - lo) * rng.uniform(0.0, 0.5), 0))
            p_hi = float(np.round(p_lo + (hi - p_lo) * rng.uniform(0.3, 1.0), 0))
            products.append(Product(
                id=f"P{b:02d}{i:02d}", brand=b, name=f"{spec.name} {model}",
                gtin=_gtin(spec.gs1_prefix, b, 1000 + i * 37), hs_code=spec.hs_codes[
                    i % len(spec.hs_codes)], price_min=p_lo, price_max=p_hi,
                unit_kg=spec.unit_kg * float(rng.uniform(0.7, 1.3)), made_in=spec.made_in))
    return products


def trademarks(brand: int) -> list[dict[str, object]]:
    """The registrations of a brand: an EU mark and an international one per brand."""
    spec = BRAND_SPECS[brand]
    regs = [("EUIPO", f"0{18_000_000 + brand * 131_071:09d}"),
            ("WIPO", f"{1_400_000 + brand * 7919}")]
    return [{"office": office, "number": number, "mark": spec.name.upper(),
             "classes": spec.nice_classes} for office, number in regs]
