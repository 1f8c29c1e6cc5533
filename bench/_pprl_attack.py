"""A frequency attack on PPRL encodings, for bench/pprl.py --blip-sweep (docs/pprl.md,
"Frequency attacks").

The attacker is the receiver: it holds both eval-world encodings files (no secret) and a
"census", the value frequencies of a field in another sample of the same population (the
train world's records: other entities of the same public data, never the attacked records).
It groups the filters that look alike (Dice >= tau, greedily around the record with most
such neighbours; tau = 1 groups identical bit patterns only), ranks the groups by size and
names the i-th largest group with the census's i-th most frequent value. A record is
re-identified when its group's name is its true (cleaned) value. The attacker cannot know
which tau works best; the figure reported is the best tau's, chosen with the truth (an upper
bound on this attack, not on every attack: pattern mining and graph matching are stronger).
The tau grid is fine by default (1, 0.99, ..., 0.01: ``FINE_TAUS``), the baselines (the CLK's
figure) on the same grid; ``set_tau_grid(coarse=True)`` (bench/pprl.py --coarse-tau-grid)
restores the grid of rounds 1-6 (1, 0.9, ..., 0.2: ``COARSE_TAUS``) to reproduce their tables.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.resolve.pprl.encode import clean_parties, over_frequent_dates
from ringfence.resolve.pprl.match import clk_matrix, popcounts
from ringfence.resolve.pprl.name_block import NAME_KEY_COUNT
from ringfence.resolve.pprl.params import PprlParams, params_from_metadata

ATTACK_FIELDS = ("name", "street", "city", "postcode", "birth_date", "birth_year", "birth_month")
# Fields attacked through another field's encodings: the date of birth at the year and at
# year + month (a coarse date block key, ``PprlParams.date_block``, names no exact date), as
# the cleaned date's leading digits (a partial date as far as it goes).
DERIVED = {"birth_year": ("birth_date", 4), "birth_month": ("birth_date", 6)}
COARSE_TAUS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)  # rounds 1-6 (docs/pprl.md)
FINE_TAUS = tuple(round(1 - i / 100, 2) for i in range(100))  # 1.0, 0.99, ..., 0.01
TAUS: tuple[float, ...] = FINE_TAUS  # the grid every attack searches (``set_tau_grid``)
SAMPLE = 3000  # attacked records per world (the Dice matrix is SAMPLE x SAMPLE)


def set_tau_grid(coarse: bool) -> None:
    """Search the coarse grid of rounds 1-6 (``coarse``) or the fine one in every attack."""
    global TAUS
    TAUS = COARSE_TAUS if coarse else FINE_TAUS
    _CACHE.clear()


def field_values(table: pa.Table) -> dict[str, list[str]]:
    """Each attacked field's cleaned value per record, as the encoder hashes it ('' if none)."""
    cleaned = clean_parties(table)
    values = {"name": [" ".join(words) for words in cleaned["name_tokens"]]}
    for name in ("street", "city", "postcode", "birth_date"):
        values[name] = [" ".join(words) for words in cleaned[name]]
    for name, (source, digits) in DERIVED.items():
        values[name] = [v[:digits] for v in values[source]]
    return values


def dice_matrix(bits: np.ndarray) -> np.ndarray:
    """Every pair of rows' Dice coefficient (computed once for all tau)."""
    matrix = bits.astype(np.float32)
    counts = matrix.sum(axis=1)
    return np.asarray(2 * (matrix @ matrix.T) / np.maximum(counts[:, None] + counts[None, :], 1))


def greedy_groups(bits: np.ndarray, tau: float, dice: np.ndarray | None = None) -> np.ndarray:
    """Group label per row: rows with Dice >= tau around the row with most such neighbours,
    then the next ungrouped one, and so on (``dice``: ``dice_matrix(bits)`` if known)."""
    if dice is None:
        dice = dice_matrix(bits)
    near = dice >= tau - 1e-6
    counts = near.sum(axis=1)
    labels = np.full(len(bits), -1)
    for row in np.argsort(-counts, kind="stable"):
        if counts[row] <= 1:  # near itself only (or, empty, nothing): the rest are the same
            break
        if labels[row] < 0:
            labels[near[row] & (labels < 0)] = row
    alone = (labels < 0) & (counts == 1)
    labels[alone] = np.flatnonzero(alone)
    return labels


def align(
    labels: np.ndarray, truth: list[str], census: list[str], part: int | None = None
) -> np.ndarray:
    """Whether each record is re-identified: groups by size, named by census frequency.
    With ``part``, the census holds joint values (``joint``) and a group's name is their
    ``part``-th field (the town of a named street-in-town)."""
    ranked = [v for v, _ in sorted(Counter(census).items(), key=lambda kv: (-kv[1], kv[0]))]
    if part is not None:
        ranked = [v.split(SEP)[part] for v in ranked]
    groups = Counter(labels.tolist())
    order = sorted(groups, key=lambda g: (-groups[g], g))
    name = {g: ranked[i] for i, g in enumerate(order[: len(ranked)])}
    return np.array([name.get(g) == v for g, v in zip(labels.tolist(), truth, strict=True)])


SEP = "\x1f"  # between a joint value's fields (cleaned values hold no control characters)


def joint(host: list[str], town: list[str]) -> list[str]:
    """Host + town values of a composite filter (``PprlParams.town_with``), one per record."""
    return [f"{h}{SEP}{t}" for h, t in zip(host, town, strict=True)]


def attack_composite(
    bits: np.ndarray,
    truth: list[str],
    census: list[str],
    joint_census: list[str],
    part: int,
    taus: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The attack on a composite filter (host + town) for one of its fields: at every tau the
    groups are named by the census's frequency order of that field alone (as on a filter of
    its own) and by the joint host + town order (a group's named host or town, ``part`` 0 or
    1); the best tau of ``taus`` (default ``TAUS``) and naming count."""
    by_tau = {}
    best: tuple[float, float, str, int] = (0.0, 1.0, "field", 0)
    dice = dice_matrix(bits)
    for tau in TAUS if taus is None else taus:
        labels = greedy_groups(bits, tau, dice)
        for naming, hit in (("field", align(labels, truth, census)),
                            ("joint", align(labels, truth, joint_census, part))):  # fmt: skip
            share = float(hit.mean()) if len(hit) else 0.0
            by_tau[f"{tau}/{naming}"] = round(share, 4)
            if share > best[0]:
                values = len({v for v, h in zip(truth, hit, strict=True) if h})
                best = (share, tau, naming, values)
    return {"reidentified": round(best[0], 4), "tau": best[1], "naming": best[2],
            "values": best[3], "by_tau": by_tau}  # fmt: skip


_CACHE: dict[bytes, dict[str, Any]] = {}  # attack_filter's results (the CLK's, met again)


def _key(bits: np.ndarray, truth: list[str], census: list[str], taus: Sequence[float]) -> bytes:
    digest = hashlib.blake2b(np.ascontiguousarray(bits).tobytes(), digest_size=20)
    digest.update(repr((bits.shape, truth, census, tuple(taus))).encode())
    return digest.digest()


def attack_filter(
    bits: np.ndarray, truth: list[str], census: list[str], taus: Sequence[float] | None = None
) -> dict[str, Any]:
    """The attack on one filter column (rows holding the field): the best tau of ``taus``
    (default ``TAUS``) by share of records re-identified, its distinct values re-identified,
    and each tau's share. Results are kept for the same bits, truth, census and grid (a
    setting's CLK, attacked again by the next setting)."""
    taus = TAUS if taus is None else taus
    key = _key(bits, truth, census, taus)
    if key not in _CACHE:
        _CACHE[key] = _attack_filter(bits, truth, census, taus)
    return _CACHE[key]


def _attack_filter(
    bits: np.ndarray, truth: list[str], census: list[str], taus: Sequence[float]
) -> dict[str, Any]:
    by_tau = {}
    best: tuple[float, float, int] = (0.0, 1.0, 0)
    dice = dice_matrix(bits)
    for tau in taus:
        hit = align(greedy_groups(bits, tau, dice), truth, census)
        share = float(hit.mean()) if len(hit) else 0.0
        by_tau[str(tau)] = round(share, 4)
        if share > best[0]:
            best = (share, tau, len({v for v, h in zip(truth, hit, strict=True) if h}))
    return {"reidentified": round(best[0], 4), "tau": best[1], "values": best[2],
            "by_tau": by_tau}  # fmt: skip


def attack_block_key(
    keys: list[str],
    truth: list[str],
    census: list[str],
    census_split: tuple[list[str], list[str]] | None = None,
) -> dict[str, Any]:
    """The attack on a field's block key (``PprlParams.block_on``; BLIP does not touch block
    keys): records grouped by equal key ('' for a record whose key is withheld, one group),
    the groups named by census frequency as at tau = 1.

    With ``census_split`` (the census values whose date the encoder's rule would withhold,
    and the others: ``PprlParams.date_key_max_ratio``, which the attacker reads in the file),
    the attacker also names the withheld group with the most frequent withheld census value
    and the keyed groups by the others' frequency order; the better of the two is reported
    (``order``: "census" or "rule")."""
    _, labels = np.unique(np.array(keys, dtype=object).astype(str), return_inverse=True)
    tries = {"census": align(labels.ravel(), truth, census)}
    if census_split is not None:
        withheld, kept = census_split
        top = Counter(withheld).most_common(1)[0][0] if withheld else None
        hit = np.array([v == top for v in truth]) & np.array([k == "" for k in keys])
        keyed = np.flatnonzero([k != "" for k in keys])
        if len(keyed) and kept:
            hit[keyed] = align(labels.ravel()[keyed], [truth[i] for i in keyed], kept)
        tries["rule"] = hit
    order, hit = max(tries.items(), key=lambda item: float(item[1].mean()) if len(item[1]) else 0)
    share = float(hit.mean()) if len(hit) else 0.0
    values = len({v for v, h in zip(truth, hit, strict=True) if h})
    return {"reidentified": round(share, 4), "tau": 1.0, "values": values, "order": order}


def _params(encodings: list[pa.Table]) -> PprlParams:
    raw = encodings[0].schema.metadata or {}
    meta = {k.decode(): v.decode() for k, v in raw.items()}
    return params_from_metadata(meta, "attacked encodings")


def _triangular(count: int) -> bool:
    """Whether ``count`` keys are a name's alone: n Soundex codes give n(n + 1)/2 keys."""
    n = int((math.isqrt(8 * count + 1) - 1) // 2)
    return n * (n + 1) // 2 == count


def date_keys(encodings: list[pa.Table], params: PprlParams) -> list[str]:
    """Each record's date block key as the receiver sees it ('' where it has none).
    The date key follows the name's keys: as many as ``NAME_KEY_COUNT`` says (with
    ``name_key_max_share``), else n(n + 1)/2 for n Soundex codes. Without either limit the last
    key of every record (attacked are only dated records); with ``date_key_max_ratio`` the last
    key where the count is one more than a name's (a record of one key counts as a name's)."""
    lists = [k for e in encodings for k in e["block_keys"].to_pylist()]
    if all(NAME_KEY_COUNT in e.column_names for e in encodings):
        names = [n for e in encodings for n in e[NAME_KEY_COUNT].to_pylist()]
        return [k[-1] if len(k) > n else "" for k, n in zip(lists, names, strict=True)]
    if not params.date_key_max_ratio:
        return [k[-1] if k else "" for k in lists]
    return [k[-1] if k and not _triangular(len(k)) else "" for k in lists]


def attack_world(
    census_table: pa.Table, encodings: list[pa.Table], tables: list[pa.Table], seed: int = 0
) -> dict[str, Any]:
    """The attack on every filter of the eval world's encodings (both files together,
    ``encodings[i]`` made from ``tables[i]``), per attacked field: through the CLK and, when
    the encodings have one, the field's own filter and its block key (``block_key``); with
    the blind guess (every record named the census's most frequent value) beside it."""
    census = field_values(census_table)
    values = [field_values(t) for t in tables]
    params = _params(encodings)
    result: dict[str, Any] = {}
    for name in ATTACK_FIELDS:
        truth = [v for vals in values for v in vals[name]]
        census_values = [v for v in census[name] if v]
        if not census_values:
            continue
        top = Counter(census_values).most_common(1)[0][0]
        block: dict[str, Any] = {}
        source = DERIVED.get(name, (name, 0))[0]
        # A town filter held only by records without a host is attacked on those records.
        hostless = source == "city" and params.town_filter_without_host
        columns = ["clk"] + [f"clk_{source}"] * (
            f"clk_{source}" in encodings[0].column_names
            and source not in params.town_with
            and not hostless
        )
        for column in columns:
            bits = np.vstack([np.unpackbits(clk_matrix(e, column).view(np.uint8), axis=1)
                              for e in encodings])  # fmt: skip
            held = np.flatnonzero(
                (np.concatenate([popcounts(clk_matrix(e, column)) for e in encodings]) > 0)
                & np.array([bool(v) for v in truth])
            )
            rows = np.random.default_rng(seed).permutation(held)[:SAMPLE]
            sample = [truth[i] for i in rows]
            block[column] = attack_filter(bits[rows], sample, census_values)
            block["blind_guess"] = round(float(np.mean([v == top for v in sample])), 4)
            block["records"] = len(rows)
        if hostless:
            block["clk_city_without_host"] = _hostless_block(encodings, values, census, params,
                                                             seed)  # fmt: skip
        for host in composite_hosts(name, params):
            block[f"clk_{host}+city"] = _composite_block(
                encodings, values, census, name, host, seed
            )
        if source in params.block_on:
            block["block_key"] = _key_block(encodings, params, name, truth, census, seed)
        if name == "name":
            from bench._pprl_attack_keys import nickname_key_block, word_key_block

            if params.name_nicknames:
                block["nickname_keys"] = nickname_key_block(encodings, truth, census_values, seed)
            block["word_keys"] = word_key_block(encodings, tables, census_table, seed)
        result[name] = block
    return result


def _key_block(
    encodings: list[pa.Table],
    params: PprlParams,
    name: str,
    truth: list[str],
    census: dict[str, list[str]],
    seed: int,
) -> dict[str, Any]:
    """The attack on field ``name`` (the date, its year or year-month) through the date block
    key, on the records holding it (``attack_block_key``; with ``date_key_max_ratio`` the
    attacker also applies the rule to the census)."""
    keys = date_keys(encodings, params)
    held = np.flatnonzero(np.array([bool(v) for v in truth]))
    rows = np.random.default_rng(seed).permutation(held)[:SAMPLE]
    split = None
    if params.date_key_max_ratio:
        dates = [v for v in census["birth_date"] if v]
        over = over_frequent_dates([[v] for v in dates], params.date_key_max_ratio)
        digits = DERIVED.get(name, (name, 8))[1]
        split = ([v[:digits] for v in dates if v in over],
                 [v[:digits] for v in dates if v not in over])  # fmt: skip
    census_values = [v for v in census[name] if v]
    return attack_block_key(
        [keys[i] for i in rows], [truth[i] for i in rows], census_values, split
    )


def composite_hosts(name: str, params: PprlParams) -> list[str]:
    """The composite filters (``PprlParams.town_with``) that hold field ``name``: every host
    for the town, its own for a host."""
    if name == "city":
        return list(params.town_with)
    return [name] if name in params.town_with else []


def _composite_block(
    encodings: list[pa.Table],
    values: list[dict[str, list[str]]],
    census: dict[str, list[str]],
    name: str,
    host: str,
    seed: int,
) -> dict[str, Any]:
    """The attack on field ``name`` (the town or the host) through the host's composite
    filter, on the records whose composite holds it (the town: those holding host and town;
    the host: those holding it), with the blind guess and the CLK's figure on the same
    records."""
    truth = [v for vals in values for v in vals[name]]
    host_values = [v for vals in values for v in vals[host]]
    town_values = [v for vals in values for v in vals["city"]]
    needed = [bool(h) and (bool(t) or name != "city") for h, t in zip(host_values, town_values,
                                                                    strict=True)]  # fmt: skip
    bits, rows, sample = _filter_sample(encodings, f"clk_{host}", np.array(needed), truth, seed)
    census_values = [v for v in census[name] if v]
    joint_census = [
        j for j, h, t in zip(joint(census[host], census["city"]), census[host], census["city"],
                             strict=True)
        if h and (t or name != "city")
    ]  # fmt: skip
    part = 1 if name == "city" else 0
    result = attack_composite(bits[rows], sample, census_values, joint_census, part)
    return {**result, **_same_records(encodings, rows, sample, census_values)}


def _filter_sample(
    encodings: list[pa.Table], column: str, wanted: np.ndarray, truth: list[str], seed: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A filter column's bits, and the attacked records: at most ``SAMPLE`` of those with bits
    in it, ``wanted`` and a true value, drawn by ``seed``; their true values."""
    bits = np.vstack([np.unpackbits(clk_matrix(e, column).view(np.uint8), axis=1)
                      for e in encodings])  # fmt: skip
    counts = np.concatenate([popcounts(clk_matrix(e, column)) for e in encodings])
    held = np.flatnonzero((counts > 0) & wanted & np.array([bool(v) for v in truth]))
    rows = np.random.default_rng(seed).permutation(held)[:SAMPLE]
    return bits, rows, [truth[i] for i in rows]


def _same_records(
    encodings: list[pa.Table], rows: np.ndarray, sample: list[str], census_values: list[str]
) -> dict[str, Any]:
    """The baselines on the attacked records: the CLK's figure, the blind guess, their count."""
    clk = np.vstack([np.unpackbits(clk_matrix(e).view(np.uint8), axis=1) for e in encodings])
    top = Counter(census_values).most_common(1)[0][0]
    return {
        "clk_same_records": attack_filter(clk[rows], sample, census_values)["reidentified"],
        "blind_guess": round(float(np.mean([v == top for v in sample])), 4) if sample else 0,
        "records": len(rows),
    }


def _hostless_block(
    encodings: list[pa.Table],
    values: list[dict[str, list[str]]],
    census: dict[str, list[str]],
    params: PprlParams,
    seed: int,
) -> dict[str, Any]:
    """The attack on the town filter of ``town_filter_without_host``, on the records it holds a
    town for (a town and none of ``town_with``'s hosts), with the blind guess and the CLK's
    figure on the same records."""
    truth = [v for vals in values for v in vals["city"]]
    no_host = np.array([not any(vals[h][i] for h in params.town_with)
                        for vals in values for i in range(len(vals["city"]))])  # fmt: skip
    bits, rows, sample = _filter_sample(encodings, "clk_city", no_host, truth, seed)
    census_values = [v for v in census["city"] if v]
    result = attack_filter(bits[rows], sample, census_values) if len(rows) else {
        "reidentified": 0.0, "tau": 1.0, "values": 0, "by_tau": {}}  # fmt: skip
    return {**result, **_same_records(encodings, rows, sample, census_values)}
