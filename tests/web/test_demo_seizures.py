"""The demo records its seizures as an officer would: brand, goods, units, value and currency,
so no dashboard shows an "unknown" product."""

from __future__ import annotations

from ringfence.demo import DEMO_CUSTOMS, seizure_details
from ringfence.store.operational import OperationalStore
from tests.worlds import PreparedWorld


def test_demo_seizures_carry_brand_goods_units_and_value(web_world: PreparedWorld) -> None:
    with OperationalStore.open(web_world.settings) as store:
        seized = [
            o
            for o in store.recorded_outcomes(DEMO_CUSTOMS)
            # the demo's own; browser tests sharing this world record bare seizures of their own
            if o.result == "seized" and o.positive and o.recorded_by == "demo-officer"
        ]
    assert seized, "the demo's officers seize something"
    for outcome in seized:
        details = outcome.details or {}
        missing = {"brand", "goods_found", "units", "value", "currency"} - set(details)
        assert not missing, f"seizure {outcome.id} lacks {sorted(missing)}"


def test_seizure_details_leave_out_what_the_declaration_does_not_say() -> None:
    declared = {"description": "earbuds", "quantity": 40.0, "declared_value": None, "currency": ""}
    assert seizure_details({"brand": "Auricle"}, declared) == {
        "brand": "Auricle",
        "goods_found": "earbuds",
        "units": 40,
    }
    assert seizure_details({"brand": "Auricle"}, None) == {"brand": "Auricle"}
