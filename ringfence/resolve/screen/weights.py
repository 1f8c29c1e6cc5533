"""Evidence weights of screening, in bits (log2 odds), from defaults or the saved Splink model.

A screening score is ``sigmoid2(prior + sum of evidence weights)``: each field that agrees or
disagrees adds its weight. The defaults below are of the size the resolution model learns on the
simulated world. When ``models/resolution/splink_settings.json`` exists, each weight is replaced
by ``log2(m / u)`` of the matching comparison level of that model (see ``from_splink``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# Learned weights outside this range come from near-empty levels; clipping them keeps one field
# from deciding a screening result on its own by accident of training.
_MIN_BITS, _MAX_BITS = -8.0, 16.0


@dataclass(frozen=True)
class Weights:
    """Bits each kind of evidence adds to the log-odds of "same party"."""

    # The prior is not taken from Splink: its lambda is the match rate of *random pairs*, while
    # screening only scores candidates retrieved for a shared name or identifier.
    prior: float = -5.0
    name_exact: float = 8.0  # identical names, scaled down for common names (rarity factor)
    name_else: float = -3.0  # names that are not similar at all
    phone_exact: float = 10.0
    phone_else: float = -1.5
    email_exact: float = 10.0
    email_else: float = -1.5
    identifier_exact: float = 12.0
    identifier_else: float = -3.0
    bank_account_exact: float = 10.0
    bank_account_else: float = -1.5
    address_exact: float = 6.0  # street and postcode; a shared warehouse is common enough
    address_else: float = -1.0  # parties move; a different address proves little
    country_exact: float = 1.0
    country_else: float = -2.0
    # One day among ~30,000 in a lifetime span, but twins, namesakes' registers and placeholder
    # dates (1900-01-01) share one: bounded like a contact, not like an identifier.
    birth_date_exact: float = 8.0
    birth_date_else: float = -3.0
    source: str = "defaults"


# Splink comparison output name → the Weights fields for its exact and its else level.
_SPLINK_FIELDS = {
    "name": ("name_exact", "name_else"),
    "phone": ("phone_exact", "phone_else"),
    "email": ("email_exact", "email_else"),
    "identifier": ("identifier_exact", "identifier_else"),
    "bank_account": ("bank_account_exact", "bank_account_else"),
    "address": ("address_exact", "address_else"),
    "country": ("country_exact", "country_else"),
    "birth_date": ("birth_date_exact", "birth_date_else"),
}


def _bits(level: dict[str, Any]) -> float | None:
    """log2(m/u) of a level, or None when the level has no usable probabilities."""
    m, u = level.get("m_probability"), level.get("u_probability")
    if not isinstance(m, int | float) or not isinstance(u, int | float) or m <= 0 or u <= 0:
        return None
    return min(_MAX_BITS, max(_MIN_BITS, math.log2(m / u)))


def _comparison_name(comparison: dict[str, Any]) -> str:
    return str(comparison.get("output_column_name") or comparison.get("comparison_description"))


def from_splink(model: dict[str, Any]) -> Weights:
    """Weights from a Splink settings dict: per comparison, the first non-null level is "exact"
    and the last level is "else"; levels without m/u keep their default."""
    updates: dict[str, float] = {}
    for comparison in model.get("comparisons", []):
        fields = _SPLINK_FIELDS.get(_comparison_name(comparison))
        levels = [
            lv for lv in comparison.get("comparison_levels", []) if not lv.get("is_null_level")
        ]
        if fields is None or len(levels) < 2:
            continue
        for field, level in zip(fields, (levels[0], levels[-1]), strict=True):
            bits = _bits(level)
            if bits is not None:
                updates[field] = round(bits, 3)
    if not updates:
        return Weights()
    return replace(Weights(), source="splink", **updates)


def load_weights(data_dir: Path) -> Weights:
    """Weights from the saved resolution model when it is usable, else the defaults."""
    path = data_dir / "models" / "resolution" / "splink_settings.json"
    if not path.is_file():
        return Weights()
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Weights()
    return from_splink(model) if isinstance(model, dict) else Weights()
