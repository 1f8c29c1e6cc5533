"""Customs: import declarations for parcels entering through Schiphol, and inspection outcomes.

Which shipments get inspected follows the office's legacy selection (a rule on HS chapter and
departure country, plus a small random share), not the truth; inspections find most fakes but
not all. So labels exist only for inspected shipments, and they are biased the way real labels
are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.carrier import Manifest, break_cells
from ringfence.sim.config import CUSTOMS, SimConfig, stream
from ringfence.sim.registry import VARIANTS, Registry
from ringfence.sim.shipments import CIDX, COUNTRY_CODES, Shipments, Vocab
from ringfence.sim.truth import TruthLog
from ringfence.sim.world import World
from ringfence.sim.writers import write_jsonl

DECLARATIONS = f"{CUSTOMS}/declarations.jsonl.gz"
OUTCOMES = f"{CUSTOMS}/controls.jsonl.gz"
RISK_CHAPTERS = ("33", "42", "61", "62", "64", "85", "91", "95")
DETECTION = 0.85


@dataclass
class CustomsTruth:
    """Per shipment: declared (with its number), inspected, and seized."""

    declared: np.ndarray
    number: pa.Array  # per declared shipment
    inspected: np.ndarray
    seized: np.ndarray


def _ts(day: pa.Array, minutes: np.ndarray, fmt: str) -> pa.Array:
    secs = day.cast(pa.int32()).to_numpy().astype(np.int64) * 86_400 + minutes * 60
    return pc.strftime(pa.array(secs, pa.timestamp("s")), format=fmt)


def _importers(reg: Registry, s: Shipments, idx: np.ndarray) -> dict[str, pa.Array]:
    """Importer columns: the consignee as customs registers it (one clean form per party)."""
    consumer = pa.array(s.consumer[idx])
    named_rows = pa.array(np.where(s.consumer[idx], 0, s.consignee[idx]) * VARIANTS)
    cons_rows = pa.array(np.where(s.consumer[idx], s.consignee[idx], 0))
    cols: dict[str, pa.Array] = {}
    for col, field in (("importerName", "name"), ("importerStreet", "street"),
                       ("importerCity", "city"), ("importerPostcode", "postcode"),
                       ("importerCountry", "country")):
        named = reg.rendered.column(field).take(named_rows).combine_chunks()
        cons = reg.consumers.column(field).take(cons_rows).combine_chunks()
        cols[col] = pc.if_else(consumer, cons, named)
    ident = pa.array([p.identifier for p in reg.named], pa.string())
    private = pc.binary_join_element_wise(
        "PRV", pc.utf8_lpad(pa.array(s.consignee[idx]).cast(pa.string()), 8, "0"), "")
    named_idx = pa.array(np.where(s.consumer[idx], 0, s.consignee[idx]))
    # Private importers get a customs-internal number; companies are known by their EORI.
    named_private = pc.binary_join_element_wise(
        "PRVN", pc.utf8_lpad(named_idx.cast(pa.string()), 6, "0"), "")
    named_ref = pc.coalesce(ident.take(named_idx), named_private)
    cols["importerRef"] = pc.if_else(consumer, private, named_ref)
    cols["importerEori"] = pc.if_else(consumer, pa.nulls(len(idx), pa.string()),
                                      ident.take(pa.array(np.where(s.consumer[idx], 0,
                                                                   s.consignee[idx]))))
    return cols


def write_declarations(out: Path, world: World, s: Shipments, reg: Registry, vocab: Vocab,
                       manifest: Manifest, truth: TruthLog) -> CustomsTruth:
    """Declarations for the AMS gateway, then the inspections the legacy policy selects."""
    cfg = world.cfg
    rng = stream(cfg, "customs")
    declared = manifest.gateway == 0
    idx = np.flatnonzero(declared)
    n = len(idx)
    number = pc.binary_join_element_wise(
        f"{cfg.start.year % 100}NL", pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()),
                                                  12, "0"), "")
    arrival = pa.array(manifest.epoch[idx] + 1, pa.date32())
    minutes = rng.integers(6 * 60, 22 * 60, n)
    hs = pa.array(vocab.hs_codes).take(pa.array(s.hs[idx]))
    countries = pa.array(COUNTRY_CODES)
    brokers = world.brokers
    # Parcels clear through the carrier's own broker (the first); freight through any.
    broker = np.where(s.parcel[idx], 0, rng.integers(0, len(brokers), n))
    cols: dict[str, pa.Array] = {
        "declarationNumber": number,
        "acceptanceDate": _ts(arrival, minutes, "%Y-%m-%dT%H:%M:%S"),
        "transportDocument": manifest.awb.take(pa.array(idx)),
        "customsOffice": pa.repeat(pa.scalar("NL000396"), n),
        "countryOfOrigin": countries.take(pa.array(s.origin[idx])),
        "countryOfDispatch": countries.take(pa.array(s.departure[idx])),
        "countriesOfRouting": _routing(countries, s.transit[idx]),
        "countryOfDestination": countries.take(pa.array(s.destination[idx])),
        "commodityCode": pc.binary_join_element_wise(hs, "0000", ""),
        "goodsDescription": pa.array(vocab.descriptions).take(pa.array(s.description[idx])),
        "quantity": pa.array(s.quantity[idx]),
        "grossMass": pa.array(np.round(s.weight_g[idx] / 1000, 3)),
        "statisticalValue": pa.array(s.value_eur[idx]),
        "valueCurrency": pa.repeat(pa.scalar("EUR"), n),
    }
    cols |= _importers(reg, s, idx)
    cols["declarantEori"] = pa.array([b.identifier for b in brokers]).take(pa.array(broker))
    cols["declarantName"] = pa.array([b.render(rng, False)["name"] for b in brokers]).take(
        pa.array(broker))
    bad = np.flatnonzero(rng.random(n) < cfg.malformed_rate / 2)
    cols["acceptanceDate"] = break_cells(cols["acceptanceDate"], bad, "2025-02-30T10:00:00")
    truth.malformed(CUSTOMS, "shipments", DECLARATIONS, number.take(pa.array(bad)), bad,
                    ["date"] * len(bad), ["impossible date"] * len(bad))
    write_jsonl(pa.table(cols), out / DECLARATIONS)
    _record_mentions(reg, s, idx, cols, broker, world, truth)
    inspected, seized = _inspect(cfg, s, vocab, declared, rng)
    _write_outcomes(out, cfg, s, vocab, manifest, declared, number, inspected, seized, rng)
    return CustomsTruth(declared, number, inspected, seized)


def _routing(countries: pa.Array, transit: np.ndarray) -> pa.Array:
    """Transit countries as a JSON list per declaration (``[]`` when direct)."""
    legs = transit[transit >= 0]  # row-major: each row's legs in order
    offsets = np.concatenate([[0], np.cumsum((transit >= 0).sum(axis=1))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), countries.take(pa.array(legs)))


def _record_mentions(reg: Registry, s: Shipments, idx: np.ndarray, cols: dict[str, pa.Array],
                     broker: np.ndarray, world: World, truth: TruthLog) -> None:
    entity = pa.array([p.id for p in reg.named])
    ring = pa.array([p.ring for p in reg.named], pa.string())
    named = pa.array(np.where(s.consumer[idx], 0, s.consignee[idx]))
    consumer = pa.array(s.consumer[idx])
    cons_id = pc.binary_join_element_wise(
        "CONS", pc.utf8_lpad(pa.array(s.consignee[idx]).cast(pa.string()), 7, "0"), "")
    truth.mentions(CUSTOMS, "shipments", "importer", cols["importerRef"],
                   pc.if_else(consumer, cons_id, entity.take(named)),
                   pc.if_else(consumer, pa.nulls(len(idx), pa.string()), ring.take(named)))
    truth.mentions(CUSTOMS, "shipments", "declarant", cols["declarantEori"],
                   pa.array([b.id for b in world.brokers]).take(pa.array(broker)),
                   pa.nulls(len(idx), pa.string()))


def _inspect(cfg: SimConfig, s: Shipments, vocab: Vocab, declared: np.ndarray,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The legacy policy: a risky chapter from China or Hong Kong, a risky chapter declared
    at a low unit value, a protected brand named in the description (the keyword list knows
    exact spellings only), plus 0.4 % at random."""
    chapter = np.array([h[:2] for h in vocab.hs_codes])[s.hs]
    risky = np.isin(chapter, RISK_CHAPTERS)
    route = risky & np.isin(s.departure, [CIDX["CN"], CIDX["HK"]])
    cheap = risky & (s.value_eur < 15.0 * s.quantity)
    names = [b.name for b in BRAND_SPECS]
    keyword = np.array([any(n in d for n in names) for d in vocab.descriptions])[s.description]
    p = 0.004 + 0.12 * route + 0.04 * cheap + 0.15 * keyword
    inspected = declared & (rng.random(len(s)) < p)
    seized = inspected & s.fake & (rng.random(len(s)) < DETECTION)
    return inspected, seized


def _write_outcomes(out: Path, cfg: SimConfig, s: Shipments, vocab: Vocab, manifest: Manifest,
                    declared: np.ndarray, number: pa.Array, inspected: np.ndarray,
                    seized: np.ndarray, rng: np.random.Generator) -> None:
    idx = np.flatnonzero(inspected)
    n = len(idx)
    decl_pos = np.cumsum(declared) - 1
    irregular = ~seized[idx] & (rng.random(n) < 0.08)
    result = np.where(seized[idx], "BESLAG", np.where(irregular, "ONREGELMATIG", "VRIJ"))
    brand = np.where(seized[idx], s.brand[idx], -1)
    brand_name = np.array([b.name for b in BRAND_SPECS] + [""], dtype=object)[brand]
    goods = np.array([b.goods[0] for b in BRAND_SPECS] + [""], dtype=object)[brand]
    qty = s.quantity[idx]
    found = pc.binary_join_element_wise(pa.array(qty).cast(pa.string()), " x ",
                                        pa.array(goods, pa.string()), " bearing ",
                                        pa.array(brand_name, pa.string()), " marks", "")
    pmin = np.array([b.price[0] for b in BRAND_SPECS] + [0.0])[brand]
    ctl_day = pa.array(manifest.epoch[idx] + rng.integers(1, 4, n).astype(np.int32), pa.date32())
    table = pa.table({
        "controlId": pc.binary_join_element_wise(
            f"CTL-{cfg.start.year}-", pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()),
                                                   7, "0"), ""),
        "awb": manifest.awb.take(pa.array(idx)),
        "declarationNumber": number.take(pa.array(decl_pos[idx])),
        "controlDate": pc.strftime(ctl_day.cast(pa.timestamp("s")), format="%Y-%m-%d"),
        "result": pa.array(result),
        "iprInfringement": pa.array(np.where(seized[idx], "J", "N")),
        "goodsFound": pc.if_else(pa.array(seized[idx]), found, pa.nulls(n, pa.string())),
        "brand": pa.array(brand_name, pa.string(), mask=~seized[idx]),
        "units": pa.array(qty, pa.int64(), mask=~seized[idx]),
        "valueEur": pa.array(np.round(qty * pmin, 2), pa.float64(), mask=~seized[idx]),
    })
    write_jsonl(table, out / OUTCOMES)
