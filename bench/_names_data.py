"""Labelled name pairs for training and benchmarking the name model (bench/names*.py).

Every dataset is a list of ``Pair(left, right, label, schema, split)``. True pairs are names of
one entity; false pairs are *near-namesakes*: for each entity, the other entity of the same split
whose name is most alike (rapidfuzz ``ratio``) or, half of the time when there is one, a random
other entity sharing a word of the name ("John Smith" / "Jane Smith"); identical names are left
out (no name matcher can tell those apart). So there is one false pair per true pair — the
"someone put them side by side" prior of docs/names.md is even odds. Splits are by a hash of
the entity's English name: 60 % train, 20 % validation, 20 % test; false pairs never cross splits.

Datasets (bench/data/names/README.md says where the files come from):

* ``wikidata-translit-names``: full person names, English vs Hebrew / Korean script;
* ``wikidata-translit-words``: single name words, English vs Russian / Chinese / Arabic script;
* ``wikidata-latin-variants``: the English names against a variant of themselves (word order
  "Last, First", initials, an honorific, one typo, a dropped middle name, upper case);
* ``companies`` (optional, not shipped: no licence stated): alias groups of company names from
  yehudagale/fuzzyJoiner ``companies_to_cleanse/companies.txt``, path from ``--companies`` or
  ``RINGFENCE_BENCH_COMPANIES``.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

DATA = Path(__file__).resolve().parent / "data" / "names"
SPLITS = ("train", "validation", "test")
HONORIFICS = ("Mr", "Mr.", "Dr", "Mrs", "Ms", "Prof.", "Sir")


@dataclass(frozen=True)
class Pair:
    """One labelled pair of names."""

    left: str
    right: str
    label: int
    schema: str
    split: str


def split_of(key: str) -> str:
    """train / validation / test from a stable hash of the entity's key (60/20/20)."""
    bucket = int(hashlib.md5(key.casefold().encode()).hexdigest()[:8], 16) % 10
    return "train" if bucket < 6 else "validation" if bucket < 8 else "test"


def _read_tsv(name: str) -> list[dict[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:] if line]


def nearest_other(keys: list[str]) -> list[int]:
    """For each key, the index of the most alike *different* key (-1 if none)."""
    if len(keys) < 2:
        return [-1] * len(keys)
    folded = [k.casefold() for k in keys]
    scores = process.cdist(folded, folded, scorer=fuzz.ratio, dtype=np.uint8, workers=2)
    scores = scores.astype(np.int16)
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(folded):
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        scores[np.ix_(members, members)] = -1
    return [int(i) if scores[r, i] >= 0 else -1 for r, i in enumerate(scores.argmax(axis=1))]


def _with_negatives(
    entities: list[tuple[str, str, str]], schema: str, rng: random.Random, vary: bool = False
) -> list[Pair]:
    """True pairs ``(key, left, right)`` plus one near-namesake pair per entity, per split."""
    out: list[Pair] = []
    for split in SPLITS:
        mine = [e for e in entities if split_of(e[0]) == split]
        others = nearest_other([e[0] for e in mine])
        sharing = share_a_word([e[0] for e in mine], rng)
        for (_key, left, right), j, k in zip(mine, others, sharing, strict=True):
            j = k if k >= 0 and rng.random() < 0.5 else j
            out.append(Pair(left, variant(right, rng) if vary else right, 1, schema, split))
            if j >= 0:
                other = mine[j][2]
                out.append(Pair(left, variant(other, rng) if vary else other, 0, schema, split))
    return out


def share_a_word(keys: list[str], rng: random.Random) -> list[int]:
    """For each multi-word key, a random other key with one word in common ("John Smith" /
    "Jane Smith"), or -1."""
    by_word: dict[str, list[int]] = {}
    folded = [k.casefold() for k in keys]
    for i, key in enumerate(folded):
        for word in set(key.split()):
            by_word.setdefault(word, []).append(i)
    out = []
    for key in folded:
        words = key.split()
        pool = [j for w in words for j in by_word[w] if folded[j] != key] if len(words) > 1 else []
        out.append(rng.choice(pool) if pool and len(pool) < 5000 else -1)
    return out


def variant(name: str, rng: random.Random) -> str:
    """A way partners write the same person's name differently."""
    words = name.split()
    kind = rng.randrange(6)
    if kind == 0 and len(words) >= 2:
        return f"{words[-1]}, {' '.join(words[:-1])}"
    if kind == 1 and len(words) >= 2:
        return " ".join([*(w[0] + "." for w in words[:-1]), words[-1]])
    if kind == 2:
        return f"{rng.choice(HONORIFICS)} {name}"
    if kind == 3:
        return typo(name, rng)
    if kind == 4 and len(words) >= 3:
        return f"{words[0]} {words[-1]}"
    return name.upper()


def typo(name: str, rng: random.Random) -> str:
    """One letter replaced, dropped or doubled (not a word's first letter)."""
    spots = [i for i in range(1, len(name)) if name[i].isalpha() and name[i - 1] != " "]
    if not spots:
        return name
    i = rng.choice(spots)
    how = rng.randrange(3)
    if how == 0:
        return name[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + name[i + 1 :]
    if how == 1:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def load_datasets(companies: Path | None = None) -> dict[str, list[Pair]]:
    """Every available dataset's labelled pairs."""
    rng = random.Random(7)
    people = _read_tsv("wikidata_person_names.tsv")
    words = _read_tsv("wikidata_name_words.tsv")
    out = {
        "wikidata-translit-names": _with_negatives(
            [(r["english"], r["native"], r["english"]) for r in people], "Person", rng
        ),
        "wikidata-translit-words": _with_negatives(
            [(r["english"], r["native"], r["english"]) for r in words], "Person", rng
        ),
        "wikidata-latin-variants": _with_negatives(
            [(r["english"], r["english"], r["english"]) for r in people], "Person", rng, True
        ),
    }
    if companies is not None and companies.is_file():
        out["companies"] = _company_pairs(companies, rng)
    return out


def _company_pairs(path: Path, rng: random.Random, limit: int = 12000) -> list[Pair]:
    """Alias groups ``a|b|c`` → (first, another alias) true pairs plus near-namesakes."""
    groups = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        names = [n.strip().replace("&amp;", "&") for n in line.split("|") if n.strip()]
        if len(names) >= 2 and names[0].casefold() != names[1].casefold():
            groups.append((names[0], names[0], rng.choice(names[1:])))
    rng.shuffle(groups)
    return _with_negatives(groups[:limit], "Company", rng)
