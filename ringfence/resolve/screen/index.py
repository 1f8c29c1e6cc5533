"""The in-memory screening index: exact maps, a name-token inverted index and attribute arrays.

Built once (``ScreeningIndex.load(settings)``, or the constructor on an Arrow table), then
queried many times: the web API keeps one per process. Candidates are the entities sharing an
exact contact or identifier with the query, plus the best ``NAME_CANDIDATES`` by IDF-weighted
shared name tokens; only those are scored (scoring.py), so a query costs a few posting
lookups and one rapidfuzz call.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from rapidfuzz import process

from ringfence.errors import NotFoundError
from ringfence.resolve.names.analyse import analyse
from ringfence.resolve.names.similarity import skeleton
from ringfence.resolve.screen.aliases import entity_aliases
from ringfence.resolve.screen.clean import EXACT_FIELDS, clean_query, clean_stored, index_name
from ringfence.resolve.screen.fresh import entities_from_parties
from ringfence.resolve.screen.scoring import Match, score_candidates
from ringfence.resolve.screen.scripts import SkeletonNames
from ringfence.resolve.screen.weights import Weights, load_weights
from ringfence.settings import Settings
from ringfence.store.lake import Lake

# A token on more entities than this is skipped for candidate retrieval when the query has a
# rarer token: walking the postings of "wang" on a million entities would cost the whole budget.
MAX_POSTING = 20_000
NAME_CANDIDATES = 200
# Extra candidates by consonant skeleton for a name that was not written in Latin letters.
SCRIPT_CANDIDATES = 50
# That scan reads every indexed name; above this many entities it is skipped and such a query
# relies on the token index (skeletons of single words) alone.
SCRIPT_SCAN_LIMIT = 200_000
# How many known tokens may stand in for one unknown (typo'd) token, and how far below the
# closest one (rapidfuzz ratio points) they may be.
TYPO_CHOICES = 3
TYPO_SLACK = 5.0
# Known tokens with the same consonant skeleton that may stand in for an unknown token (a name
# transliterated from a script that writes few vowels); skeletons shorter than this are ignored.
SKELETON_CHOICES = 3
MIN_SKELETON = 3
# An exact value shared by more entities than this (a warehouse address, a forwarder's phone)
# does not make them all candidates; it still counts for candidates found by name.
MAX_EXACT_CANDIDATES = 500


class ExactMap:
    """Cleaned value → entity indices, without a Python list per key (most keys hit once)."""

    def __init__(self) -> None:
        self.first: dict[str, int] = {}
        self.more: dict[str, list[int]] = {}

    def add(self, value: str, index: int) -> None:
        if self.first.setdefault(value, index) != index:
            self.more.setdefault(value, []).append(index)

    def get(self, value: str) -> list[int]:
        first = self.first.get(value)
        if first is None:
            return []
        return [first, *self.more.get(value, ())]


@dataclass
class TokenIndex:
    """Name tokens → entity postings in CSR form, with IDF weights ``ln(N / df)``."""

    vocab: dict[str, int]
    offsets: np.ndarray
    postings: np.ndarray
    idf: np.ndarray
    by_initial: dict[str, list[str]] = field(default_factory=dict)
    by_skeleton: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> TokenIndex:
        vocab: dict[str, int] = {}
        ids: list[int] = []
        owners: list[int] = []
        for entity, tokens in enumerate(token_lists):
            for token in set(tokens):
                ids.append(vocab.setdefault(token, len(vocab)))
                owners.append(entity)
        token_ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(token_ids, kind="stable")
        df = np.bincount(token_ids, minlength=len(vocab))
        offsets = np.concatenate([[0], np.cumsum(df)])
        idf = np.log(max(len(token_lists), 1) / np.maximum(df, 1)) + 1e-3
        by_initial: dict[str, list[str]] = {}
        by_skeleton: dict[str, list[str]] = {}
        for token in vocab:
            by_initial.setdefault(token[0], []).append(token)
            if len(bones := skeleton(token)) >= MIN_SKELETON:
                by_skeleton.setdefault(bones, []).append(token)
        postings = np.asarray(owners, dtype=np.int32)[order]
        return cls(vocab, offsets, postings, idf, by_initial, by_skeleton)

    @property
    def max_idf(self) -> float:
        return float(self.idf.max()) if len(self.idf) else 1.0

    def resolve(self, token: str) -> list[int]:
        """The token's id; for an unknown token (a typo) the known ones closest to it.

        A one-letter typo is often equally close to several known words ("mulle" to "muller"
        and "mullen"): all within ``TYPO_SLACK`` of the best are kept, up to ``TYPO_CHOICES``,
        and the full-name scoring picks among their entities.
        """
        known = self.vocab.get(token)
        if known is not None:
            return [known]
        found: list[int] = []
        # A word from another script keeps its consonants ("d'gls" for Douglas in Hebrew).
        if len(bones := skeleton(token)) >= MIN_SKELETON:
            alike = self.by_skeleton.get(bones, [])
            found += [self.vocab[w] for w in sorted(alike, key=len)[:SKELETON_CHOICES]]
        # Typos rarely hit the first letter; searching its bucket keeps this cheap.
        bucket = self.by_initial.get(token[0], [])
        close = process.extract(token, bucket, limit=TYPO_CHOICES, score_cutoff=75)
        if close:
            best = close[0][1]
            found += [self.vocab[word] for word, score, _ in close if score >= best - TYPO_SLACK]
        return list(dict.fromkeys(found))

    def candidates(self, tokens: Iterable[str], limit: int) -> np.ndarray:
        """Entities sharing most IDF weight of name tokens with the query, best first."""
        ids = {t for tok in tokens for t in self.resolve(tok)}
        if not ids:
            return np.empty(0, dtype=np.int64)
        sizes = {t: int(self.offsets[t + 1] - self.offsets[t]) for t in ids}
        rare = [t for t in ids if sizes[t] <= MAX_POSTING]
        if not rare:
            return self._common_only(sorted(ids, key=sizes.__getitem__), limit)
        use = rare
        parts = [
            self.postings[self.offsets[t] : self.offsets[t] + min(sizes[t], MAX_POSTING)]
            for t in use
        ]
        weights = [np.full(len(p), self.idf[t]) for p, t in zip(parts, use, strict=True)]
        entities, inverse = np.unique(np.concatenate(parts), return_inverse=True)
        totals = np.bincount(inverse, weights=np.concatenate(weights))
        top = np.argsort(-totals, kind="stable")[:limit]
        return entities[top].astype(np.int64)

    def _common_only(self, ids: list[int], limit: int) -> np.ndarray:
        """Candidates for a name made only of common tokens ("wang fang"): the entities holding
        all of them (postings are sorted, so intersecting is linear), else the rarest token's."""

        def postings(t: int) -> np.ndarray:
            return self.postings[self.offsets[t] : self.offsets[t + 1]]

        common = postings(ids[0])
        for t in ids[1:]:
            both = np.intersect1d(common, postings(t), assume_unique=True)
            if len(both) == 0:
                break
            common = both
        return common[:limit].astype(np.int64)


class ScreeningIndex:
    """Screen new parties against every resolved entity and the watchlist."""

    def __init__(
        self,
        entities: pa.Table,
        weights: Weights,
        network_risk: dict[str, float] | None = None,
        aliases: dict[str, list[str]] | None = None,
    ) -> None:
        cols = entities.to_pydict()
        self.size = entities.num_rows
        self.weights = weights
        self.entity_ids: list[str] = cols["entity_id"]
        self.names: list[str] = [n or "" for n in cols["name"]]
        norm_cache: dict[str, str] = {}

        def norm(name: str) -> str:
            return norm_cache.get(name) or norm_cache.setdefault(name, index_name(name))

        self.norm_names = [norm(n) for n in self.names]
        # Each entity's other names (aliases.py) with their index forms; [] for most entities.
        others = aliases or {}
        self.aliases: list[list[tuple[str, str]]] = [
            [(a, norm(a)) for a in others.get(e, ()) if a and a != n]
            for e, n in zip(self.entity_ids, self.names, strict=True)
        ]
        self.schemas: list[str] = [x or "" for x in cols.get("schema", [None] * self.size)]
        self.tokens = TokenIndex.build(
            [
                list(dict.fromkeys(n.split() + [t for _, a in more for t in a.split()]))
                for n, more in zip(self.norm_names, self.aliases, strict=True)
            ]
        )
        self.skeletons = SkeletonNames(self.norm_names)
        self.country = np.asarray([c or "" for c in cols.get("country", [None] * self.size)])
        self.watchlisted = np.asarray(
            [bool(w) for w in cols.get("watchlisted", [False] * self.size)]
        )
        risk = network_risk or {}
        self.network_risk = np.asarray([risk.get(e, np.nan) for e in self.entity_ids])
        self.exact: dict[str, ExactMap] = {}
        self.has: dict[str, np.ndarray] = {}
        for name, column in EXACT_FIELDS.items():
            self._build_exact(name, cols.get(column) or [None] * self.size)

    def _build_exact(self, name: str, lists: list[Any]) -> None:
        exact = ExactMap()
        has = np.zeros(self.size, dtype=bool)
        for index, values in enumerate(lists):
            for raw in values or ():
                value = clean_stored(name, raw)
                if value:
                    exact.add(value, index)
                    has[index] = True
        self.exact[name], self.has[name] = exact, has

    @classmethod
    def load(cls, settings: Settings) -> ScreeningIndex:
        """Read ``entities`` (and ``network_risk`` when present) from the lake; build once.

        Before any ``ringfence resolve`` (a watchlist just ingested), every party mention in the
        lake is screened as its own entity (fresh.py).
        """
        lake = Lake(settings)
        parts = lake.parts("entities")
        if parts:
            tables = [pq.read_table(p) for p in parts]
            entities = pa.concat_tables(tables, promote_options="default")
        else:
            entities = entities_from_parties(settings)
        if entities is None:
            raise NotFoundError(
                f"nothing to screen against in {settings.lake_dir}: ingest parties (a watchlist) "
                "first"
            )
        risk: dict[str, float] = {}
        for part in lake.parts("network_risk"):
            table = pq.read_table(part, columns=["entity_id", "network_risk"])
            risk.update(
                zip(table["entity_id"].to_pylist(), table["network_risk"].to_pylist(), strict=True)
            )
        aliases = entity_aliases(settings) if parts else {}
        return cls(entities, load_weights(settings.data_dir), risk, aliases)

    def screen(self, query: dict[str, Any], limit: int = 10) -> list[Match]:
        """The ``limit`` best-scoring entities for one party, best first."""
        clean = clean_query(query)
        hits: dict[int, set[str]] = {}
        crowded: list[tuple[str, list[int]]] = []
        for name in self.exact:
            value = clean.get(name)
            found = self.exact[name].get(value) if value else []
            if len(found) > MAX_EXACT_CANDIDATES:
                crowded.append((name, found))  # a forwarder's address: evidence, not a lead
                continue
            for index in found:
                hits.setdefault(index, set()).add(name)
        tokens = clean.get("name_norm", "").split()
        by_name = (
            self.tokens.candidates(tokens, NAME_CANDIDATES)
            if tokens
            else np.empty(0, dtype=np.int64)
        )
        if tokens and self.size <= SCRIPT_SCAN_LIMIT and not analyse(clean.get("name", "")).latin:
            by_name = np.concatenate(
                [by_name, self.skeletons.candidates(clean["name_norm"], SCRIPT_CANDIDATES)]
            )
        candidates = np.unique(
            np.concatenate([np.fromiter(hits, dtype=np.int64, count=len(hits)), by_name])
        )
        if len(candidates) == 0:
            return []
        for name, found in crowded:
            for index in candidates[np.isin(candidates, found)]:
                hits.setdefault(int(index), set()).add(name)
        rarity = self._rarity(tokens)
        return score_candidates(self, clean, candidates, hits, rarity, limit)

    def _rarity(self, tokens: list[str]) -> float:
        """Mean IDF of the query's name tokens over the largest IDF, in (0, 1]: low for common
        names, 1 for names nobody else has (unknown tokens count as rarest)."""
        if not tokens:
            return 0.0
        top = self.tokens.max_idf
        idfs = [
            self.tokens.idf[t] if (t := self.tokens.vocab.get(tok)) is not None else top
            for tok in tokens
        ]
        return max(0.05, min(1.0, math.fsum(idfs) / len(idfs) / top))
