"""Entity network: graph build and PageRank speed at scale, and ranking quality on a sim world.

    .venv/bin/python bench/network.py [--edges 10000000] [--entities 2000000]
                                      [--sim-days 30] [--sim-scale 1.0] [--seed 7] [--resolve]
    .venv/bin/python bench/network.py --skip-sim     # only the generated graph

Part 1 generates a bipartite entity–identifier edge list of ``--edges`` edges with NumPy (link
popularity heavy-tailed, so there are hubs to cap), then times hub capping + CSR build, personalised
PageRank from 1,000 seeds, and the multi-source BFS, and reports peak memory.

Part 2 simulates and ingests a world (as ``ringfence demo`` does), optionally resolves entities
(``--resolve``, the resolver's ``resolve_parties``), runs ``compute_network_risk`` and scores the
ranking against truth/parties.parquet: precision@k of ring members among non-seed entities ranked
by network_risk, against the base rate of ring members among all non-seed entities.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine
from ringfence.resolve.network.graph import bfs, build_graph, hub_mask, hub_weight
from ringfence.resolve.network.risk import personalized_pagerank
from ringfence.settings import Settings


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def generated(n_edges: int, n_entities: int, seed: int) -> dict[str, Any]:
    """Build + PPR + BFS timings on a generated graph of ``n_edges`` entity–link edges."""
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    # Identifier degrees 1 + Zipf(2.5): mean ~3, most shared by 2-3 entities, a few by
    # thousands (hubs to cap) - the shape of phones and addresses in the simulated worlds.
    sizes = np.minimum(1 + rng.zipf(2.5, n_edges // 2), 100_000)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n_edges) + 1]
    link = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)[:n_edges]
    n_links = int(sizes.size)
    entity = rng.integers(0, n_entities, link.size, dtype=np.int64)
    kind = pa.array(np.where(link % 2 == 0, "phone", "address"))
    degree = np.bincount(link, minlength=n_links)[link]
    generate_s = time.perf_counter() - started

    started = time.perf_counter()
    keep = ~hub_mask(kind, degree) & (degree >= 2)
    used, link_idx = np.unique(link[keep], return_inverse=True)
    weight = hub_weight(kind.filter(pa.array(keep)), degree[keep])
    links = pa.table({"kind": pa.nulls(len(used), pa.string())})
    graph = build_graph(n_entities, entity[keep], link_idx, weight, links)
    build_s = time.perf_counter() - started

    seeds = rng.choice(n_entities, 1_000, replace=False)
    restart = np.zeros(graph.n_nodes)
    restart[seeds] = 1.0
    started = time.perf_counter()
    pr = personalized_pagerank(graph.adjacency, restart)
    ppr_s = time.perf_counter() - started
    started = time.perf_counter()
    search = bfs(graph.adjacency, seeds)
    bfs_s = time.perf_counter() - started
    return {
        "edges_generated": n_edges,
        "edges_kept": graph.n_edges,
        "hub_edges_dropped": int(np.count_nonzero(~keep)),
        "entities": n_entities,
        "link_nodes": len(used),
        "generate_seconds": round(generate_s, 2),
        "build_seconds": round(build_s, 2),
        "pagerank_seconds": round(ppr_s, 2),
        "pagerank_iterations": pr.iterations,
        "pagerank_residual": pr.residual,
        "bfs_seconds": round(bfs_s, 2),
        "bfs_reached_entities": int(np.count_nonzero(search.steps[:n_entities] >= 0)),
        "peak_rss_mib": _peak_mib(),
    }


def simulated(days: int, scale: float, seed: int, resolve: bool) -> dict[str, Any]:
    """Precision@k of ring members by network_risk on an ingested simulated world."""
    from ringfence.demo import run_demo
    from ringfence.resolve.network import compute_network_risk

    with tempfile.TemporaryDirectory(prefix="rf-network-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        started = time.perf_counter()
        run_demo(settings, seed=seed, days=days, scale=scale)
        ingest_s = time.perf_counter() - started
        if resolve:
            from ringfence.resolve.pipeline import resolve_parties

            resolve_parties(settings)
        summary = compute_network_risk(settings)
        quality = _precision(settings)
    return {"days": days, "scale": scale, "seed": seed,
            "simulate_and_ingest_seconds": round(ingest_s, 1),
            "network": summary.as_dict(), **quality}


def _precision(settings: Settings) -> dict[str, Any]:
    """Join network_risk to truth through the mention keys; rank non-seed entities."""
    import duckdb

    lake, world = settings.lake_dir, settings.data_dir / "demo-world"
    con = duckdb.connect()
    mentions = "entity_mentions" if (lake / "entity_mentions").is_dir() else None
    entity_of = (
        f"(SELECT mention_id, entity_id FROM read_parquet('{lake}/entity_mentions/*.parquet'))"
        if mentions else "(SELECT id AS mention_id, id AS entity_id FROM parties)"
    )
    con.execute(f"CREATE VIEW parties AS SELECT * FROM read_parquet('{lake}/parties/*.parquet')")
    rows = con.execute(f"""
        WITH truth AS (
            SELECT DISTINCT organisation, mention_key FROM
            read_parquet('{world}/truth/parties.parquet') WHERE ring_id IS NOT NULL),
        ring AS (
            SELECT DISTINCT e.entity_id FROM parties AS p
            JOIN truth AS t ON t.organisation = p.organisation AND t.mention_key = p.source_key
            JOIN {entity_of} AS e ON e.mention_id = p.id)
        SELECT r.network_risk, ring.entity_id IS NOT NULL AS is_ring
        FROM read_parquet('{lake}/network_risk/*.parquet') AS r
        LEFT JOIN ring ON ring.entity_id = r.entity_id
        WHERE r.hops IS NULL OR r.hops > 0
        ORDER BY r.network_risk DESC, r.entity_id
    """).fetchall()
    is_ring = np.array([bool(r[1]) for r in rows])
    base = float(is_ring.mean()) if is_ring.size else 0.0
    at_k = {}
    for k in (10, 25, 50, 100, 250):
        if k <= is_ring.size:
            p = float(is_ring[:k].mean())
            at_k[str(k)] = {"precision": round(p, 3), "lift": round(p / base, 1) if base else None}
    return {"non_seed_entities": int(is_ring.size), "ring_members": int(is_ring.sum()),
            "base_rate": round(base, 4), "precision_at_k": at_k}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--entities", type=int, default=2_000_000)
    parser.add_argument("--sim-days", type=int, default=30)
    parser.add_argument("--sim-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--resolve", action="store_true", help="run entity resolution first")
    parser.add_argument("--skip-sim", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {"machine": machine(), "load_average": os.getloadavg()}
    if not args.skip_sim:
        out["simulated"] = simulated(args.sim_days, args.sim_scale, args.seed, args.resolve)
    if not args.skip_generated:
        out["generated"] = generated(args.edges, args.entities, args.seed)
    out["peak_rss_mib"] = _peak_mib()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
