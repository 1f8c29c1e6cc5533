"""Explanations an officer can read: the features that pushed a score up most (LightGBM
``pred_contrib``) and the rules that fired, each in words with its contribution in log-odds."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ringfence.score.consignees import FEATURE as CONSIGNEES_AT_ADDRESS
from ringfence.score.consignees import WINDOW_DAYS
from ringfence.score.keys import GOODS_KEYS, PARTY_KEYS
from ringfence.score.rules import Rule, reason_text

SUBJECTS = {
    **{name: f"the {name}" for name in PARTY_KEYS},
    "hs6": "this HS code",
    "hs2": "this HS chapter",
    "origin": "this origin country",
    "departure": "this departure country",
    "route": "this route (origin to departure)",
    "port": "this port or office",
    "origin_hs6": "these goods from this origin",
    "importer_hs6": "this importer with these goods",
    "route_hs6": "these goods on this route",
    "hs6_value": "these goods at this declared value",
    "declarant_importer": "this declarant for this importer",
    "seller_importer": "this seller with this importer",
    "port_importer": "this importer at this office",
    "port_hs6": "these goods at this office",
}
assert set(GOODS_KEYS) <= set(SUBJECTS)
# Network risk in words, by its floor: 0.75 is a tenth of a typical seed's PageRank mass, 0.5 a
# hundredth (docs/network.md).
NETWORK_WORDS = ((0.75, "close to"), (0.5, "linked to"), (-math.inf, "far from"))
_HISTORY = re.compile(
    r"^(?P<key>[a-z0-9_]+?)_(?P<kind>rate|positives|inspections)(?P<label>_\w+)?$"
)
_PARTY = re.compile(
    r"^(?P<key>[a-z]+)_(?P<kind>volume_7d|volume_30d|past_shipments|days_known|watchlisted|network_risk)$"
)
# Entity counts of the other keys and top-decile flags (features.SHIPMENT_COUNTS / TOP_DECILES).
_COUNT = re.compile(r"^(?P<key>[a-z0-9_]+?)_past_shipments$")
_DECILE = re.compile(r"^(?P<key>[a-z0-9_]+?)_top_decile(?P<label>_\w+)?$")


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _history_words(key: str, label: str | None, row: Mapping[str, Any]) -> str:
    n = _num(row.get(f"{key}_inspections"))
    pos = _num(row.get(f"{key}_positives{label or ''}"))
    what = f" for {label.lstrip('_')}" if label else ""
    subject = _capital(SUBJECTS.get(key, key))
    if not n or math.isnan(n):
        return f"{subject} has no past inspections{what}"
    return f"{subject} had {pos:.0f} of {n:.0f} past inspections positive{what}"


def _party_words(key: str, kind: str, value: float) -> str:
    subject = _capital(SUBJECTS.get(key, key))
    if kind == "watchlisted":
        on = "is on" if value == 1 else "is not on"
        return f"{subject} {on} a partner's watchlist of confirmed counterfeiters"
    if math.isnan(value):
        return f"{subject} is not known"
    if kind == "network_risk":
        near = next(words for floor, words in NETWORK_WORDS if value >= floor)
        return (
            f"{subject}'s entity is {near} confirmed counterfeiters in the network"
            f" (risk {value:.2f})"
        )
    if kind == "days_known":
        return f"{subject} was first seen {value:.0f} days earlier"
    if kind == "past_shipments":
        return f"{subject} had {value:.0f} earlier shipments"
    days = kind.split("_")[1]
    return f"{subject} sent {value:.0f} shipments in the previous {days.rstrip('d')} days"


def feature_words(name: str, row: Mapping[str, Any], rules: Mapping[str, Rule]) -> str:
    """One feature of one shipment, in words."""
    value = _num(row.get(name))
    if name.startswith("rule_") and name[5:] in rules:
        rule = rules[name[5:]]
        state = "fired" if value else "did not fire"
        return f"rule '{rule.name}' {state}" + (f": {reason_text(rule, row)}" if value else "")
    if (match := _HISTORY.match(name)) and match["key"] in SUBJECTS:
        return _history_words(match["key"], match["label"], row)
    if match := _PARTY.match(name):
        return _party_words(match["key"], match["kind"], value)
    if (match := _COUNT.match(name)) and match["key"] in SUBJECTS:
        return _party_words(match["key"], "past_shipments", value)
    if (match := _DECILE.match(name)) and match["key"] in SUBJECTS:
        among = "is among" if value == 1 else "is not among"
        what = f" for {match['label'].lstrip('_')}" if match["label"] else ""
        subject = _capital(SUBJECTS[match["key"]])
        return f"{subject} {among} the tenth with the highest past positive rate{what}"
    if name == "transshipment":
        return _route_words(value, row)
    return _value_words(name, value)


def _value_words(name: str, value: float) -> str:
    if math.isnan(value):
        return f"{name.replace('_', ' ')} is missing"
    words = {
        "unit_value_z": f"unit value is {value:+.1f} standard deviations from this HS code's past",
        "unit_value_log_ratio": f"unit value is {math.exp(value):.2f}× this HS code's usual",
        "log_unit_value": f"unit value is {math.exp(value):,.2f}",
        "log_declared_value": f"declared value is {math.expm1(value):,.0f}",
        "log_weight_kg": f"weight is {math.expm1(value):,.1f} kg",
        "log_quantity": f"quantity is {math.expm1(value):,.0f}",
        "value_at_stake_ratio": f"duty and tax at stake are {100 * value:.1f}% of the value",
        "rules_score": f"rules score is {value:.1f}",
        "brand_match_score": f"description resembles a protected brand ({value:.0f}/100)",
        "brand_exact": "description names a protected brand"
        if value
        else "description does not name a protected brand exactly",
        "brand_misspelt": "description has a misspelt protected brand name"
        if value
        else "description has no misspelt brand name",
        "brand_price_ratio": f"unit value is {value:.2f}× the brand's lowest genuine price",
        "brand_hs_mismatch": "HS code unlike the brand's genuine products"
        if value
        else "HS code matches the brand's genuine products",
        "transit_legs": f"{_legs(value)} before entry" if value else "no transit legs",
        CONSIGNEES_AT_ADDRESS: f"{value:.0f} different consignees received shipments at the "
        f"consignee's address in the previous {WINDOW_DAYS} days",
    }
    return words.get(name, f"{name.replace('_', ' ')} is {value:,.3g}")


def _route_words(value: float, row: Mapping[str, Any]) -> str:
    """Transshipment in words, naming the countries."""
    origin, departure = row.get("origin_country"), row.get("departure_country")
    legs = _num(row.get("transit_legs"))
    if math.isnan(value):
        return "origin or departure country is missing"
    if not value:
        return f"goods leave from their country of origin ({origin})"
    via = f" with {_legs(legs)}" if legs and not math.isnan(legs) else ""
    if origin != departure:
        return f"goods made in {origin} leave from {departure}{via} (transshipment)"
    return f"goods routed{via} (transshipment)"


def explain_row(
    contributions: np.ndarray,
    names: list[str],
    row: Mapping[str, Any],
    rules: list[Rule],
    fired: np.ndarray,
    top: int = 5,
) -> list[str]:
    """Reasons for one shipment: the ``top`` features raising its score, then the rules fired.

    ``contributions`` is the row of ``pred_contrib`` (features then bias). Several features of one
    family (rate, positives, inspections of the importer) say the same thing in words, so their
    contributions are summed under one sentence. When a party's network risk is among them, the
    party's ``<role>_network_path`` (its chain of links to a known counterfeiter or seizure)
    follows.
    """
    by_rule = {r.name: r for r in rules}
    sentences: dict[str, float] = {}
    network: dict[str, str] = {}  # sentence -> party role
    for j in np.argsort(-contributions[:-1]):
        text = feature_words(names[j], row, by_rule)
        sentences[text] = sentences.get(text, 0.0) + float(contributions[j])
        if names[j].endswith("_network_risk"):
            network.setdefault(text, names[j].removesuffix("_network_risk"))
    ranked = sorted(sentences.items(), key=lambda item: -item[1])
    shown = [(text, c) for text, c in ranked[:top] if c > 0]
    reasons = [f"{text} ({c:+.2f})" for text, c in shown]
    # When a party's network risk raised the score, say (right after it) how that party reaches
    # a known counterfeiter or seizure.
    for i, (text, _) in enumerate(shown):
        path = row.get(f"{network[text]}_network_path") if text in network else None
        if path:
            reasons.insert(i + 1, f"Network path from the {network[text]}: {path}")
            break
    reasons += [
        f"rule '{rule.name}': {reason_text(rule, row)}"
        for rule, hit in zip(rules, fired, strict=True)
        if hit and not any(f"'{rule.name}'" in r for r in reasons)
    ]
    if not reasons:
        reasons.append(f"nothing raised the score; {ranked[0][0]} ({ranked[0][1]:+.2f})")
    return reasons


def _legs(count: float) -> str:
    return f"{count:.0f} transit leg" + ("" if count == 1 else "s")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
