"""Dutch customs' monthly exchange rates, and the carrier's declared values in them.

Customs values declarations in other currencies at an official rate fixed for each month
(units of the currency per euro). The rates drift from month to month (a random walk of about
1.5 % a month around today's level), so a Hong Kong dollar value means a different number of
euros in March than in January; the carrier converts its shippers' euro prices at the month's
rate, and scoring must convert back with the published table to compare values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa

from ringfence.sim.config import CUSTOMS, SimConfig, stream
from ringfence.sim.shipments import CURRENCIES, FX
from ringfence.sim.writers import write_csv

PATH = f"{CUSTOMS}/exchange-rates.csv"
MONTHLY_DRIFT = 0.015


def _months(cfg: SimConfig) -> list[dt.date]:
    """First day of every month the simulated period touches."""
    first, last = cfg.start.replace(day=1), cfg.end()
    months = []
    while first <= last:
        months.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return months


def monthly_rates(cfg: SimConfig) -> np.ndarray:
    """Rates per (currency index, month index), units per euro; the euro is always 1."""
    rng = stream(cfg, "exchange-rates")
    n = len(_months(cfg))
    walk = np.cumsum(rng.normal(0.0, MONTHLY_DRIFT, (len(CURRENCIES), n)), axis=1)
    rates = np.array([FX[c] for c in CURRENCIES])[:, None] * np.exp(walk)
    rates[CURRENCIES.index("EUR")] = 1.0
    return np.round(rates, 4)


def month_index(cfg: SimConfig, day: np.ndarray) -> np.ndarray:
    """Index into ``_months`` of each simulated day."""
    epoch = np.datetime64(cfg.start, "D")
    dates = (epoch + day.astype("timedelta64[D]")).astype("datetime64[M]")
    return (dates - np.datetime64(cfg.start, "M")).astype(np.int64)


def declared_rates(cfg: SimConfig, currency: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The month's rate of each shipment's currency (what the carrier multiplies euros by)."""
    return monthly_rates(cfg)[currency, month_index(cfg, day)]


def write_rates(out: Path, cfg: SimConfig) -> int:
    """Customs' published table: one row per foreign currency and month."""
    rates, months = monthly_rates(cfg), _months(cfg)
    rows = [(c, m, rates[i, j]) for i, c in enumerate(CURRENCIES) if c != "EUR"
            for j, m in enumerate(months)]  # fmt: skip
    table = pa.table({
        "Valuta": [c for c, _, _ in rows],
        "Geldig vanaf": [m.strftime("%d-%m-%Y") for _, m, _ in rows],
        "Koers per EUR": [f"{r:.4f}".replace(".", ",") for _, _, r in rows],
    })  # fmt: skip
    write_csv(table, out / PATH, delimiter=";")
    return len(rows)
