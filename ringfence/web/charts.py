"""Vega-Lite specifications of the dashboard charts, built from the ``Dashboard`` model.

Each spec carries its data inline (the model's own values), so the chart shows exactly what the
JSON twin returns; the page also lists the same numbers in a table for readers without JS.
"""

from __future__ import annotations

from typing import Any

from ringfence.service.views.common import CountBy
from ringfence.service.views.dashboard import Dashboard, DayPoint, PrecisionRow

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
ACCENT, DANGER, VIOLET = "#1f6feb", "#e5534b", "#8250df"
OK, WARN, NEUTRAL = "#2da44e", "#d29922", "#8c959f"
# Colours of inspection results: only what was found is in the alarm colour; "clear" is good.
TOP = {"orient": "top", "title": None}  # a legend above the chart
RESULT_COLOURS = {"seized": DANGER, "held": DANGER, "irregular": WARN, "clear": OK}


# One band per day (a bar fills most of its day instead of a 2 px line); dates are UTC days.
DAY_X = {
    "field": "date",
    "type": "temporal",
    "timeUnit": "utcyearmonthdate",
    "title": None,
    "axis": {"format": "%d %b"},
}
DAY_BAR_WIDTH = {"band": 0.8}


def _base(values: list[dict[str, Any]], height: int = 220) -> dict[str, Any]:
    return {"$schema": SCHEMA, "data": {"values": values}, "width": "container", "height": height}


def inspections_over_time(daily: list[DayPoint]) -> dict[str, Any]:
    """Bars: inspections per day; line: hit rate (right axis)."""
    spec = _base([d.model_dump(mode="json") for d in daily])
    x = DAY_X
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": ACCENT, "opacity": 0.45, "width": DAY_BAR_WIDTH},
            "encoding": {
                "x": x,
                "y": {
                    "field": "inspections",
                    "type": "quantitative",
                    "title": "Inspections",
                    "axis": {"tickMinStep": 1, "format": "d"},
                },
                "tooltip": [
                    {"field": "date", "type": "temporal"},
                    {"field": "inspections", "type": "quantitative"},
                    {"field": "positives", "type": "quantitative"},
                ],
            },
        },
        {
            # Straight segments: a smoothed curve draws rates between days that never were.
            "mark": {"type": "line", "color": DANGER, "point": True},
            "encoding": {
                "x": x,
                "y": {
                    "field": "hit_rate",
                    "type": "quantitative",
                    "title": "Hit rate",
                    "axis": {"format": "%"},
                    "scale": {"domain": [0, 1]},
                },
                "tooltip": [
                    {"field": "date", "type": "temporal"},
                    {"field": "hit_rate", "type": "quantitative", "format": ".1%"},
                ],
            },
        },
    ]
    spec["resolve"] = {"scale": {"y": "independent"}}
    return spec


def counts_bar(
    counts: list[CountBy],
    title: str,
    limit: int = 12,
    what: str = "Seizures",
    colours: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Horizontal bars of a ``CountBy`` list (largest first), e.g. seizures by origin;
    ``colours`` colours bars by key (others neutral), e.g. inspection results."""
    values = [c.model_dump(mode="json") for c in counts[:limit]]
    spec = _base(values, height=max(60, 24 * len(values)))
    spec["mark"] = {"type": "bar", "color": DANGER, "cornerRadiusEnd": 3}
    spec["encoding"] = {
        "y": {"field": "key", "type": "nominal", "sort": "-x", "title": None},
        "x": {
            "field": "count",
            "type": "quantitative",
            "title": title,
            "axis": {"tickMinStep": 1, "format": "d"},
        },
        "tooltip": [
            {"field": "key", "type": "nominal", "title": "Key"},
            {"field": "count", "type": "quantitative", "title": what},
            {"field": "value", "type": "quantitative", "title": "Value", "format": ",.0f"},
        ],
    }
    if colours is not None:
        keys = [str(v["key"]) for v in values]
        spec["encoding"]["color"] = {
            "field": "key",
            "type": "nominal",
            "scale": {"domain": keys, "range": [colours.get(k.casefold(), NEUTRAL) for k in keys]},
            "legend": None,  # each bar is labelled on the axis
        }
    return spec


def model_precision(rows: list[PrecisionRow]) -> dict[str, Any]:
    """Hit rate of model picks against exploration picks (bars), with counts in the tooltip."""
    values = [r.model_dump(mode="json") for r in rows if r.precision is not None]
    spec = _base(values, height=44 * max(1, len(values)))
    spec["transform"] = [
        {"calculate": "datum.selected_by === 'exploit' ? 'model' : 'exploration'", "as": "picks"}
    ]
    spec["mark"] = {"type": "bar", "cornerRadiusEnd": 3}
    spec["encoding"] = {
        "y": {"field": "picks", "type": "nominal", "title": None},
        "x": {
            "field": "precision",
            "type": "quantitative",
            "title": "Share positive",
            "axis": {"format": "%"},
            "scale": {"domain": [0, 1]},
        },
        "color": {
            "field": "picks",
            "type": "nominal",
            "legend": None,
            "scale": {"domain": ["model", "exploration"], "range": [ACCENT, VIOLET]},
        },
        "tooltip": [
            {"field": "picks", "type": "nominal", "title": "Picked by"},
            {"field": "picked", "type": "quantitative"},
            {"field": "inspected", "type": "quantitative"},
            {"field": "positives", "type": "quantitative"},
            {"field": "precision", "type": "quantitative", "format": ".1%"},
        ],
    }
    return spec


def exploration_share(share: float | None) -> dict[str, Any]:
    """A donut: the share of queue picks drawn at random (exploration) against model picks."""
    explore = float(share or 0.0)
    values = [
        {"kind": "model picks", "share": round(1.0 - explore, 4)},
        {"kind": "exploration", "share": round(explore, 4)},
    ]
    spec = _base(values, height=180)
    spec["mark"] = {"type": "arc", "innerRadius": 50}
    spec["encoding"] = {
        "theta": {"field": "share", "type": "quantitative"},
        "color": {
            "field": "kind",
            "type": "nominal",
            "title": None,
            "scale": {"domain": ["model picks", "exploration"], "range": [ACCENT, VIOLET]},
        },
        "tooltip": [
            {"field": "kind", "type": "nominal"},
            {"field": "share", "type": "quantitative", "format": ".1%"},
        ],
    }
    return spec


def per_day(values: list[dict[str, Any]], fields: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Bars per day, one layer per (field, title, colour): seizures, or inspections and holds."""
    spec = _base(values)
    x = DAY_X
    legend = (
        {"domain": [t for _, t, _ in fields], "range": [c for _, _, c in fields]}
        if len(fields) > 1
        else None
    )
    spec["layer"] = [
        {
            "mark": {
                "type": "bar",
                "color": colour,
                "opacity": 0.85 if i else 0.45,
                "width": DAY_BAR_WIDTH,
            },
            "encoding": {
                **({"color": {"datum": title, "scale": legend, "legend": TOP}} if legend else {}),
                "x": x,
                "y": {
                    "field": field,
                    "type": "quantitative",
                    "title": " / ".join(t for _, t, _ in fields),
                    "axis": {"tickMinStep": 1, "format": "d"},
                },
                "tooltip": [{"field": "date", "type": "temporal"}]
                + [{"field": f, "type": "quantitative", "title": t} for f, t, _ in fields],
            },
        }
        for i, (field, title, colour) in enumerate(fields)
    ]
    return spec


def _role_charts(model: Dashboard) -> dict[str, dict[str, Any]]:
    """The charts of a brand's or a carrier's dashboard."""
    if model.brand is not None:
        days = [d.model_dump(mode="json") for d in model.brand.by_day]
        return {
            "chart-brand-days": per_day(days, [("seizures", "Seizures", DANGER)]),
            "chart-product": counts_bar(model.brand.by_product, "Seizures"),
            "chart-port": counts_bar(model.brand.by_port, "Seizures"),
            "chart-origin": counts_bar(model.brand.by_origin, "Seizures"),
        }
    if model.carrier is not None:
        days = [d.model_dump(mode="json") for d in model.carrier.by_day]
        layers = [("inspections", "Inspections", ACCENT), ("held", "Held", DANGER)]
        return {
            "chart-carrier-days": per_day(days, layers),
            "chart-results": counts_bar(
                model.carrier.by_result, "Parcels", what="Parcels", colours=RESULT_COLOURS
            ),
        }
    return {}


def dashboard_charts(model: Dashboard) -> dict[str, dict[str, Any]]:
    """Every dashboard chart by its element id, from a ``Dashboard`` model (per its kind)."""
    if model.kind != "customs":
        return _role_charts(model)
    return {
        "chart-inspections": inspections_over_time(model.daily),
        "chart-origin": counts_bar(model.seizures_by_origin, "Seizures"),
        "chart-brand": counts_bar(model.seizures_by_brand, "Seizures"),
        "chart-precision": model_precision(model.model_precision),
        "chart-exploration": exploration_share(model.exploration_share),
    }
