"""PPRL quality and speed: privacy-preserving vs clear-text matching on the same labelled records.

    .venv/bin/python bench/pprl.py [--sim-days 30] [--sim-scale 0.5] [--seed 11]
    .venv/bin/python bench/pprl.py --synthetic [--entities 5000] [--unfolded] [--throughput N]
    .venv/bin/python bench/pprl.py --public febrl4   # or febrl3; fake_1000 / historical_50k
                                                     # with --splink-datasets DIR
    .venv/bin/python bench/pprl.py --pick-link-thresholds out/*.json  # entities' defaults
    .venv/bin/python bench/pprl.py --blip-sweep 0 0.01 0.05 [--public NAME | --synthetic] \
        [--filter-fields name,street,birth_date name,street,postcode,birth_date] \
        [--field-flip city=0.3,birth_date=0.1 city=0.2,birth_date=0.2] \
        [--no-block-on | --date-block year|month | --date-key-max-ratio R… \
        [--date-key-fallback none year]] [--town-with postcode street,postcode \
        [--composite-flip 0 0.1] [--town-filter-without-host]] [--coarse-tau-grid]
    .venv/bin/python bench/pprl.py --write-clk-model ringfence/resolve/pprl/clk_model.json \
        --clk-model-version V --splink-datasets DIR   # the shipped CLK-only model
    .venv/bin/python bench/pprl.py --unsupervised-only [--worlds febrl1,febrl2,simulator] \
        [--with-clear-text] [--seed 1001] --splink-datasets DIR OPTIONS  # pprl fit --unsupervised

Two labelled worlds (train and eval): by default ringfence.sim worlds after ingestion (the
carrier's parties against every other partner's, labelled from truth/parties.parquet); with
--synthetic, bench/_pprl_world.py's noisy aliases. Both matchers score the same candidate pairs
(the PPRL blocking); each fits its Dice/ratio floor and exact weights on the train world only
and is scored on the eval world. Entities mode (``pprl match --entities``; bench/_pprl_fields.py)
is scored for the hand-set CLK score (``ScoreModel()``, ``pprl_entities``), the shipped CLK model
(``pprl_clk_model``: ``clk_model.json`` on the same CLK-only encodings, pairwise and as
entities, with ``ScoreModel()``'s pairwise figures beside it as ``score_model``) and the fitted
and shipped field models, each with the link threshold of best entity F1 on the train world,
and the fitted model also at the threshold ``pprl fit`` stores in it. Prints one JSON object.

The parts: bench/_pprl_sources.py (the labelled worlds), _pprl_eval.py (a world encoded and
compared), _pprl_clear.py (the clear-text matchers), _pprl_score.py (score models fitted on the
train world), _pprl_fields.py (field model and entities mode), _pprl_clk.py (the CLK-only model),
_pprl_report.py (the JSON blocks), _pprl_blip.py and _pprl_attack.py (--blip-sweep: field
filters with BLIP bit flipping at each f, and a frequency attack on the encodings).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine
from bench._pprl_attack import set_tau_grid
from bench._pprl_blip import blip_sweep
from bench._pprl_clk import fit_clk_model
from bench._pprl_eval import World
from bench._pprl_fields import FIELD_MODEL_WORLDS, field_run, fit_on, pick_link_thresholds
from bench._pprl_options import add_encoding_options, field_sets, replace_args
from bench._pprl_report import entities_vs_resolution, run, throughput
from bench._pprl_shipped import shipped_check
from bench._pprl_sources import Source, public_sources, world_sources
from bench._pprl_unsupervised import unsupervised_check, unsupervised_only
from ringfence.resolve.pprl import PprlParams
from ringfence.resolve.pprl.params import (
    FIELD_PARAMS,
    parse_field_flips,
)


def parse_args() -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=5000, help="per synthetic world")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--unfolded", action="store_true", help="also score unfolded CLKs")
    parser.add_argument(
        "--throughput", type=int, default=0, metavar="N", help="also time N entities end to end"
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="use bench/_pprl_world.py, not ringfence.sim"
    )
    parser.add_argument("--sim-days", type=int, default=30)
    parser.add_argument("--sim-scale", type=float, default=0.5)
    parser.add_argument("--public", help="a public dataset of bench/_resolve_public.py instead")
    parser.add_argument("--splink-datasets", type=Path, help="splink_datasets' data/ folder")
    parser.add_argument(
        "--write-field-model",
        type=Path,
        metavar="FILE",
        help="only fit the field model on the train worlds of FIELD_MODEL_WORLDS and the "
        "simulator and write it (how ringfence/resolve/pprl/field_model.json is made)",
    )
    parser.add_argument("--field-model-version", default="fitted")
    parser.add_argument(
        "--write-clk-model",
        type=Path,
        metavar="FILE",
        help="only fit the CLK model (encodings without field filters) on the same train "
        "worlds as --write-field-model, pick its link threshold on them and write it (how "
        "ringfence/resolve/pprl/clk_model.json is made)",
    )
    parser.add_argument("--clk-model-version", default="fitted")
    parser.add_argument(
        "--pick-link-thresholds",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="only read outputs of this bench (one per world) and print each score model's "
        "mean train F1 per entities link threshold (how entities.py's defaults are chosen)",
    )
    parser.add_argument(
        "--blip-sweep",
        type=float,
        nargs="+",
        metavar="F",
        help="only score field filters with BLIP at each flip probability F (0: none), the "
        "fitted field model as entities against clear-text resolution, and a frequency "
        "attack on the encodings (bench/_pprl_blip.py)",
    )
    parser.add_argument(
        "--date-key-features",
        action="store_true",
        help="with --blip-sweep: the fitted field model also weighs whether both records hold "
        "the birth-date block key and it agrees or differs (round 8)",
    )
    parser.add_argument(
        "--dice-hinges",
        action="store_true",
        help="with --blip-sweep: the fitted field model also weighs how far each Dice passes "
        "0.5, 0.7 and 0.9 (round 9)",
    )
    parser.add_argument(
        "--name-minhash",
        action="store_true",
        help="with --blip-sweep: the fitted model also compares the pairs MinHash LSH on the "
        "name filters finds (round 10)",
    )
    parser.add_argument(
        "--name-key-features",
        action="store_true",
        help="with --blip-sweep: the fitted model also weighs how rare the name words two "
        "records share are, from the block keys (round 20)",
    )
    parser.add_argument(
        "--shipped-check",
        action="store_true",
        help="only fit one model on the train worlds of the public sets, the simulator and the "
        "synthetic world for the encoding the sweep options name (the first) and score it on "
        "every eval world against clear text (bench/_pprl_shipped.py, round 13)",
    )
    parser.add_argument(
        "--unsupervised-check",
        action="store_true",
        help="--shipped-check, and on each eval world the model `pprl fit --unsupervised` "
        "learns from its two encodings alone (bench/_pprl_unsupervised.py, round 14)",
    )
    parser.add_argument(
        "--unsupervised-only",
        action="store_true",
        help="only the --unsupervised-check's own figures: the unsupervised fit on each eval "
        "world, without the shipped model or clear text (round 15)",
    )
    parser.add_argument(
        "--worlds",
        help="with --shipped-check, --unsupervised-check or --unsupervised-only: these worlds "
        "(comma-separated: public sets of bench/_resolve_public.py such as febrl1, febrl2, and "
        "simulator, synthetic) instead of the six (round 19's fresh check)",
    )
    parser.add_argument(
        "--with-clear-text",
        action="store_true",
        help="with --unsupervised-only: clear-text resolution's entity F1 in the same run",
    )
    parser.add_argument(
        "--no-resolution", action="store_true", help="with --blip-sweep: skip clear text"
    )
    parser.add_argument(
        "--coarse-tau-grid",
        action="store_true",
        help="with --blip-sweep: the attack searches tau = 1, 0.9, ..., 0.2 (rounds 1-6's "
        "grid, to reproduce their tables) instead of 1, 0.99, ..., 0.01",
    )
    add_encoding_options(parser)
    return parser.parse_args()


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of one run on the worlds ``args`` names, as the JSON object printed."""
    if args.public:
        train, test, description = public_sources(args.public, args.splink_datasets)
    else:
        train, test, description = world_sources(args)
    if args.blip_sweep:
        return _sweep(args, train, test, description)
    result: dict[str, Any] = {
        "data": description,
        "seed": args.seed,
        "params": PprlParams().encoding_fields(),
        **run(train, test, PprlParams(), resolution=True),
        "pprl_field_filters": field_run(
            World(train, FIELD_PARAMS, clear=False), World(test, FIELD_PARAMS, clear=False)
        ),
    }
    entities_vs_resolution(result)
    # The like-for-like comparison: the CLK given only what the clear-text matcher sees (names;
    # identifiers are exact on both sides), so the F1 gap is the price of encoding alone.
    names_only = PprlParams(k={"name": 20, "street": 0, "city": 0, "postcode": 0, "country": 0})
    result["pprl_names_only"] = _vs_clear_text(run(train, test, names_only))
    if args.unfolded:
        result["pprl_unfolded"] = _vs_clear_text(run(train, test, PprlParams(xor_fold=False)))
    if args.throughput:
        result["throughput_end_to_end"] = throughput(args.throughput, args.seed + 2)
    result["machine"] = machine()
    return result


def _sweep(
    args: argparse.Namespace, train: Source, test: Source, description: str
) -> dict[str, Any]:
    """--blip-sweep: every setting the options name (bench/_pprl_blip.py), as printed."""
    encodings = field_sets(args)
    field_flips = [parse_field_flips(f) for f in args.field_flip or []]
    set_tau_grid(coarse=args.coarse_tau_grid)
    sweep = blip_sweep(
        train,
        test,
        args.blip_sweep,
        not args.no_resolution,
        encodings or None,
        field_flips or None,
        args.date_key_features,
        args.dice_hinges,
        args.name_minhash,
        args.nickname_keys,
        args.name_key_features,
    )
    grid = "coarse" if args.coarse_tau_grid else "fine"
    return {"data": description, "seed": args.seed, "tau_grid": grid, **sweep,
            "machine": machine()}  # fmt: skip


def _vs_clear_text(other: dict[str, Any]) -> dict[str, Any]:
    """The PPRL figures of a ``run`` with other encoding parameters, and their F1 gap."""
    return {**other["pprl"], "f1_difference_vs_clear_text": other["f1_difference"]}


def _train_worlds(args: argparse.Namespace, params: PprlParams) -> tuple[list[World], str]:
    """The train worlds of ``FIELD_MODEL_WORLDS``, the simulator's and the synthetic world's,
    encoded with ``params``, and the description of them a model records."""
    sources = [public_sources(name, args.splink_datasets) for name in FIELD_MODEL_WORLDS]
    sources.append(world_sources(replace_args(args, synthetic=False)))
    sources.append(world_sources(replace_args(args, synthetic=True)))
    worlds = [World(train, params, clear=False) for train, _, _ in sources]
    return worlds, "; ".join(f"train world of {description}" for _, _, description in sources)


def write_field_model(args: argparse.Namespace) -> None:
    """Fit the field model on the train worlds of ``FIELD_MODEL_WORLDS``, the simulator's and
    the synthetic world's, each weighing the same, and write it to ``args.write_field_model``.

    The CLK's own Dice is left out: what it means shifts with the fields a record holds (name
    and town only, or name, address and date of birth), and with it the model fitted on the
    public sets and the simulator called 84 % of its matches wrongly on the synthetic world.
    """
    worlds, trained_on = _train_worlds(args, FIELD_PARAMS)
    model = fit_on(*worlds, trained_on=trained_on, exclude=("dice",))
    replace(model, version=args.field_model_version).save(args.write_field_model)


def write_clk_model(args: argparse.Namespace) -> None:
    """Fit the CLK model on the train worlds ``write_field_model`` uses, each weighing the
    same, but on encodings without field filters (``PprlParams()``, the default): its features
    are the CLK's Dice and the exact codes. Its entities link threshold is the best mean train
    F1 over the same worlds. Written to ``args.write_clk_model``."""
    worlds, trained_on = _train_worlds(args, PprlParams())
    trained_on = f"encodings without field filters (PprlParams()); {trained_on}"
    fit_clk_model(worlds, trained_on, args.clk_model_version).save(args.write_clk_model)


def shipped(args: argparse.Namespace) -> dict[str, Any]:
    """--shipped-check: bench/_pprl_shipped.py on every world, as printed."""
    sets = field_sets(args) or [FIELD_PARAMS]
    flips = [parse_field_flips(f) for f in args.field_flip or []]
    params = sets[0]
    if flips:
        params = replace(params, field_flip_probabilities={**params.field_flip_probabilities,
                                                           **flips[0]})  # fmt: skip
    from bench._resolve_public import LOADERS as PUBLIC_LOADERS

    sources = {}
    names = args.worlds.split(",") if args.worlds else [*FIELD_MODEL_WORLDS, "febrl4",
                                                        "simulator", "synthetic"]  # fmt: skip
    unknown = [n for n in names if n not in (*PUBLIC_LOADERS, "simulator", "synthetic")]
    if unknown:
        raise SystemExit(f"--worlds: no world {unknown[0]!r}")
    for name in names:
        if name in ("simulator", "synthetic"):
            train, test, _ = world_sources(replace_args(args, synthetic=name == "synthetic"))
        else:
            train, test, _ = public_sources(name, args.splink_datasets)
        sources[name] = (train, test)
    options = {"date_key": args.date_key_features, "hinges": args.dice_hinges,
               "nicknames": args.nickname_keys}  # fmt: skip
    if args.unsupervised_only:
        result = unsupervised_only(sources, params, args.with_clear_text)
    else:
        check = unsupervised_check if args.unsupervised_check else shipped_check
        result = check(sources, params, options)
    return {"params": params.encoding_fields(), "seed": args.seed, **result,
            "machine": machine()}  # fmt: skip


def main() -> None:
    """Parse options, run the benchmark, print JSON."""
    args = parse_args()
    if args.shipped_check or args.unsupervised_check or args.unsupervised_only:
        print(json.dumps(shipped(args), indent=2))
    elif args.pick_link_thresholds:
        print(json.dumps(pick_link_thresholds(args.pick_link_thresholds), indent=2))
    elif args.write_field_model:
        write_field_model(args)
    elif args.write_clk_model:
        write_clk_model(args)
    else:
        print(json.dumps(benchmark(args), indent=2))


if __name__ == "__main__":
    main()
