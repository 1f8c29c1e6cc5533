"""The built network kept on disk, keyed by the lake parts it was built from.

``ringfence network risk``, scoring, training and the service each build the same network
from the same lake; at 10M shipments the queries alone take ~29 s a time (docs/scale.md). The
first build writes the network under ``cache/network/<key>`` in the data directory, the key a
hash of every part file (name, size, modification time) of every dataset the network reads and
of ``CACHE_VERSION``; a later load with the same key reads it back instead of querying. A new
part, a removed one or a rewritten one changes the key, so a stale network is never read; older
keys are removed when a new one is written. A cache that cannot be read is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from zipfile import BadZipFile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import sparse

from ringfence.resolve.network.graph import Graph
from ringfence.store.lake import Lake
from ringfence.store.leftovers import NETWORK_CACHE, owned_name

if TYPE_CHECKING:
    from ringfence.resolve.network.load import Network

# Bump when the network's SQL, weights or layout change: a key of another version never matches.
CACHE_VERSION = "1"
_TABLES = ("entities", "mentions", "links")


def cache_root(data_dir: Path) -> Path:
    """Where the networks are kept: ``cache/network`` in the data directory."""
    return data_dir / NETWORK_CACHE


def network_key(lake: Lake, datasets: tuple[str, ...]) -> str:
    """A hash of every part file of ``datasets`` (name, size, modification time) and the
    cache version: equal exactly when the network would be built from the same files."""
    digest = hashlib.sha256(f"ringfence-network/{CACHE_VERSION}".encode())
    for dataset in datasets:
        for part in lake.parts(dataset):
            stat = part.stat()
            digest.update(f"\n{dataset}/{part.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def read_network(root: Path, key: str) -> Network | None:
    """The network kept under ``key``, or None when there is none or it cannot be read."""
    from ringfence.resolve.network.load import Network

    folder = root / key
    if not (folder / "meta.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        tables = {name: pq.read_table(folder / f"{name}.parquet") for name in _TABLES}
        with np.load(folder / "arrays.npz") as arrays:
            adjacency = sparse.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(meta["shape"])
            )
            seed_idx, seed_weight = arrays["seed_idx"], arrays["seed_weight"]
        graph = Graph(
            adjacency, meta["n_entities"], tables["links"], meta["hubs_dropped"],
            meta["trade_links_dropped"],
        )  # fmt: skip
        return Network(
            graph, tables["entities"], tables["mentions"], seed_idx, seed_weight,
            list(meta["seed_reason"]), bool(meta["resolved"]),
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, EOFError, BadZipFile, pa.ArrowException):
        return None


def write_network(root: Path, key: str, network: Network) -> None:
    """Keep ``network`` under ``key`` (written aside, then moved in whole) and remove the
    networks kept under other keys. A failure to write leaves no cache, never a partial one."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / owned_name(".tmp-")
    try:
        tmp.mkdir()
        graph = network.graph
        adjacency = graph.adjacency.tocsr()
        np.savez(
            tmp / "arrays.npz", data=adjacency.data, indices=adjacency.indices,
            indptr=adjacency.indptr, seed_idx=network.seed_idx, seed_weight=network.seed_weight,
        )  # fmt: skip
        for name, table in zip(
            _TABLES, (network.entities, network.mentions, graph.links), strict=True
        ):
            pq.write_table(table, tmp / f"{name}.parquet")
        meta = {
            "shape": list(adjacency.shape), "n_entities": graph.n_entities,
            "hubs_dropped": graph.hubs_dropped, "trade_links_dropped": graph.trade_links_dropped,
            "seed_reason": network.seed_reason, "resolved": network.resolved,
        }  # fmt: skip
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        shutil.rmtree(root / key, ignore_errors=True)
        os.replace(tmp, root / key)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    for other in root.iterdir():
        if other.name != key and not other.name.startswith(".tmp-"):
            shutil.rmtree(other, ignore_errors=True)
