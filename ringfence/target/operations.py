"""The learning loop, replayed on a simulated world: target, reveal, retrain, week after week.

``simulate_operations`` ingests a simulated world's carrier manifest (plus the brand catalogue)
and its legacy customs inspections for a warm-up period, then replays ``weeks`` weeks twice from
the same start, once exploiting the ranking only and once keeping an exploration share:

1. at the start of each week, features are computed with only the labels this arm has seen, and
   a model is trained on them (weights below);
2. each day, the day's arrivals are scored and ``capacity`` of them selected (``select.select``,
   ranked by probability, since the world's value at stake says nothing about seizures);
3. only the selected shipments reveal an outcome: positive when the shipment is counterfeit and
   the inspection finds it (the world's 85 % detection rate, drawn once per shipment, so both
   arms see the same result for the same parcel).

**Weighting.** A label's training weight is the inverse of the probability with which it was
selected: 1 for exploited shipments and for the legacy warm-up labels (their selection
probabilities were never recorded), ``1/p`` for explored ones, so the explored labels stand for
the whole unexploited population they were drawn from (inverse propensity weighting). Arms may
instead clip ``1/p``, self-normalise it per day, or weigh every label 1 (``explore/weights.py``).

**Aim.** Exploration draws uniformly, or (``targeted``) in proportion to sizes aimed at shippers,
routes and goods the arm has few labels of and at the model's uncertainty
(``explore/aim.py``), with exact inclusion probabilities (``explore/pps.py``).

**Drift scenario.** On a world simulated with ``--new-ring-day`` the report also says, per arm,
when the new ring's first parcel was seized (``new_ring``: days and weeks to detection).

Weekly figures per arm: inspections, seizures (hits), precision (seizures / inspections),
recall (counterfeits inspected / counterfeits arriving), and the AUC of the week's model against
the ground truth over all arrivals, which shows whether the model still sees the whole traffic.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score

from ringfence.errors import UserError
from ringfence.ingest import ingest_files
from ringfence.model.feeds import feed
from ringfence.model.records.base import make_id
from ringfence.score.features import compute_features
from ringfence.score.goods import Catalogue, load_catalogue
from ringfence.score.inputs import ENTITY_MAP_SCHEMA, register_derived
from ringfence.score.model import LabelModel, train_label
from ringfence.score.pipeline import EPOCH, build_matrix
from ringfence.score.rules import Rule, load_rules
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake
from ringfence.target.explore.replay import day_sizes, detection, key_codes
from ringfence.target.explore.weights import DEFAULT_CLIP, training_weights
from ringfence.target.select import select

LABEL = "counterfeit"
CARRIER = "swiftpost"
DETECTION_RATE = 0.85  # share of inspected fakes an inspection finds (docs/simulation.md)
REFERENCE_FEEDS = ("brands", "products", "exchange_rates")
# Prepared once from the carrier's party mentions and the rates; every week's features read them.
DERIVED_TABLES = ("party_addresses", "fx_rates")
WEIGHTINGS = {
    "inverse": "with_exploration",
    "none": "with_exploration_unweighted",
    "clipped": "with_exploration_clipped",
    "self_normalised": "with_exploration_self_normalised",
}
AIMS = ("uniform", "targeted")
Progress = Callable[..., None]


@dataclass
class World:
    """The carrier's shipments with their truth, as the replay needs them."""

    shipments: pa.Table  # as in the lake
    days: np.ndarray  # each shipment's date, days since 1970
    counterfeit: np.ndarray
    found: np.ndarray  # what an inspection of it would reveal
    legacy: np.ndarray  # inspected by the legacy policy
    legacy_found: np.ndarray
    catalogue: Catalogue | None
    first_day: int  # first replayed day
    reference: dict[str, pa.Table] = field(default_factory=dict)  # DERIVED_TABLES
    ring: np.ndarray = field(default_factory=lambda: np.zeros(0, object))  # ring id or ""
    keys: dict[str, np.ndarray] = field(default_factory=dict)  # explore.replay.key_codes
    scenario: dict[str, Any] | None = None  # the drift scenario's new ring (truth/drift.parquet)


@dataclass
class Arm:
    """One policy's state: labels it has seen (row -> positive, weight, day) and its weeks."""

    name: str
    exploration: float
    weighted: bool = True  # explored labels weigh 1/p (False: every label weighs 1)
    labels: dict[int, tuple[bool, float, int]] = field(default_factory=dict)
    weeks: list[dict[str, Any]] = field(default_factory=list)
    weighting: str = "inverse"  # explore.weights.WEIGHTINGS; "none" when not ``weighted``
    aim: str = "uniform"  # or "targeted" (explore/aim.py)
    clip: float = DEFAULT_CLIP

    def __post_init__(self) -> None:
        if not self.weighted:
            self.weighting = "none"


def load_world(settings: Settings, world_dir: Path, warmup_days: int, seed: int) -> World:
    """Ingest the world's brand catalogue and carrier manifest into ``settings``' lake and read
    the truth; the first ``warmup_days`` days keep the legacy policy's inspections."""
    manifest = json.loads((world_dir / "world.json").read_text(encoding="utf-8"))
    for entry in manifest["feeds"]:
        carrier = entry["kind"] == "shipments" and entry["organisation"] == CARRIER
        if entry["kind"] in REFERENCE_FEEDS or carrier:
            ingest_files(settings, entry["kind"], [world_dir / entry["path"]],
                         mapping=entry["mapping"], organisation=entry["organisation"])  # fmt: skip
    engine = open_engine(settings)
    try:
        Lake(settings).register(engine, "shipments", feed("shipments").schema)
        shipments = engine.query("SELECT * FROM shipments WHERE date IS NOT NULL ORDER BY date, id")
        catalogue = load_catalogue(settings, engine)
        Lake(settings).register(engine, "parties", feed("parties").schema)
        register_derived(settings, engine)
        reference = {name: engine.query(f"SELECT * FROM {name}") for name in DERIVED_TABLES}
    finally:
        engine.close()
    truth = pq.read_table(world_dir / "truth" / "shipments.parquet").to_pandas()
    truth.index = [make_id(CARRIER, "shipments", k) for k in truth["source_key"]]
    rows = truth.reindex(shipments.column("id").to_pylist())
    days = np.asarray(shipments.column("date").cast(pa.int32()).to_numpy(), dtype=np.int64)
    scenario = None
    if (world_dir / "truth" / "drift.parquet").exists():
        drift = pq.read_table(world_dir / "truth" / "drift.parquet").to_pylist()[0]
        scenario = {"ring_id": drift["ring_id"], "first_day": (drift["first_date"] - EPOCH).days}
    counterfeit = rows["is_counterfeit"].fillna(False).to_numpy(dtype=bool)
    draw = np.random.default_rng(seed).random(len(days))
    return World(
        shipments=shipments,
        days=days,
        counterfeit=counterfeit,
        found=counterfeit & (draw < DETECTION_RATE),
        legacy=rows["inspected"].fillna(False).to_numpy(dtype=bool),
        legacy_found=rows["seized"].fillna(False).to_numpy(dtype=bool),
        catalogue=catalogue,
        first_day=int(days.min()) + warmup_days,
        reference=reference,
        ring=rows["ring_id"].fillna("").to_numpy(dtype=object),
        keys=key_codes(shipments),
        scenario=scenario,
    )


def _outcomes(world: World, arm: Arm) -> pa.Table:
    rows = np.array(sorted(arm.labels), dtype=np.int64)
    ids = world.shipments.column("id").take(pa.array(rows, pa.int64())).to_pylist()
    schema = feed("outcomes").schema
    data = {
        "id": [f"op-{i}" for i in ids],
        "shipment_ref": ids,
        "label": [LABEL] * len(ids),
        "positive": [arm.labels[r][0] for r in rows],
        "date": [EPOCH + dt.timedelta(days=arm.labels[r][2]) for r in rows],
    }
    return pa.table({n: pa.array(data.get(n, [None] * len(ids)), schema.field(n).type)
                     for n in schema.names})  # fmt: skip


def _features(
    engine: Engine, world: World, arm: Arm, until_day: int, rules: list[Rule]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Model inputs of every shipment up to ``until_day`` with only the arm's labels as history;
    returns (inputs, names, world row of each input row)."""
    keep = pc.less_equal(world.shipments.column("date").cast(pa.int32()), until_day)
    engine.register_arrow("shipments", world.shipments.filter(keep))
    engine.register_arrow("outcomes", _outcomes(world, arm))
    # The replay runs no entity resolution, so no party can match a watchlist entry; consignee
    # addresses and exchange rates were prepared once, in ``load_world``.
    engine.register_arrow("entity_mentions", ENTITY_MAP_SCHEMA.empty_table())
    for dataset in ("parties", "watchlist"):
        engine.register_arrow(dataset, feed(dataset).schema.empty_table())
    for name, table in world.reference.items():
        engine.register_arrow(name, table)
    matrix = build_matrix(compute_features(engine, [LABEL], None, world.catalogue), rules)
    index = pd.Index(world.shipments.column("id").to_pandas())
    return matrix.x, matrix.names, index.get_indexer(matrix.table.column("id").to_pylist())


def _train(x: np.ndarray, names: list[str], rows: np.ndarray, world: World, arm: Arm) -> LabelModel:
    position = {int(r): i for i, r in enumerate(rows)}
    labelled = [r for r in arm.labels if r in position]
    at = np.array([position[r] for r in labelled], dtype=np.int64)
    y = np.array([arm.labels[r][0] for r in labelled], dtype=float)
    weight = np.array([arm.labels[r][1] for r in labelled], dtype=float)
    return train_label(LABEL, x[at], y, world.days[labelled], names, weight)


def run_week(
    engine: Engine, world: World, arm: Arm, week: int, capacity: int, rules: list[Rule],
    rng: np.random.Generator,
) -> dict[str, Any]:  # fmt: skip
    """Train on what the arm knows, target each day of the week, reveal what it inspected."""
    start = world.first_day + 7 * week
    x, names, rows = _features(engine, world, arm, start + 6, rules)
    model = _train(x, names, rows, world, arm)
    in_week = (world.days[rows] >= start) & (world.days[rows] <= start + 6)
    week_rows, week_x = rows[in_week], x[in_week]
    probability = model.probability(week_x)
    inspected = hits = explored = explored_hits = 0
    for day in range(start, start + 7):
        today = np.flatnonzero(world.days[week_rows] == day)
        for _row, found, by in inspect_day(world, arm, week_rows[today], probability[today],
                                           capacity, day, rng):  # fmt: skip
            inspected, hits = inspected + 1, hits + found
            if by == "explore":
                explored, explored_hits = explored + 1, explored_hits + found
    fakes = world.counterfeit[week_rows]
    caught = sum(world.counterfeit[r] for r in arm.labels if start <= arm.labels[r][2] <= start + 6)
    auc = roc_auc_score(fakes, probability) if 0 < fakes.sum() < len(fakes) else None
    return {
        "week": week + 1,
        "from": (EPOCH + dt.timedelta(days=start)).isoformat(),
        "arrivals": len(week_rows),
        "counterfeits": int(fakes.sum()),
        "inspections": inspected,
        "seizures": hits,
        "precision": hits / inspected if inspected else None,
        "recall": float(caught / fakes.sum()) if fakes.sum() else None,
        "explored": explored,
        "explored_seizures": explored_hits,
        "auc_truth": None if auc is None else float(auc),
        "training_labels": len(arm.labels) - inspected,
    }


def inspect_day(
    world: World, arm: Arm, rows: np.ndarray, probability: np.ndarray, capacity: int, day: int,
    rng: np.random.Generator,
) -> list[tuple[int, bool, str]]:  # fmt: skip
    """Select the day's inspections among ``rows`` (world rows arriving that day), reveal what
    they find and record them as the arm's labels with their training weights; returns
    (row, found, selected_by) per inspection."""
    sizes = None
    if arm.aim == "targeted" and arm.exploration > 0 and len(rows):
        labelled = np.fromiter(arm.labels, dtype=np.int64, count=len(arm.labels))
        sizes = day_sizes(world.keys, labelled, rows, probability)
    picks = select(probability, capacity, arm.exploration, rng, sizes=sizes)
    chances = np.array([p.selection_probability for p in picks])
    exploited = sum(p.selected_by == "exploit" for p in picks)
    weights = training_weights(chances, arm.weighting, len(rows) - exploited, arm.clip)
    out = []
    for pick, weight in zip(picks, weights, strict=True):
        row = int(rows[pick.index])
        found = bool(world.found[row])
        arm.labels[row] = (found, float(weight), day)
        out.append((row, found, pick.selected_by))
    return out


def legacy_weeks(world: World, weeks: int) -> list[dict[str, Any]]:
    """The legacy customs policy's own weekly figures (a different, larger capacity)."""
    out = []
    for week in range(weeks):
        start = world.first_day + 7 * week
        rows = (world.days >= start) & (world.days <= start + 6)
        inspected = int(world.legacy[rows].sum())
        hits = int(world.legacy_found[rows].sum())
        fakes = int(world.counterfeit[rows].sum())
        caught = int((world.legacy & world.counterfeit)[rows].sum())
        out.append({"week": week + 1, "inspections": inspected, "seizures": hits,
                    "precision": hits / inspected if inspected else None,
                    "recall": caught / fakes if fakes else None})  # fmt: skip
    return out


def simulate_operations(
    settings: Settings,
    world_dir: Path,
    weeks: int,
    capacity: int,
    exploration: float = 0.1,
    seed: int = 7,
    warmup_days: int = 28,
    progress: Progress | None = None,
    weightings: tuple[str, ...] = ("inverse",),
    aims: tuple[str, ...] = ("uniform",),
    clip: float = DEFAULT_CLIP,
) -> dict[str, Any]:
    """Replay ``weeks`` weeks with and without exploration from the same warm start; returns
    the report (per arm: weekly figures and totals; plus the legacy policy for reference).

    ``weightings`` lists the exploration arms to run per aim: ``inverse`` (explored labels weigh
    1/p), ``none`` (every label weighs 1, to see what the weighting itself does), ``clipped``
    (``min(1/p, clip)``) and ``self_normalised`` (explore/weights.py); ``aims``: ``uniform``
    and/or ``targeted`` exploration (explore/aim.py)."""
    if weeks < 1 or capacity < 1:
        raise UserError("--weeks and --capacity must be at least 1")
    if not 0.0 < exploration <= 1.0:
        raise UserError("--exploration must be a share in (0, 1] (the other arm uses 0)")
    world = load_world(settings, world_dir, warmup_days, seed)
    last_day = world.first_day + 7 * weeks - 1
    if int(world.days.max()) < last_day:
        raise UserError(f"the world ends before {weeks} weeks after a {warmup_days}-day warm-up")
    warm = np.flatnonzero(world.legacy & (world.days < world.first_day))
    arms = [Arm("exploit_only", 0.0), *exploration_arms(weightings, aims, exploration, clip)]
    for arm in arms:
        arm.labels = {int(r): (bool(world.legacy_found[r]), 1.0, int(world.days[r])) for r in warm}
    rules = load_rules()
    engine = open_engine(settings)
    try:
        for week in range(weeks):
            for arm in arms:
                # Seeded per week and exploration share: arms that differ only in weighting
                # draw alike while their models agree, and adding an arm changes no other.
                key = [seed, week, round(1000 * arm.exploration)] + [1] * (arm.aim == "targeted")
                rng = np.random.default_rng(key)
                arm.weeks.append(run_week(engine, world, arm, week, capacity, rules, rng))
            if progress:
                progress("weeks", week + 1, weeks)
    finally:
        engine.close()
    return _report(world, arms, weeks, capacity, warmup_days, seed)


def exploration_arms(
    weightings: tuple[str, ...], aims: tuple[str, ...], exploration: float, clip: float
) -> list[Arm]:
    """One arm per aim and weighting. A uniform draw's self-normalised weights equal its 1/p
    (``explore/weights.py``), so that arm is left out when the 1/p arm runs."""
    if not weightings or set(weightings) - set(WEIGHTINGS):
        raise UserError(f"weighting must be one of {', '.join(WEIGHTINGS)}")
    if not aims or set(aims) - set(AIMS):
        raise UserError(f"aim must be one of {', '.join(AIMS)}")
    if clip < 1:
        raise UserError("--clip must be at least 1")
    arms = []
    for aim in aims:
        for w in weightings:
            if aim == "uniform" and w == "self_normalised" and "inverse" in weightings:
                continue
            name = WEIGHTINGS[w] if aim == "uniform" else f"targeted_{w}"
            arms.append(Arm(name, exploration, weighting=w, aim=aim, clip=clip))
    return arms


def _report(
    world: World, arms: list[Arm], weeks: int, capacity: int, warmup_days: int, seed: int
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "weeks": weeks,
        "capacity_per_day": capacity,
        "warmup_days": warmup_days,
        "seed": seed,
        "first_day": (EPOCH + dt.timedelta(days=world.first_day)).isoformat(),
        "warmup_labels": int((world.legacy & (world.days < world.first_day)).sum()),
        "arms": {},
        "legacy": legacy_weeks(world, weeks),
        "scenario": world.scenario and {"name": "new-ring", **world.scenario},
    }
    for arm in arms:
        inspected = sum(w["inspections"] for w in arm.weeks)
        hits = sum(w["seizures"] for w in arm.weeks)
        fakes = sum(w["counterfeits"] for w in arm.weeks)
        caught = sum((w["recall"] or 0) * w["counterfeits"] for w in arm.weeks)
        report["arms"][arm.name] = {
            "exploration": arm.exploration,
            "weighting": arm.weighting if arm.exploration else "none",
            "aim": arm.aim if arm.exploration else None,
            "weekly": arm.weeks,
            "total": {"inspections": inspected, "seizures": hits,
                      "precision": hits / inspected if inspected else None,
                      "recall": caught / fakes if fakes else None},
        }  # fmt: skip
        if world.scenario is not None:
            last = world.first_day + 7 * weeks - 1
            report["arms"][arm.name]["new_ring"] = detection(
                world.ring, world.days, arm.labels, world.scenario, last
            )
    return report
