"""Money in one currency: declared values converted with official exchange rates.

A parcel declared in Hong Kong dollars and a brand's price list in euros cannot be compared as
numbers; nor can unit values of one HS code declared in five currencies. Customs value
declarations with published rate tables (usually monthly), each valid until the next; the
``exchange_rates`` feed holds them. Here they become intervals ``[from_day, to_day)`` per currency,
in a small table built in Python so that DuckDB and Spark read the same thing, and the feature
SQL joins each shipment to the one interval containing its date with plain comparisons (an
equality and two ranges, which both engines run as a hash join). Before a currency's first rate
that rate applies; a currency with no rate at all is left as declared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ringfence.model.feeds import feed
from ringfence.score.history import day_number
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake

# Open ends of the first and last interval, in days since 1970.
FIRST_DAY, LAST_DAY = -1_000_000, 1_000_000
FX_SCHEMA = pa.schema(
    [("currency", pa.string()), ("from_day", pa.int64()), ("to_day", pa.int64()),
     ("rate", pa.float64())]
)  # fmt: skip


def rate_intervals(rates: pa.Table) -> pa.Table:
    """``currency, from_day, to_day, rate`` from rows ``currency, day, rate`` (several rates on
    one day are averaged)."""
    frame = rates.to_pandas().groupby(["currency", "day"], as_index=False)["rate"].mean()
    frame = frame.sort_values(["currency", "day"])
    nxt = frame.groupby("currency")["day"].shift(-1)
    first = frame.groupby("currency").cumcount() == 0
    frame["from_day"] = np.where(first, FIRST_DAY, frame["day"])
    frame["to_day"] = nxt.fillna(LAST_DAY).astype(np.int64)
    table = pa.Table.from_pandas(frame[["currency", "from_day", "to_day", "rate"]],
                                 preserve_index=False)  # fmt: skip
    return table.cast(FX_SCHEMA)


def register_rates(settings: Settings, engine: Engine) -> None:
    """Bind the lake's ``exchange_rates`` and, from those quoted against the base currency,
    ``fx_rates``."""
    Lake(settings).register(engine, "exchange_rates", feed("exchange_rates").schema)
    base = settings.base_currency.replace("'", "")
    rates = engine.query(
        f"SELECT currency, {day_number('date')} AS day, rate "
        "FROM exchange_rates WHERE rate > 0 AND date IS NOT NULL AND currency IS NOT NULL "
        f"AND coalesce(base_currency, 'EUR') = '{base}' AND currency <> '{base}'"
    )
    engine.register_arrow("fx_rates", rate_intervals(rates))


def fx_join_sql(currency: str, day: str) -> str:
    """The join of ``fx_rates`` (as ``fx``) to the interval holding ``day`` for ``currency``."""
    return (
        f"LEFT JOIN fx_rates fx ON fx.currency = {currency}"
        f" AND fx.from_day <= {day} AND {day} < fx.to_day"
    )


def latest_rates_sql() -> str:
    """Each currency's current rate (its open-ended interval): for reference prices."""
    return f"SELECT currency, rate FROM fx_rates WHERE to_day = {LAST_DAY}"


@dataclass
class Rates:
    """The intervals in memory, for scoring one shipment (same values as the SQL join)."""

    starts: dict[str, np.ndarray]
    rates: dict[str, np.ndarray]

    @classmethod
    def load(cls, engine: Engine) -> Rates:
        """Read ``fx_rates`` from the engine."""
        frame = engine.query("SELECT * FROM fx_rates ORDER BY currency, from_day").to_pandas()
        starts, rates = {}, {}
        for currency, rows in frame.groupby("currency"):
            starts[str(currency)] = rows["from_day"].to_numpy()
            rates[str(currency)] = rows["rate"].to_numpy(dtype=float)
        return cls(starts, rates)

    def convert(self, value: float | None, currency: str | None, day: int) -> float | None:
        """``value`` in the base currency on ``day`` (as declared without a rate)."""
        if value is None or currency not in self.starts:
            return value
        at = int(np.searchsorted(self.starts[currency], day, side="right")) - 1
        return value / float(self.rates[currency][at])
