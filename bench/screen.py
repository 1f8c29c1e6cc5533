"""Screening: index build time, memory and single-query latency on synthetic entities.

    .venv/bin/python bench/screen.py [--entities 1000000] [--queries 1000] [--seed 7]

Entities are generated with NumPy: person names from Zipf-distributed given names and surnames
(so "wang"-like tokens sit on tens of thousands of entities), 20 % company names with legal forms,
phones on 60 %, e-mails on 40 %, identifiers on 15 %, bank accounts on 30 %, an address (Zipf
street, number, one of 5,000 postcodes) on 80 %, countries skewed. Queries mix exact
identifier/phone hits (under a name variant), one-typo names of existing entities (with the
country; half of them also with the address, written differently), and misses.
Prints one JSON object: build seconds, RSS growth, p50/p99 latency per query kind and overall,
how often the source entity came first (hit@1), was among the ten, or the first match
bore the source's very name (an indistinguishable namesake); and hit@1 over the queries whose
source is *distinguishable*: no other entity has its normalised name in its country, so a
name-and-country query can single it out at all (with Zipf names, most typo queries cannot).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine
from ringfence.resolve.names import normalise_name
from ringfence.resolve.screen import ScreeningIndex, Weights

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
COUNTRIES = np.array(["CN", "HK", "DE", "US", "GB", "NL", "TR", "IN", "FR", "PL"])


def rss_mib() -> float:
    """Current resident set size (peak RSS would include the generation step)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def words(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct-ish pronounceable-enough words of 3-9 letters."""
    lengths = rng.integers(3, 10, n)
    letters = LETTERS[rng.integers(0, 26, (n, 9))]
    return np.array(["".join(row[:k]) for row, k in zip(letters, lengths, strict=True)])


def zipf_pick(rng: np.random.Generator, vocab: np.ndarray, n: int, a: float) -> np.ndarray:
    """Draw ``n`` of ``vocab`` with Zipf(a) rank weights: a few very common, a long tail."""
    weights = 1.0 / np.arange(1, len(vocab) + 1) ** a
    return vocab[rng.choice(len(vocab), n, p=weights / weights.sum())]


def _list_column(values: np.ndarray, present: np.ndarray) -> pa.ListArray:
    offsets = np.concatenate([[0], np.cumsum(present)]).astype(np.int32)
    flat = pa.array(values[present])  # wide NumPy strings can come back chunked
    flat = flat.combine_chunks() if isinstance(flat, pa.ChunkedArray) else flat
    return pa.ListArray.from_arrays(pa.array(offsets), flat)


def entities(rng: np.random.Generator, n: int) -> pa.Table:
    """The synthetic ``entities`` table."""
    given = zipf_pick(rng, words(rng, 5000), n, 1.0)
    family = zipf_pick(rng, words(rng, 3000), n, 1.1)
    person = np.char.add(np.char.add(given, " "), family)
    company = np.char.add(np.char.add(family, " "), zipf_pick(rng, words(rng, 20000), n, 0.6))
    company = np.char.add(company, rng.choice([" Trading Co Ltd", " GmbH", " LLC", " Ltd"], n))
    is_company = rng.random(n) < 0.2
    ids = np.arange(n)
    phones = np.char.add("+86138", np.char.zfill(ids.astype(str), 8))
    emails = np.char.add(np.char.add("user", ids.astype(str)), "@example.com")
    idents = np.char.add("ID", np.char.zfill(ids.astype(str), 9))
    banks = np.char.add("DE89", np.char.zfill(ids.astype(str), 18))
    streets = zipf_pick(rng, words(rng, 3000), n, 0.8)
    numbers = rng.integers(1, 300, n).astype(str)
    postcodes = np.char.zfill(rng.integers(0, 5000, n).astype(str), 5)
    addresses = np.char.add(np.char.add(np.char.add(numbers, " "), streets), " Street | ")
    addresses = np.char.add(addresses, postcodes)
    return pa.table(
        {
            "entity_id": np.char.add("ent-", ids.astype(str)),
            "schema": np.where(is_company, "Company", "Person"),
            "name": np.where(is_company, company, person),
            "country": zipf_pick(rng, COUNTRIES, n, 1.2),
            "phones": _list_column(phones, rng.random(n) < 0.6),
            "emails": _list_column(emails, rng.random(n) < 0.4),
            "identifiers": _list_column(idents, rng.random(n) < 0.15),
            "bank_accounts": _list_column(banks, rng.random(n) < 0.3),
            "addresses": _list_column(addresses, rng.random(n) < 0.8),
            "watchlisted": rng.random(n) < 0.001,
        }
    )


def typo(rng: np.random.Generator, name: str) -> str:
    """One letter replaced, not the first of a word (see TokenIndex.resolve)."""
    spots = [i for i in range(1, len(name)) if name[i].isalpha() and name[i - 1] != " "]
    i = int(rng.choice(spots))
    return name[:i] + str(rng.choice(LETTERS)) + name[i + 1 :]


def queries(rng: np.random.Generator, table: pa.Table, n: int) -> list[tuple[str, dict, str]]:
    """(kind, query, expected entity id or "") tuples: 40 % exact, 20 % one-typo name with the
    country, 20 % one-typo name with the country and the address, 20 % misses."""
    cols = {
        c: table[c].to_pylist()
        for c in ("entity_id", "name", "country", "phones", "identifiers", "addresses")
    }
    out: list[tuple[str, dict[str, Any], str]] = []
    for k in range(n):
        i = int(rng.integers(0, table.num_rows))
        name, eid = cols["name"][i], cols["entity_id"][i]
        kind = ("exact", "exact", "fuzzy", "fuzzy_address", "miss")[k % 5]
        if kind == "exact" and (cols["phones"][i] or cols["identifiers"][i]):
            key = "phone" if cols["phones"][i] else "identifier"
            value = (cols["phones"][i] or cols["identifiers"][i])[0]
            out.append((kind, {"name": name.upper(), key: value}, eid))
        elif kind == "fuzzy_address" and cols["addresses"][i]:
            street, _, postcode = cols["addresses"][i][0].partition(" | ")
            number, _, rest = street.partition(" ")
            query = {"name": typo(rng, name), "country": cols["country"][i],
                     "street": f"No. {number} {rest.upper().replace('STREET', 'St.')}",
                     "postcode": postcode}  # fmt: skip
            out.append((kind, query, eid))
        elif kind != "miss":
            out.append(("fuzzy", {"name": typo(rng, name), "country": cols["country"][i]}, eid))
        else:
            out.append((kind, {"name": "Qx" + "".join(rng.choice(LETTERS, 7)) + " Zzyv"}, ""))
    return out


def percentiles(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "n": len(ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    table = entities(rng, args.entities)
    generate = time.perf_counter() - t
    before = rss_mib()
    t = time.perf_counter()
    index = ScreeningIndex(table, Weights())
    build = time.perf_counter() - t
    grown = rss_mib() - before
    qs = queries(rng, table, args.queries)
    times: dict[str, list[float]] = {}
    hits: dict[str, int] = {}
    in_top10: dict[str, int] = {}
    same_name: dict[str, int] = {}
    unique_hits: dict[str, list[bool]] = {}
    name_country: dict[tuple[str, str], int] = {}
    for norm, country in zip(index.norm_names, index.country.tolist(), strict=True):
        name_country[(norm, country)] = name_country.get((norm, country), 0) + 1
    position = {e: i for i, e in enumerate(index.entity_ids)}
    names = dict(zip(table["entity_id"].to_pylist(), table["name"].to_pylist(), strict=True))
    for kind, query, expected in qs:
        t = time.perf_counter()
        matches = index.screen(query, limit=10)
        times.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        top = matches[0] if matches else None
        ok = (
            (top is not None and top.entity_id == expected)
            if expected
            else (top is None or top.score < 0.5)
        )
        hits[kind] = hits.get(kind, 0) + ok
        # Many entities share a common name: the source among the ten is all one can ask.
        found = not expected or any(m.entity_id == expected for m in matches)
        in_top10[kind] = in_top10.get(kind, 0) + found
        alike = ok or (
            top is not None
            and bool(expected)
            and normalise_name(top.name) == normalise_name(names[expected])
        )
        same_name[kind] = same_name.get(kind, 0) + alike
        if expected:
            i = position[expected]
            if name_country[(index.norm_names[i], str(index.country[i]))] == 1:
                unique_hits.setdefault(kind, []).append(ok)
    every = [ms for kind_ms in times.values() for ms in kind_ms]
    print(
        json.dumps(
            {
                "entities": args.entities,
                "generate_seconds": round(generate, 2),
                "build_seconds": round(build, 2),
                "index_rss_growth_mib": round(grown, 1),
                "latency": {
                    "all": percentiles(every),
                    **{k: percentiles(v) for k, v in times.items()},
                },
                "correct_top1": {k: round(hits[k] / len(times[k]), 3) for k in times},
                "source_in_top10": {k: round(in_top10[k] / len(times[k]), 3) for k in times},
                "top1_source_or_same_name": {
                    k: round(same_name[k] / len(times[k]), 3) for k in times
                },
                "correct_top1_distinguishable": {
                    k: {"top1": round(sum(v) / len(v), 3), "n": len(v)}
                    for k, v in unique_hits.items()
                },
                "vocabulary": len(index.tokens.vocab),
                "machine": machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
