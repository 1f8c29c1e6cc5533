"""Whose products rows speak for a brand (``store/products.py``)."""

from __future__ import annotations

import pyarrow as pa

from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake
from ringfence.store.products import register_products

ROWS = pa.table(
    {
        "organisation": ["brand-np", "brand-lu", "brand-lu", "brand-lu"],
        "brand": ["NorthPeak", "NORTHPEAK", "Lumina", "Nomad"],
        "price_min": [100.0, 1.0, 50.0, 20.0],
    }
)


def _kept(engine: Engine, settings: Settings, holders: set[tuple[str, str]]) -> set[tuple]:
    lake = Lake(settings)
    lake.write_table("products", ROWS, "test")
    assert register_products(engine, lake, holders)
    rows = engine.query("SELECT organisation, brand FROM products").to_pylist()
    return {(r["organisation"], r["brand"]) for r in rows}


def test_a_registered_brand_counts_only_its_holders_rows(engine: Engine, settings: Settings):
    kept = _kept(engine, settings, {("brand-np", "northpeak"), ("brand-lu", "lumina")})
    assert kept == {("brand-np", "NorthPeak"), ("brand-lu", "Lumina"), ("brand-lu", "Nomad")}


def test_letter_case_does_not_dodge_a_registration_and_none_keeps_all(
    engine: Engine, settings: Settings
) -> None:
    assert ("brand-lu", "NORTHPEAK") not in _kept(engine, settings, {("brand-np", "northpeak")})
    assert len(_kept(engine, settings, set())) == 4


def test_no_products_binds_nothing(engine: Engine, settings: Settings) -> None:
    assert not register_products(engine, Lake(settings), {("brand-np", "northpeak")})
