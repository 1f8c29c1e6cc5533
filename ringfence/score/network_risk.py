"""Network risk of each shipment's parties, out of time: weekly snapshots of the propagation.

``ringfence network risk`` spreads risk from *all* seeds at once (every watchlist entry, every
seizure), so its ``network_risk`` would leak later seizures into a model's training rows. Here the
same personalised PageRank (``resolve.network.risk.personalized_pagerank`` and ``normalise``, over
the graph ``load_network`` builds) is rerun per snapshot with only the seeds known *before the
snapshot's period start*: a watchlist entry from its ``confirmed_at`` (else the day it was
ingested), a seizure from its effective date (the later of the outcome's and the shipment's date,
as label history uses). A shipment dated ``d`` reads the snapshot of the period holding ``d``
(periods of ``SNAPSHOT_DAYS`` days, ISO weeks by default), so every seed it sees is dated strictly
before ``d``. Periods with the same known seeds share one propagation.

Each snapshot also gives every entity its path text to the nearest seed known then
(``resolve.network.graph.bfs`` + ``paths.build_paths``), for explanations.

The graph itself (shared identifiers, trade links) is today's: only the seeds are time-sliced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from ringfence.resolve.network.edges import SEED_ROLE_WEIGHTS, role_refs_sql
from ringfence.resolve.network.graph import Graph, bfs
from ringfence.resolve.network.load import load_network
from ringfence.resolve.network.paths import build_paths
from ringfence.resolve.network.risk import normalise, personalized_pagerank
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake

# Snapshot period length in days. Periods start on Mondays (1970-01-01 was a Thursday, so day
# ``-3`` is a Monday): with 7 they are ISO weeks. Shorter periods see seeds sooner, each new
# seed set costs one PageRank.
SNAPSHOT_DAYS = 7
_MONDAY = 3
# Table of (party key, period start day, risk, path to the nearest seed) the feature SQL joins.
NETWORK_TABLE_SCHEMA = pa.schema(
    [
        ("k", pa.string()),
        ("pday", pa.int64()),
        ("network_risk", pa.float64()),
        ("network_path", pa.string()),
    ]
)


def period_start(day: int) -> int:
    """The first day of the snapshot period holding ``day`` (days since 1970)."""
    return day - (day + _MONDAY) % SNAPSHOT_DAYS


def period_sql(day: str) -> str:
    """``period_start`` in SQL (days since 1970 are positive for any customs date)."""
    return f"({day} - (({day} + {_MONDAY}) % {SNAPSHOT_DAYS}))"


def _day(expr: str) -> str:
    return f"date_diff('day', DATE '1970-01-01', {expr})"


def dated_seeds_sql(watchlist: bool, outcomes: bool, cutoff_day: int | None) -> str:
    """Seed rows (entity_idx, weight, day known, reason) over the tables ``load_network`` registers.

    The seeds are ``edges.seeds_sql``'s, each with the day it became known; ``cutoff_day``
    drops seizures known on or after it (the label cut-off of backtests)."""
    weights = " ".join(f"WHEN '{r}' THEN {w}" for r, w in SEED_ROLE_WEIGHTS.items())
    parts = []
    if watchlist:
        known = _day("coalesce(w.confirmed_at, CAST(w.ingested_at AS DATE))")
        parts.append(
            f"SELECT m.entity_idx, 'watchlist' AS role, {known} AS seen,"
            " 'watchlisted by ' || m.organisation AS reason FROM watchlist AS w "
            "JOIN network_mentions AS m ON m.role = 'watchlist' "
            "AND m.organisation = w.organisation AND m.source_key = 'watchlist:' || w.source_key"
        )
    if outcomes:
        lday = _day("greatest(coalesce(o.date, s.date), s.date)")
        cut = f" AND {lday} < {cutoff_day}" if cutoff_day is not None else ""
        seized = (
            f"SELECT coalesce(s.tracking_number, s.id) AS consignment, min({lday}) AS day,"
            f" arg_min(s.source_key, {lday}) AS source_key,"
            f" arg_min(s.organisation, {lday}) AS organisation"
            " FROM outcomes AS o JOIN shipments AS s ON s.id = o.shipment_ref WHERE o.positive"
            f" AND (o.result = 'seized' OR lower(o.label) IN ('counterfeit', 'ipr')){cut}"
            " GROUP BY 1"
        )
        parts.append(
            "SELECT m.entity_idx, r.role, z.day AS seen, r.role || ' of seized shipment '"
            " || z.source_key || ' (' || z.organisation || ')' AS reason"
            f" FROM ({seized}) AS z JOIN ({role_refs_sql()}) AS r ON r.consignment = z.consignment"
            " JOIN network_mentions AS m ON m.mention_id = r.ref"
        )
    if not parts:
        return "SELECT 0 AS entity_idx, 0.0 AS weight, 0 AS day, '' AS reason WHERE false"
    union = "\nUNION ALL\n".join(parts)
    return f"""SELECT entity_idx, CASE role {weights} ELSE 0.1 END AS weight, min(seen) AS day,
 arg_min(reason, seen) AS reason
FROM ({union}) AS x WHERE seen IS NOT NULL GROUP BY 1, 2 ORDER BY 3, 1, 2"""


@dataclass
class NetworkSnapshots:
    """The entity graph and its dated seeds; risk per snapshot period, computed once each."""

    graph: Graph
    entities: pd.Index  # entity_id of each entity node, in node order
    names: pa.Array  # each entity's name, for path text
    seed_idx: np.ndarray  # seed rows sorted by the day they became known
    seed_weight: np.ndarray
    seed_day: np.ndarray
    seed_reason: np.ndarray  # why each seed row is one (text)
    _cache: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _paths: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def adjacency(self) -> sparse.csr_matrix:
        return self.graph.adjacency

    @property
    def n_entities(self) -> int:
        return self.graph.n_entities

    def risk_at(self, pday: int) -> np.ndarray:
        """``network_risk`` of every entity from the seeds known strictly before ``pday``."""
        known = int(np.searchsorted(self.seed_day, pday, side="left"))
        if known not in self._cache:
            self._cache[known] = self._propagate(known)
        return self._cache[known]

    def _propagate(self, known: int) -> np.ndarray:
        restart = np.zeros(self.adjacency.shape[0])
        # An entity that is a seed for several reasons keeps its highest weight.
        np.maximum.at(restart, self.seed_idx[:known], self.seed_weight[:known])
        seeds = np.flatnonzero(restart[: self.n_entities] > 0)
        if seeds.size == 0:
            return np.zeros(self.n_entities)
        ppr = personalized_pagerank(self.adjacency, restart)
        return np.round(normalise(ppr.scores[: self.n_entities], seeds), 6)

    def warm(self) -> None:
        """Compute the snapshot with every seed now (the one shipments of today and later read),
        so that a request does not pay for its PageRank."""
        latest = int(self.seed_day[-1]) + 1 if self.seed_day.size else 0
        self.risk_at(latest)
        self.paths_at(latest)

    def paths_at(self, pday: int) -> np.ndarray:
        """Path text from every entity to its nearest seed known before ``pday`` (None where no
        such seed is reachable), as ``ringfence network risk`` writes it."""
        known = int(np.searchsorted(self.seed_day, pday, side="left"))
        if known not in self._paths:
            self._paths[known] = self._build_paths(known)
        return self._paths[known]

    def _build_paths(self, known: int) -> np.ndarray:
        idx, weight = self.seed_idx[:known], self.seed_weight[:known]
        # The seed's reason is that of its highest-weight row, as the network module keeps.
        order = np.lexsort((-weight, idx))
        seeds, first = np.unique(idx[order], return_index=True)
        seed_text = np.full(self.n_entities, None, dtype=object)
        seed_text[seeds] = self.seed_reason[:known][order][first]
        search = bfs(self.adjacency, seeds)
        text = pa.array(seed_text, pa.string())
        paths = build_paths(self.graph, self.names, search.steps, search.pred, text)
        return np.asarray(paths.to_numpy(zero_copy_only=False), dtype=object)

    def path_of(self, key: str | None, day: int) -> str | None:
        """The path text of one party key for a shipment dated ``day``."""
        loc = -1 if key is None else int(self.entities.get_indexer([key])[0])
        if loc < 0:
            return None
        path = self.paths_at(period_start(day))[loc]
        return None if path is None else str(path)

    def risk_of(self, key: str | None, day: int) -> float | None:
        """One party key's risk for a shipment dated ``day`` (None for no party)."""
        if key is None:
            return None
        loc = self.entities.get_indexer([key])[0]
        return 0.0 if loc < 0 else float(self.risk_at(period_start(day))[loc])

    def lookup(self, keys: pa.Table) -> pa.Table:
        """Risk for distinct (``k``, ``pday``) rows: the table the feature SQL joins."""
        k = keys.column("k").to_pandas()
        pday = keys.column("pday").to_numpy(zero_copy_only=False).astype(np.int64)
        loc = self.entities.get_indexer(k)
        risk = np.zeros(len(k))
        path = np.full(len(k), None, dtype=object)
        for start in np.unique(pday):
            rows = np.flatnonzero((pday == start) & (loc >= 0))
            risk[rows] = self.risk_at(int(start))[loc[rows]]
            risky = rows[risk[rows] > 0]  # paths only where they explain a risk
            if risky.size:
                path[risky] = self.paths_at(int(start))[loc[risky]]
        columns = [pa.array(k, pa.string()), pa.array(pday), pa.array(risk), pa.array(path)]
        return pa.table(columns, schema=NETWORK_TABLE_SCHEMA)


def load_snapshots(
    settings: Settings, label_cutoff: dt.date | None = None
) -> NetworkSnapshots | None:
    """The network with dated seeds, or None when ``ringfence network risk`` has not run (no
    ``network_risk`` dataset, or no party mentions): the network features are then absent."""
    lake = Lake(settings)
    if not (lake.has("network_risk") and lake.has("parties")):
        return None
    cutoff_day = (label_cutoff - dt.date(1970, 1, 1)).days if label_cutoff else None
    # Its own engine: the network registers stand-in tables under the feature inputs' names.
    engine = open_engine(settings)
    try:
        network = load_network(settings, engine)
        sql = dated_seeds_sql(
            lake.has("watchlist"), lake.has("outcomes") and lake.has("shipments"), cutoff_day
        )
        seeds = engine.query(sql)
    finally:
        engine.close()
    ids = network.entities.column("entity_id").to_pandas()
    return NetworkSnapshots(
        graph=network.graph,
        entities=pd.Index(ids),
        names=network.entities.column("name").combine_chunks(),
        seed_idx=_ints(seeds, "entity_idx"),
        seed_weight=seeds.column("weight").to_numpy(zero_copy_only=False).astype(np.float64),
        seed_day=_ints(seeds, "day"),
        seed_reason=np.asarray(seeds.column("reason").to_pylist(), dtype=object),
    )


def register_network_risk(engine: Engine, snapshots: NetworkSnapshots, keys_sql: str) -> None:
    """Compute the risk of the (party key, period) pairs ``keys_sql`` returns and bind the pairs
    at risk as ``network_risk_at`` in ``engine``. The feature query reads a party without a row
    as 0 (``coalesce``), so the pairs at 0 change no value; bound, they filled each party role's
    join table: on the simulator's 3M-shipment world 1.38M of 1.48M pairs, six hash tables that
    ran ``ringfence score`` out of DuckDB's 2 GB (docs/scale.md, 2026-12-06)."""
    pairs = snapshots.lookup(engine.query(keys_sql))
    engine.register_arrow("network_risk_at", pairs.filter(pc.greater(pairs["network_risk"], 0)))


def _ints(table: pa.Table, column: str) -> np.ndarray:
    return np.asarray(table.column(column).to_numpy(zero_copy_only=False), dtype=np.int64)
