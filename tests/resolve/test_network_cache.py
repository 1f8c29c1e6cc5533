"""The network kept on disk (``resolve/network/cache.py``): read back instead of queried when
the lake parts are the same, built again when any part of a source changes, a broken cache
rebuilt, and what comes back equal to what was built."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ringfence.resolve.network import cache
from ringfence.resolve.network.load import Network, load_network
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.leftovers import clean_leftovers, owned_name
from tests.resolve.test_network import party, table, write_world


def _load(settings: Settings) -> tuple[Network, int]:
    """The network and how many queries its loading ran."""
    engine = open_engine(settings)
    queries = 0
    real = engine.query

    def counting(sql: str, *args: Any, **kwargs: Any) -> Any:
        nonlocal queries
        queries += 1
        return real(sql, *args, **kwargs)

    engine.query = counting  # type: ignore[method-assign]
    try:
        network = load_network(settings, engine)
        # The caller's own queries still see the bound sources and mentions.
        assert engine.query("SELECT count(*) AS n FROM network_mentions").column("n")[0].as_py()
    finally:
        engine.close()
    return network, queries - 1


def _same(a: Network, b: Network) -> None:
    assert (a.graph.adjacency != b.graph.adjacency).nnz == 0
    assert a.graph.adjacency.dtype == b.graph.adjacency.dtype
    assert a.graph.links.equals(b.graph.links)
    assert (a.graph.n_entities, a.graph.hubs_dropped, a.graph.trade_links_dropped) == (
        b.graph.n_entities, b.graph.hubs_dropped, b.graph.trade_links_dropped,
    )  # fmt: skip
    assert a.entities.equals(b.entities) and a.mentions.equals(b.mentions)
    assert np.array_equal(a.seed_idx, b.seed_idx)
    assert np.array_equal(a.seed_weight, b.seed_weight)
    assert (a.seed_reason, a.resolved) == (b.seed_reason, b.resolved)


@pytest.fixture
def world(tmp_path: Path) -> Settings:
    return write_world(tmp_path / "data")


def test_the_second_load_reads_the_kept_network(world: Settings) -> None:
    built, queries = _load(world)
    assert queries > 0
    kept, queries = _load(world)
    assert queries == 0
    _same(built, kept)
    assert len(list(cache.cache_root(world.data_dir).iterdir())) == 1


def test_a_new_part_in_any_source_builds_again(world: Settings) -> None:
    before, _ = _load(world)
    lake = Lake(world)
    row = party("swiftpost", "shipper:NEW", "shipper", "New Shipper", phone="+8613800000001")
    lake.write_table("parties", table("parties", [row]), "more")
    after, queries = _load(world)
    assert queries > 0
    assert after.entities.num_rows == before.entities.num_rows + 1
    # Only the newest network is kept.
    assert len(list(cache.cache_root(world.data_dir).iterdir())) == 1
    # A removed part (a seizure withdrawn) changes the seeds: built again, not read.
    lake.parts("outcomes")[0].unlink()
    without, queries = _load(world)
    assert queries > 0 and len(without.seed_idx) < len(after.seed_idx)


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("arrays.npz", lambda data: b"not an npz file"),
        ("arrays.npz", lambda data: data[: len(data) // 2]),  # a zip cut short
        ("entities.parquet", lambda data: data[:100]),
        ("meta.json", lambda data: b'{"shape": [1]}'),
    ],
)
def test_a_broken_cache_is_built_again(
    world: Settings, name: str, damage: Callable[[bytes], bytes]
) -> None:
    built, _ = _load(world)
    (folder,) = cache.cache_root(world.data_dir).iterdir()
    (folder / name).write_bytes(damage((folder / name).read_bytes()))
    rebuilt, queries = _load(world)
    assert queries > 0
    _same(built, rebuilt)
    assert _load(world)[1] == 0  # and kept again


def test_an_abandoned_write_is_swept(world: Settings) -> None:
    root = cache.cache_root(world.data_dir)
    root.mkdir(parents=True)
    abandoned = root / f".tmp-999999999@{socket.gethostname()}-x"  # its process is gone
    writing = root / owned_name(".tmp-")  # this process's, still being written
    for folder in (abandoned, writing):
        folder.mkdir()
    clean_leftovers(world.data_dir, world.lake_dir)
    assert not abandoned.exists() and writing.exists()


def test_the_key_follows_the_parts(world: Settings) -> None:
    lake = Lake(world)
    key = cache.network_key(lake, ("parties", "outcomes"))
    assert cache.network_key(lake, ("parties", "outcomes")) == key
    assert cache.network_key(lake, ("parties",)) != key
    part = lake.parts("parties")[0]
    part.write_bytes(part.read_bytes() + b"x")  # rewritten in place: size and time differ
    assert cache.network_key(lake, ("parties", "outcomes")) != key
