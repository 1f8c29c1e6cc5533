"""Dashboard figures that read right: value seized per currency, the carrier's "clear" results
not in the alarm colour, a legend where two series share a chart."""

from __future__ import annotations

from ringfence.service.views.common import CountBy
from ringfence.service.views.dashboard import values_by_currency
from ringfence.web.charts import DANGER, OK, counts_bar, per_day


def test_value_seized_is_kept_per_currency() -> None:
    seized = [
        {"value": 100.0, "currency": "eur"},
        {"value": 40.5, "currency": "USD"},
        {"value": 300.0, "currency": "EUR"},
        {"value": 5.0},
        {"value": None, "currency": "GBP"},
    ]
    assert values_by_currency(seized) == {"EUR": 400.0, "USD": 40.5, "": 5.0}


def test_clear_results_are_not_drawn_in_the_alarm_colour() -> None:
    counts = [CountBy(key="clear", count=1200), CountBy(key="seized", count=4)]
    spec = counts_bar(counts, "Parcels", colours={"clear": OK, "seized": DANGER})
    scale = spec["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        "clear": OK,
        "seized": DANGER,
    }


def test_two_series_on_one_chart_have_a_legend() -> None:
    fields = [("inspections", "Inspections", "#1f6feb"), ("held", "Held", DANGER)]
    spec = per_day([{"date": "2025-02-01", "inspections": 3, "held": 1}], fields)
    colours = [layer["encoding"]["color"] for layer in spec["layer"]]
    assert [c["datum"] for c in colours] == ["Inspections", "Held"]
    assert colours[0]["scale"] == {"domain": ["Inspections", "Held"], "range": ["#1f6feb", DANGER]}
    single = per_day([{"date": "2025-02-01", "seizures": 1}], [("seizures", "Seizures", DANGER)])
    assert "color" not in single["layer"][0]["encoding"]
