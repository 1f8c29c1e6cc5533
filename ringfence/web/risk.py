"""Risk as an officer reads it: a band, a probability that discriminates, reasons in plain words.

The models are calibrated (a 20 % shipment is positive about one time in five), so the bands are
fixed probability ranges, the same on every page and day:

- **high** (≥ 50 %: more likely positive than not) — the only band drawn in the alarm colour;
- **elevated** (5–50 %: at least one such shipment in twenty is positive, several times the
  usual hit rate of a random inspection);
- **low** (< 5 %).

Percentages keep a decimal where whole numbers would hide the difference (below 10 % and above
90 %), so two shipments read "0.4 %" and "3.1 %" rather than "0 %" and "3 %", and nothing reads
"100 %" unless it is.

A model reason ends with its weight, e.g. ``unit value is 0.31× this HS code's usual (+0.91)``:
the amount the reason added to the model's log-odds for the label. It is shown as "raises risk
0.91" / "lowers risk 0.30" with the explanation in a tooltip and in the legend under the queue.
Reason chips are coloured only where an officer should act on them: a party on a watchlist of
confirmed counterfeiters (red) and a customs rule that fired (amber); everything else is neutral.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

BANDS = ((0.5, "high", "High"), (0.05, "elevated", "Elevated"), (0.0, "low", "Low"))
BAND_LEGEND = ", ".join(
    f"{label} ≥ {100 * floor:g} %" if floor else f"{label} below" for floor, _, label in BANDS
)
WEIGHT_HELP = (
    "How much this reason moved the model's score for the label (its contribution to the "
    "log-odds): positive raises the risk, negative lowers it."
)
_WEIGHT = re.compile(r"^(?P<text>.*?)\s*\((?P<weight>[+-]\d+(?:\.\d+)?)\)$")


@dataclass(frozen=True)
class Band:
    """A risk band: its CSS key and its name."""

    key: str
    label: str


def risk_band(probability: float | None) -> Band:
    """The band of a calibrated probability (unknown reads as low)."""
    p = float(probability or 0.0)
    for floor, key, label in BANDS:
        if p >= floor:
            return Band(key, label)
    return Band("low", "Low")


def risk_percent(probability: float | None) -> str:
    """A probability as a percentage that keeps small differences: 0.004 → '0.4%'."""
    if probability is None:
        return "—"
    p = 100.0 * float(probability)
    if p >= 99.95:
        return "> 99.9%" if p < 100.0 else "100%"
    if 0.0 < p < 0.05:
        return "< 0.1%"
    if p < 10.0 or p > 90.0:
        return f"{p:.1f}%"
    return f"{p:.0f}%"


@dataclass(frozen=True)
class Reason:
    """One reason as shown: its words, its kind (CSS class), and its weight if a model's."""

    text: str
    kind: str
    weight: float | None

    @property
    def direction(self) -> str:
        """'raises risk' / 'lowers risk' for a weighted reason, else ''."""
        if self.weight is None:
            return ""
        return "raises risk" if self.weight >= 0 else "lowers risk"


def reason_kind(text: str) -> str:
    """'watchlist' (a party is on a watchlist), 'rule' (a rule fired), 'network', else 'model'."""
    lowered = text.casefold()
    listed = "is on a partner's watchlist" in lowered or "watchlisted by" in lowered
    if listed or lowered.startswith("watchlist"):  # before "network path": a listed shipper
        return "watchlist"
    if lowered.startswith("rule '") and "did not fire" not in lowered:
        return "rule"
    if "confirmed counterfeiter" in lowered or lowered.startswith("network path"):
        return "network"
    return "model"


def reason(value: Any) -> Reason:
    """A reason (text, or a JSON-able value) split into words, kind and weight."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    found = _WEIGHT.match(text)
    words, weight = (found["text"], float(found["weight"])) if found else (text, None)
    return Reason(words, reason_kind(words), weight)


def guess_brand(description: str | None, brands: list[str]) -> str:
    """The registered brand a declaration's description names ('' if none or several)."""
    text = " ".join(str(description or "").split()).casefold()
    named = [b for b in brands if b and b.casefold() in text]
    longest = max(named, key=len, default="")
    return longest if all(b.casefold() in longest.casefold() for b in named) else ""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 shipment', '2 shipments' (thin-space thousands)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,}".replace(",", "\u202f") + f" {word}"


def picked_for_value(tasks: list[Any]) -> set[int]:
    """Ids of the model-picked tasks ranked above a riskier one: the queue is ranked by expected
    value (risk × value at stake), so such a task is there mainly for its value at stake."""
    picked = sorted((t for t in tasks if t.selected_by != "explore"), key=lambda t: t.rank)
    found: set[int] = set()
    riskiest_below = -1.0
    for task in reversed(picked):
        if float(task.probability or 0.0) < riskiest_below:
            found.add(task.id)
        riskiest_below = max(riskiest_below, float(task.probability or 0.0))
    return found
