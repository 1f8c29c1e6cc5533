"""Seller scores explained in words: the features that raised a seller's score most (LightGBM
``pred_contrib``), one sentence per feature family, with its contribution in log-odds."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ringfence.score.explain import NETWORK_WORDS

KIND_WORDS = {
    "device": "a device",
    "payment": "a payment instrument",
    "ip": "an IP address",
    "warehouse": "a warehouse",
    "product": "a product",
}


def _n(value: float, one: str, many: str) -> str:
    return f"{value:.0f} {one if value == 1 else many}"


def _signal(name: str, value: float) -> str:
    what = name.removeprefix("signal_").replace("_", " ")
    return f"signal '{what}' is {value:,.3g}"


def _neighbour(name: str, value: float) -> str:
    hops, _, rest = name.partition("_")
    stat, _, base = rest.partition("_")
    base = base.removeprefix("signal_").replace("_", " ")
    which = {"max": "highest", "std": "spread of", "mean": "average"}.get(stat, stat)
    if hops == "nbr2":
        return f"two links away, the {which} '{base}' is {value:,.3g}"
    return f"linked accounts' {which} '{base}' is {value:,.3g}"


def _known(name: str, value: float) -> str:
    strong = name.startswith("shared_device_payment_ip_")
    via = " sharing a device, payment instrument or IP" if strong else ""
    kind = name.removeprefix("shared_device_payment_ip_")
    if kind == "known_bad":
        return f"{_n(value, 'linked account', 'linked accounts')}{via} confirmed counterfeit"
    if kind == "known_bad_2hop":
        return f"{_n(value, 'account', 'accounts')} two links away{via} confirmed counterfeit"
    share = "of its linked accounts" if kind == "known_bad_share" else "of its reviewed links"
    return f"{100 * value:.0f}% {share}{via} confirmed counterfeit"


WORDS = {
    "account_age_days": lambda v: f"account opened {v:,.0f} days earlier",
    "listings": lambda v: f"{_n(v, 'listing', 'listings')}",
    "listings_unauthorised": lambda v: (
        f"{_n(v, 'listing claims', 'listings claim')} a brand it is not authorised for"
    ),
    "listings_below_genuine": lambda v: (
        f"{_n(v, 'listing is', 'listings are')} priced far below the brand's genuine range"
    ),
    "listings_protected": lambda v: (
        f"{_n(v, 'listing gives', 'listings give')} the GTIN of a protected product"
    ),
    "listings_min_price_ratio": lambda v: (
        f"cheapest branded listing at {v:.2f}x the brand's lowest genuine price"
    ),
    "notices": lambda v: f"{_n(v, 'notice', 'notices')} filed against its listings",
    "notices_upheld": lambda v: f"{_n(v, 'notice', 'notices')} upheld",
    "notices_rejected": lambda v: f"{_n(v, 'notice', 'notices')} rejected",
    "links_degree": lambda v: f"linked to {_n(v, 'other account', 'other accounts')}",
    "links_weight": lambda v: f"summed link weight {v:.1f}",
    "entity_border_seizures": lambda v: (
        f"its resolved entity had {_n(v, 'shipment', 'shipments')} seized at the border"
    ),
}


def feature_words(name: str, value: float) -> str:
    """One seller feature in words."""
    if math.isnan(value):
        return f"{name.replace('_', ' ')} is unknown"
    if name in WORDS:
        return WORDS[name](value)
    if name.startswith("links_") and name[6:] in KIND_WORDS:
        return f"shares {KIND_WORDS[name[6:]]} with {_n(value, 'other account', 'other accounts')}"
    if name.startswith("signal_"):
        return _signal(name, value)
    if name.startswith(("nbr_", "nbr2_")):
        return _neighbour(name, value)
    if "known_bad" in name:
        return _known(name, value)
    if name == "entity_network_risk":
        near = next(words for floor, words in NETWORK_WORDS if value >= floor)
        return f"its resolved entity is {near} confirmed counterfeiters (risk {value:.2f})"
    return f"{name.replace('_', ' ')} is {value:,.3g}"


def explain(
    contributions: np.ndarray, names: list[str], row: Mapping[str, float], top: int = 3
) -> str:
    """The ``top`` features raising one seller's score, joined by ``; ``."""
    ranked = np.argsort(-contributions[:-1])
    shown = [
        f"{feature_words(names[j], float(row[names[j]]))} ({contributions[j]:+.2f})"
        for j in ranked[:top]
        if contributions[j] > 0
    ]
    return "; ".join(shown) or "nothing raised the score"
