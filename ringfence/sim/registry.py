"""Rendered parties as Arrow tables that feeds take rows from: named identities (several noisy
renderings each) and private consumers (generated column-wise, one rendering each)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.sim import aliases
from ringfence.sim.config import SimConfig, stream
from ringfence.sim.parties import PARTY_FIELDS, Identity, variants
from ringfence.sim.shipments import CIDX
from ringfence.sim.vocab import (
    COUNTRIES,
    DESTINATION_WEIGHTS,
    DESTINATIONS,
    EMAIL_DOMAINS,
    EU_GIVEN,
    EU_SURNAMES,
)
from ringfence.sim.world import World

VARIANTS = 4
"""Renderings per named identity; variant 0 is the clean one."""


@dataclass
class Registry:
    """Every party a feed can mention, rendered."""

    named: list[Identity]
    index: dict[str, int]
    rendered: pa.Table  # row ident * VARIANTS + variant
    consumers: pa.Table
    named_country: np.ndarray
    consumer_country: np.ndarray

    def named_rows(self, ident: np.ndarray, variant: np.ndarray) -> np.ndarray:
        """Row numbers in ``rendered`` of identities in given variants."""
        return ident * VARIANTS + variant


def build_registry(world: World) -> Registry:
    """Render every identity ``VARIANTS`` times and generate the consumers."""
    rng = stream(world.cfg, "registry")
    named = world.identities()
    index = {p.id: i for i, p in enumerate(named)}
    cols: dict[str, list[str | None]] = {f: [] for f in PARTY_FIELDS}
    for ident in named:
        for rendering in variants(ident, VARIANTS, rng):
            for f in PARTY_FIELDS:
                cols[f].append(rendering[f])
    rendered = pa.table({f: pa.array(v, pa.string()) for f, v in cols.items()})
    consumers, consumer_country = make_consumers(world.cfg)
    named_country = np.array([CIDX[p.country] for p in named])
    return Registry(named, index, rendered, consumers, named_country, consumer_country)


def _pick(values: list[str], idx: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(idx))


def _digits(rng: np.random.Generator, n: int, width: int) -> pa.Array:
    nums = pa.array(rng.integers(0, 10**width, n)).cast(pa.string())
    return pc.utf8_lpad(nums, width, "0")


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _per_country(country: np.ndarray, key: str, rng: np.random.Generator
                 ) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """For each row a random entry of ``COUNTRIES[c][key]`` of its country (flat index)."""
    flat: list[tuple[str, ...]] = []
    start, count = [], []
    for c in DESTINATIONS:
        entries = COUNTRIES[c][key]
        start.append(len(flat))
        count.append(len(entries))
        flat += [e if isinstance(e, tuple) else (e,) for e in entries]
    s, k = np.array(start)[country], np.array(count)[country]
    return s + (rng.random(len(country)) * k).astype(np.int64), flat


def make_consumers(cfg: SimConfig) -> tuple[pa.Table, np.ndarray]:
    """Private consignees in the EU, column-wise: name, address, phone, e-mail."""
    rng = stream(cfg, "consumers")
    n = cfg.n_consumers
    country = rng.choice(len(DESTINATIONS), n, p=np.array(DESTINATION_WEIGHTS))
    codes = [DESTINATIONS[i] for i in range(len(DESTINATIONS))]
    gi, si = rng.integers(0, len(EU_GIVEN), n), rng.integers(0, len(EU_SURNAMES), n)
    name = _join(_pick(list(EU_GIVEN), gi), " ", _pick(list(EU_SURNAMES), si))
    street_i, streets = _per_country(country, "streets", rng)
    number = pa.array(rng.integers(1, 250, n)).cast(pa.string())
    street = _join(_pick([s[0] for s in streets], street_i), " ", number)
    city_i, cities = _per_country(country, "cities", rng)
    city = _pick([c[0] for c in cities], city_i)
    prefix = _pick([c[1] for c in cities], city_i)
    postcode = _postcodes(country, prefix, rng)
    phone = _phones(country, rng)
    slug = [_slug(x) for x in EU_GIVEN], [_slug(x) for x in EU_SURNAMES]
    local = _join(_pick(slug[0], gi), ".", _pick(slug[1], si))
    email = _unique_mailboxes(local, rng.integers(1, 99, n), rng.integers(0, 5, n))
    table = pa.table({"name": name, "street": street, "city": city, "postcode": postcode,
                      "country": _pick(codes, country), "phone": phone, "email": email})
    return table, np.array([CIDX[c] for c in codes])[country]


def _unique_mailboxes(local: pa.Array, number: np.ndarray, domain: np.ndarray) -> pa.Array:
    """``local`` + number @ one of the first five domains, one holder per address.

    A name and a number from 1 to 98 at five providers gave one mailbox to several consumers
    of the same name (two Ali Rossis of Rotterdam both ``ali.rossi93@gmx.de``), which no
    provider allows; a repeat of an address gets its number raised by 100 per earlier holder.
    """
    keys = pd.Series(local.to_pylist()) + "|" + number.astype(str) + "|" + domain.astype(str)
    number = number + 100 * keys.groupby(keys).cumcount().to_numpy()
    return _join(local, pa.array(number).cast(pa.string()), "@",
                 _pick(list(EMAIL_DOMAINS[:5]), domain))


def _slug(text: str) -> str:
    return "".join(ch for ch in aliases.fold_to(text, "ascii").lower() if ch.isalnum())


def _postcodes(country: np.ndarray, prefix: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Postcodes in each country's pattern (NL ``1012 AB``, PL ``00-123``, BE 4 digits...)."""
    n = len(country)
    letters = [a + b for a in "ABCEGHJKLMNPRSTVWXZ" for b in "ABCEGHJKLMNPRSTVWXZ"]
    nl = _join(prefix, _digits(rng, n, 2), " ", _pick(letters, rng.integers(0, len(letters), n)))
    pl = _join(prefix, "-", _digits(rng, n, 3))
    be = _join(prefix, _digits(rng, n, 2))
    other = _join(prefix, _digits(rng, n, 3))
    code = np.array(DESTINATIONS)[country]
    out = pc.if_else(pa.array(code == "NL"), nl, other)
    out = pc.if_else(pa.array(code == "PL"), pl, out)
    return pc.if_else(pa.array(code == "BE"), be, out)


def _phones(country: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Mobile numbers written internationally (``+31 6...``) or locally (``06...``)."""
    n = len(country)
    plans = [COUNTRIES[c]["phone"] for c in DESTINATIONS]
    cc = _pick([p[0] for p in plans], country)
    trunk = _pick([COUNTRIES[c]["trunk"] for c in DESTINATIONS], country)
    first = _pick([p[1][0] for p in plans], country)
    rest_len = np.array([p[2] - len(p[1][0]) for p in plans])[country]
    rest = pc.utf8_slice_codeunits(_digits(rng, n, 10), 0, 10)
    # Cut the ten random digits to each country's length, row by row, without a Python loop.
    widths = pa.array(rest_len)
    rest = pc.utf8_slice_codeunits(rest, 0, 10)
    for w in np.unique(rest_len):
        cut = pc.utf8_slice_codeunits(rest, 0, int(w))
        rest = pc.if_else(pc.equal(widths, int(w)), cut, rest)
    national = _join(first, rest)
    intl = _join("+", cc, " ", national)
    local = _join(trunk, national)
    return pc.if_else(pa.array(rng.random(n) < 0.3), local, intl)
