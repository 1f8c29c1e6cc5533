"""The express carrier's manifest: ``;``-separated Latin-1 CSV, dd.mm.yyyy, grams and cents.

Shipper and consignee are inline columns; each distinct way the carrier's address book holds a
party has its own ``Ref`` (so the same person typed twice gets two refs, as in real systems).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.sim import aliases
from ringfence.sim.config import CARRIER, SimConfig, stream
from ringfence.sim.parties import side_stream
from ringfence.sim.rates import declared_rates
from ringfence.sim.registry import VARIANTS, Registry
from ringfence.sim.shipments import COUNTRY_CODES, CURRENCIES, Shipments, Vocab
from ringfence.sim.truth import TruthLog
from ringfence.sim.writers import write_csv

PATH = f"{CARRIER}/manifest.csv"
GATEWAYS = ("AMS", "LGG", "LEJ")
PARTY_COLS = (("Name", "name"), ("Street", "street"), ("City", "city"), ("ZIP", "postcode"),
              ("Ctry", "country"), ("Tel", "phone"), ("Email", "email"))


@dataclass
class Manifest:
    """What later feeds need from the manifest: keys and the gateway of each shipment."""

    awb: pa.Array
    gateway: np.ndarray  # index into GATEWAYS
    date: pa.Array  # date32 shipping day
    epoch: np.ndarray  # the same as days since 1970-01-01 (int32)


def dates(cfg: SimConfig, day: np.ndarray) -> pa.Array:
    """Shipping days as an Arrow date32 array."""
    epoch = (cfg.start - dt.date(1970, 1, 1)).days
    return pa.array(day.astype(np.int32) + epoch, pa.date32())


def _gateways(s: Shipments, rng: np.random.Generator) -> np.ndarray:
    dest = np.array(COUNTRY_CODES)[s.destination]
    gw = np.where(rng.random(len(s)) < 0.6, 0, 2)
    gw = np.where(dest == "NL", 0, np.where(dest == "BE", 1, np.where(dest == "DE", 2, gw)))
    return gw


def _party(reg: Registry, rows: np.ndarray, consumer: np.ndarray, consumer_rows: np.ndarray,
           keys: pa.Array, prefix: str) -> dict[str, pa.Array]:
    """Inline party columns: named identities' renderings or consumers, row by row."""
    cols = {f"{prefix} Ref": keys}
    mask = pa.array(consumer)
    for label, field in PARTY_COLS:
        named = reg.rendered.column(field).take(pa.array(rows))
        cons = reg.consumers.column(field).take(pa.array(consumer_rows))
        cols[f"{prefix} {label}"] = pc.if_else(mask, cons.combine_chunks(), named.combine_chunks())
    return cols


def write_manifest(out: Path, cfg: SimConfig, s: Shipments, reg: Registry, vocab: Vocab,
                   truth: TruthLog) -> Manifest:
    """Write the carrier's manifest and record its party mentions and broken rows."""
    rng = stream(cfg, "carrier")
    n = len(s)
    awb_num = 4_000_000_000 + np.arange(n, dtype=np.int64) * 3 + rng.integers(0, 3, n)
    awb = pa.array(awb_num).cast(pa.string())
    gateway = _gateways(s, rng)
    ring_named = np.array([p.ring is not None for p in reg.named])
    noisy = ring_named[s.shipper] | (rng.random(n) < 0.25)
    ship_var = np.where(noisy, rng.integers(0, VARIANTS, n), 0)
    ship_rows = reg.named_rows(s.shipper, ship_var)
    cons_var = np.where(rng.random(n) < 0.25, rng.integers(0, VARIANTS, n), 0)
    cons_rows = reg.named_rows(np.where(s.consumer, 0, s.consignee), cons_var)
    ref_of_named, ref_of_consumer = _refs(cfg, reg)
    ship_keys = ref_of_named.take(pa.array(ship_rows))
    consumer_rows = np.where(s.consumer, s.consignee, 0)
    cons_keys = pc.if_else(pa.array(s.consumer), ref_of_consumer.take(pa.array(consumer_rows)),
                           ref_of_named.take(pa.array(cons_rows)))
    day = dates(cfg, s.day)
    countries = pa.array(COUNTRY_CODES)
    cur = np.array(CURRENCIES)[s.currency]
    fx = declared_rates(cfg, s.currency, s.day)  # the month's official rate
    cols: dict[str, pa.Array] = {
        "AWB": awb,
        "Ship Date": pc.strftime(day.cast(pa.timestamp("s")), format="%d.%m.%Y"),
        "Service": pa.array(np.where(s.parcel, "EXP-PCL", "EXP-FRT")),
        "Orig Ctry": countries.take(pa.array(s.origin)),
        "Dep Ctry": countries.take(pa.array(s.departure)),
        "Via": _via(countries, s.transit),
        "Dest Ctry": countries.take(pa.array(s.destination)),
        "Gateway": pa.array(np.array(GATEWAYS)[gateway]),
        "HS Code": _dotted_hs(pa.array(vocab.hs_codes).take(pa.array(s.hs))),
        "Contents": pa.array(vocab.descriptions).take(pa.array(s.description)),
        "Pcs": pa.array(s.quantity).cast(pa.string()),
        "Weight (g)": pa.array(s.weight_g).cast(pa.string()),
        "Value (ct)": pa.array(np.round(s.value_eur * fx * 100).astype(np.int64)).cast(pa.string()),
        "Cur": pa.array(cur),
    }
    cols |= _party(reg, ship_rows, np.zeros(n, bool), np.zeros(n, np.int64), ship_keys, "Shipper")
    cols |= _party(reg, cons_rows, s.consumer, consumer_rows, cons_keys, "Receiver")
    cols = _break_rows(cfg, cols, truth, rng)
    text = {c for c in cols if c.split()[-1] in ("Name", "Street", "City", "Email", "ZIP")}
    write_csv(pa.table(cols), out / PATH, delimiter=";", encoding="latin-1",
              text_columns=text | {"Contents"})
    _record_mentions(reg, s, truth, ship_rows, cons_rows, ship_keys, cons_keys)
    return Manifest(awb, gateway, day, day.cast(pa.int32()).to_numpy())


def _refs(cfg: SimConfig, reg: Registry) -> tuple[pa.Array, pa.Array]:
    """Address-book refs of every named rendering and every consumer. Mule recipients (listed
    last) number after all others from their own stream, so that adding them changes no ref."""
    n_mules = VARIANTS * sum(p.kind == "ring-mule" for p in reg.named)
    n_named = reg.rendered.num_rows - n_mules
    n_all = n_named + reg.consumers.num_rows
    perm = stream(cfg, "carrier-refs").permutation(n_all) + 10_000_000
    mules = stream(cfg, "carrier-refs-mules").permutation(n_mules) + 10_000_000 + n_all
    named = pa.array(np.concatenate([perm[:n_named], mules])).cast(pa.string())
    return named, pa.array(perm[n_named:]).cast(pa.string())


def _via(countries: pa.Array, transit: np.ndarray) -> pa.Array:
    """Transit hubs as ``AE`` or ``AE/DE``; empty when the parcel flies direct."""
    legs = [pc.fill_null(countries.take(pa.array(np.maximum(t, 0), mask=t < 0)), "")
            for t in transit.T]
    joined = pc.binary_join_element_wise(legs[0], legs[1], "/")
    return pc.utf8_rtrim(joined, "/")


def _dotted_hs(hs: pa.Array) -> pa.Array:
    """HS codes as carriers print them: ``6403.99``."""
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(hs, 0, 4),
                                       pc.utf8_slice_codeunits(hs, 4, 10), ".")


def _record_mentions(reg: Registry, s: Shipments, truth: TruthLog, ship_rows: np.ndarray,
                     cons_rows: np.ndarray, ship_keys: pa.Array, cons_keys: pa.Array) -> None:
    entity = pa.array([p.id for p in reg.named])
    ring = pa.array([p.ring for p in reg.named], pa.string())
    ident = pa.array(ship_rows // VARIANTS)
    truth.mentions(CARRIER, "shipments", "shipper", ship_keys, entity.take(ident),
                   ring.take(ident))
    c_ident = pa.array(np.where(s.consumer, 0, cons_rows // VARIANTS))
    consumer_id = pc.binary_join_element_wise(
        "CONS", pc.utf8_lpad(pa.array(s.consignee).cast(pa.string()), 7, "0"), "")
    c_entity = pc.if_else(pa.array(s.consumer), consumer_id, entity.take(c_ident))
    c_ring = pc.if_else(pa.array(s.consumer), pa.nulls(len(s), pa.string()), ring.take(c_ident))
    truth.mentions(CARRIER, "shipments", "consignee", cons_keys, c_entity, c_ring)


# Broken on purpose, so quarantine has work: (column, canonical field, problem, bad value);
# ``{value}`` in the bad value stands for the cell's real value.
_BREAKS = (
    ("Ship Date", "date", "impossible date", "31.02.2025"),
    ("Ship Date", "date", "missing required date", ""),
    ("Weight (g)", "weight_kg", "negative weight", "-{value}"),
    ("Shipper Tel", "shipper.phone", "unparseable phone", "tel. siehe Rechnung"),
)


def break_cells(col: pa.Array, rows: np.ndarray, bad: str) -> pa.Array:
    """``col`` with ``rows`` replaced by ``bad`` (``{value}`` = the original), vectorised."""
    mask = np.zeros(len(col), bool)
    mask[rows] = True
    if "{value}" in bad:
        head, tail = bad.split("{value}")
        replacement = pc.binary_join_element_wise(head, col.cast(pa.string()), tail, "")
    else:
        replacement = pa.array([bad] * len(col), pa.string())
    return pc.if_else(pa.array(mask), replacement, col.cast(pa.string()))


def _break_rows(cfg: SimConfig, cols: dict[str, pa.Array], truth: TruthLog,
                rng: np.random.Generator) -> dict[str, pa.Array]:
    n = len(cols["AWB"])
    rows = np.flatnonzero(rng.random(n) < cfg.malformed_rate)
    kind = rng.integers(0, len(_BREAKS), len(rows))
    for k, (col, _field, _problem, bad) in enumerate(_BREAKS):
        cols[col] = break_cells(cols[col], rows[kind == k], bad)
    truth.malformed(CARRIER, "shipments", PATH, cols["AWB"].take(pa.array(rows)), rows,
                    [_BREAKS[k][1] for k in kind], [_BREAKS[k][2] for k in kind])
    return _impossible_phones(cfg, cols, truth, rows, side_stream(rng, 11))


def _impossible_phones(cfg: SimConfig, cols: dict[str, pa.Array], truth: TruthLog,
                       broken: np.ndarray, rng: np.random.Generator) -> dict[str, pa.Array]:
    """Receiver phones no library can place (digits lost or added, a note), on rows not broken
    otherwise, at the malformed rate: each is a field problem the truth names."""
    n = len(cols["AWB"])
    rows = np.setdiff1d(np.flatnonzero(rng.random(n) < cfg.malformed_rate), broken)
    phones = cols["Receiver Tel"].to_pylist()
    rows = np.array([r for r in rows if phones[r]], dtype=np.int64)
    for r in rows:
        phones[r] = aliases.unparseable_phone(phones[r], rng)
    cols["Receiver Tel"] = pa.array(phones, pa.string())
    truth.malformed(CARRIER, "shipments", PATH, cols["AWB"].take(pa.array(rows, pa.int64())),
                    rows, ["consignee.phone"] * len(rows), ["unparseable phone"] * len(rows))
    return cols
