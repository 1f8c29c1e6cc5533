"""Labelled sources for bench/pprl.py: parties of two ``ringfence.sim`` worlds after ingestion
(the carrier's against everyone else's), or the synthetic worlds of ``_pprl_world``."""

from __future__ import annotations

import argparse
import tempfile
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from bench._pprl_world import make_world, parties_table, same_entity

Source = tuple[pa.Table, pa.Table, set[tuple[str, str]]]
CARRIER = "swiftpost"  # the simulated parcel carrier's organisation slug


@cache
def simulated_world(seed: int, days: int, scale: float) -> Source:
    """Parties of a ringfence.sim world after ingestion: the carrier's against everyone else's.

    Simulates and ingests into a temporary data directory (as ``ringfence demo`` does) and
    labels each canonical party mention with its entity from ``truth/parties.parquet``.
    """
    from ringfence.demo import run_demo
    from ringfence.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        report = run_demo(settings, seed=seed, days=days, scale=scale)
        mentions = ds.dataset(settings.data_dir / "lake" / "parties").to_table()
        truth = pq.read_table(report.world_dir / "truth" / "parties.parquet")
    entity = {
        (org, key): ent
        for org, key, ent in zip(truth["organisation"].to_pylist(),
                                 truth["mention_key"].to_pylist(),
                                 truth["entity_id"].to_pylist(), strict=True)
    }  # fmt: skip
    rows = mentions.rename_columns(
        ["schema" if c == "schema_" else c for c in mentions.column_names]
    )
    rows = rows.to_pylist()
    for row in rows:
        row["entity"] = entity.get((row["organisation"], row["source_key"]))
    labelled = [r for r in rows if r["entity"] is not None]
    left = [r for r in labelled if r["organisation"] == CARRIER]
    right = [r for r in labelled if r["organisation"] != CARRIER]
    pairs = {(a["id"], b["id"]) for a, b in same_entity(left, right)}
    return parties_table(left), parties_table(right), pairs


def world_sources(args: argparse.Namespace) -> tuple[Source, Source, str]:
    """Train and test sources: two simulated worlds, else (or with ``--synthetic``) two
    synthetic ones; and what they are, in words."""
    if not args.synthetic:
        days, scale = args.sim_days, args.sim_scale
        try:
            train, test = (simulated_world(args.seed + i, days, scale) for i in (0, 1))
        except Exception as exc:  # the simulator is young; say why and fall back
            fallback = f"ringfence.sim failed ({type(exc).__name__}: {exc}); "
        else:
            return train, test, (
                f"ringfence.sim worlds (seeds {args.seed}/{args.seed + 1}, {days} days, scale "
                f"{scale}) after ingestion; left: the carrier's parties, right: all others'"
            )  # fmt: skip
    else:
        fallback = ""
    return (
        make_world(args.seed, args.entities),
        make_world(args.seed + 1, args.entities),
        f"{fallback}synthetic labelled worlds from bench/_pprl_world.py, "
        f"{args.entities} entities each",
    )


def public_sources(name: str, folder: Path | None) -> tuple[Source, Source, str]:
    """Train and eval sources from a public labelled dataset (bench/_resolve_public.py).

    FEBRL4's two files are the two sides; a one-file set (FEBRL3, Splink's examples) is split
    into sides by alternating the records of each true entity. Entities with an even position
    (in order of first appearance) form the train world, the others the eval world, so no
    entity is in both.
    """
    import pandas as pd

    from bench._resolve_public import LOADERS

    data = LOADERS[name](name, folder)
    if data is None:
        raise SystemExit(f"{name}: dataset not found (pass --splink-datasets DIR)")
    frames = [f.rename(columns={"true_id": "entity"}) for f in data["orgs"].values()]
    if len(frames) == 1:
        frame = frames[0].reset_index(drop=True)
        side = frame.groupby("entity").cumcount() % 2
        frames = [frame[side == 0], frame[side == 1]]
    order = {e: i for i, e in enumerate(pd.concat(frames)["entity"].drop_duplicates())}

    def source(parity: int) -> Source:
        left, right = (
            [r for r in f.to_dict("records") if order[r["entity"]] % 2 == parity] for f in frames
        )
        for rows in (left, right):
            for row in rows:
                row.update({k: None for k, v in row.items() if isinstance(v, float)})
        pairs = {(a["id"], b["id"]) for a, b in same_entity(left, right)}
        return parties_table(left), parties_table(right), pairs

    return (
        source(0),
        source(1),
        f"public dataset {name} (bench/_resolve_public.py), split by entity",
    )
