"""Red team (M5, border side): whose brands and products rows speak for a brand in border scoring.

The goods catalogue (``score/goods.py``: brand terms, each brand's genuine price floor and HS
chapters) fed the border scores every organisation's ``brands`` and ``products`` rows. Any
organisation may ingest those feeds, so another brand organisation could lower or raise a
registered brand's price floor, change its HS chapters, or give it new terms: each moves the
border scores of shipments naming it. Where a brand is registered only the holder's rows count;
rows naming unregistered brands count as supplied. Runs on SQLite and PostgreSQL (``settings``).
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from ringfence.score.goods import Catalogue, goods_features, load_catalogue
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from tests.score.world import feed_table

HOLDER, ATTACKER = "brand-np", "brand-x"


def _lake(settings: Settings) -> None:
    lake = Lake(settings)
    brands = {
        "id": ["b1", "b2", "b3", "b4"], "source_key": ["b1", "b2", "b3", "b4"],
        "organisation": [HOLDER, ATTACKER, ATTACKER, ATTACKER],
        "name": ["NorthPeak", "NORTHPEAK", "Fakeco", "Nomad"],
        "aliases": [["North Peak"], ["winter coat"], ["northpeak", "N0rth-Peak Inc."], []],
    }  # fmt: skip
    lake.write_table("brands", feed_table("brands", brands, 4), "test")
    products = {
        "id": ["p1", "p2", "p3", "p4"], "source_key": ["p1", "p2", "p3", "p4"],
        "organisation": [HOLDER, ATTACKER, ATTACKER, ATTACKER],
        "brand": ["NorthPeak", "northpeak", "Fakeco", "Nomad"], "name": ["Jacket"] * 4,
        "price_min": [100.0, 1.0, 500.0, 20.0], "currency": ["EUR"] * 4,
        "hs_codes": [["620193"], ["851712"], ["620193"], ["420292"]],
    }  # fmt: skip
    lake.write_table("products", feed_table("products", products, 4), "test")


def _register(settings: Settings) -> None:
    with OperationalStore.open(settings) as store:
        for slug in (HOLDER, ATTACKER):
            store.ensure_organisation(slug, kind="brand")
        number = store.register_brand(HOLDER, "NorthPeak", ["North Peak"], actor="test")
        store.approve_brand(number, actor="operator")


def _catalogue(settings: Settings) -> Catalogue:
    engine = open_engine(settings)
    try:
        catalogue = load_catalogue(settings, engine)
    finally:
        engine.close()
    assert catalogue is not None
    return catalogue


def test_another_organisation_cannot_speak_for_a_registered_brand(settings: Settings) -> None:
    _lake(settings)
    _register(settings)
    cat = _catalogue(settings)
    # The holder's floor and chapters, not the attacker's 1.0 EUR and chapter 85.
    assert cat.price_min["northpeak"] == pytest.approx(100.0)
    assert cat.chapters["northpeak"] == {"62"}
    # No term from the attacker's rows for the registered name: neither a new alias of
    # NorthPeak nor "northpeak" (or a look-alike spelling) as an alias of its own brand.
    terms = set(zip(cat.terms, cat.term_brand, strict=True))
    assert ("winter coat", "northpeak") not in terms
    assert ("northpeak", "fakeco") not in terms
    assert not any(brand == "fakeco" and "rth" in term for term, brand in terms)
    assert {("northpeak", "northpeak"), ("north peak", "northpeak")} <= terms
    # What a border score sees: a 20 EUR NorthPeak jacket is a fifth of the genuine floor.
    table = pa.table({"description": ["NorthPeak jacket", "winter coat"],
                      "hs_code": ["620193", "620193"], "unit_value": [20.0, 20.0]})  # fmt: skip
    out = goods_features(table, cat)
    assert out["brand_price_ratio"][0] == pytest.approx(0.2)
    assert out["brand_hs_mismatch"][0] == 0.0
    assert out["brand_exact"][1] == 0.0


def test_unregistered_brands_keep_every_organisations_rows(settings: Settings) -> None:
    _lake(settings)
    _register(settings)
    cat = _catalogue(settings)
    assert cat.price_min["nomad"] == pytest.approx(20.0)
    assert cat.price_min["fakeco"] == pytest.approx(500.0)
    assert ("fakeco", "fakeco") in set(zip(cat.terms, cat.term_brand, strict=True))


def test_without_registrations_the_whole_catalogue_counts(settings: Settings) -> None:
    _lake(settings)
    cat = _catalogue(settings)
    assert cat.price_min["northpeak"] == pytest.approx(1.0)
    assert cat.chapters["northpeak"] == {"62", "85"}
