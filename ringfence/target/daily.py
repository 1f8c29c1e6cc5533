"""One day's inspection list: score the shipments arriving on a date, select under capacity,
explain the picks and write them to the operational store as inspection tasks.

``explore_by="targeted"`` aims the exploration draw at shippers, routes and goods with few labels
and at the model's uncertainty (``target/explore/``, docs/targeting.md). ``plan_inspections``
computes the list without writing; ``target_day`` also stores it (the CLI's
``ringfence target`` and the demo call it). Scores come from the batch path (the feature query
over the whole lake, label history strictly before each shipment's date), so they equal
``ringfence backtest``'s and the online scorer's; the boosters run where the rows are
(``target/rows.py``: streamed on DuckDB, on the executors on Spark) and only the day's scores and
the picked shipments' features reach this process.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ringfence.errors import UserError
from ringfence.score.labelled import FeatureQuery, ids_condition, matrix_where, prepare
from ringfence.score.model import ScoringModel, load_model
from ringfence.score.serve import explain_rows
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tasks import InspectionTaskDraft
from ringfence.target.explore.history import ARRIVAL_KEYS, arrival_sizes, labelled_keys
from ringfence.target.ranking import BALANCED_GAMMA
from ringfence.target.rows import DayScorer, score_where
from ringfence.target.select import RANK_BY, priorities, select, values_at_stake

EXPLORE_BY = ("uniform", "targeted")
# Preferred label to rank by when the model has several and none is asked for.
PREFERRED_LABELS = ("counterfeit", "ipr", "fraud")


@dataclass
class InspectionPlan:
    """What ``ringfence target`` decided for one date, before or after it is stored."""

    target_date: str
    label: str
    rank_by: str
    model_version: str
    capacity: int
    exploration: float
    per_port: bool
    arrivals: int
    tasks: list[InspectionTaskDraft]
    ports: dict[str, dict[str, int]] = field(default_factory=dict)  # arrivals, selected
    task_ids: list[int] = field(default_factory=list)
    source_keys: dict[str, str] = field(default_factory=dict)  # shipment id → partner's key
    gamma: float | None = None  # rank_by "balanced": the weight on the value at stake

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary with every task."""
        return {
            "target_date": self.target_date,
            "label": self.label,
            "rank_by": self.rank_by,
            **({"gamma": self.gamma} if self.gamma is not None else {}),
            "model_version": self.model_version,
            "capacity": self.capacity,
            "exploration": self.exploration,
            "per_port": self.per_port,
            "arrivals": self.arrivals,
            "ports": self.ports,
            "task_ids": self.task_ids,
            "source_keys": self.source_keys,
            "tasks": [task.__dict__ for task in self.tasks],
        }


def choose_label(model: ScoringModel, label: str | None) -> str:
    """The label to rank by: the one asked for, the model's only one, or a preferred one."""
    labels = sorted(model.models)
    if label is not None:
        if label not in model.models:
            raise UserError(f"model {model.version} has no label {label!r}; it has {labels}")
        return label
    if len(labels) == 1:
        return labels[0]
    for preferred in PREFERRED_LABELS:
        if preferred in model.models:
            return preferred
    raise UserError(f"the model has several labels ({', '.join(labels)}); pick one with --label")


def _arrivals(engine: Engine, day: dt.date, source: str | None) -> pa.Table:
    where = f"coalesce(arrival_date, date) = DATE '{day.isoformat()}'"
    if source is not None:
        where += " AND organisation = '" + source.replace("'", "''") + "'"
    return engine.query(
        f"SELECT id, source_key, port, {ARRIVAL_KEYS} FROM shipments "
        f"WHERE date IS NOT NULL AND {where} ORDER BY id"
    )


def _numbers(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name).cast(pa.float64()).fill_null(np.nan)
    return np.asarray(column.to_numpy(), dtype=float)


def _arrival_condition(day: dt.date, source: str | None) -> str:
    where = f"coalesce(arrival_date, date) = DATE '{day.isoformat()}'"
    if source is not None:
        where += " AND organisation = '" + source.replace("'", "''") + "'"
    return f"id IN (SELECT id FROM shipments WHERE date IS NOT NULL AND {where})"


def _day_scores(
    settings: Settings,
    engine: Engine,
    query: FeatureQuery,
    scorer: DayScorer,
    day: dt.date,
    source: str | None,
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The day's arrivals (by id), their scores and money in the same order (``DAY_SCHEMA``,
    computed in the engine: no feature matrix here) and the keys labelled before the day."""
    arrivals = _arrivals(engine, day, source)
    labelled = labelled_keys(engine, day)
    scored = score_where(settings, engine, query, scorer, _arrival_condition(day, source))
    order = pd.Index(scored.column("id").to_pandas()).get_indexer(arrivals.column("id").to_pylist())
    if (order < 0).any():
        raise UserError(f"{int((order < 0).sum())} arrivals on {day} have no feature row")
    return arrivals, scored.take(pa.array(order, pa.int64())), labelled


def _reasons(
    engine: Engine, query: FeatureQuery, model: ScoringModel, ids: list[str]
) -> dict[str, list[list[str]]]:
    """Reasons of the picked shipments: only their feature rows are read."""
    if not ids:
        return {}
    matrix = matrix_where(engine, query, ids_condition(ids))
    rows = pd.Index(matrix.table.column("id").to_pandas()).get_indexer(ids)
    return explain_rows(model, matrix, np.asarray(rows, dtype=np.int64), query.rules)


def plan_inspections(
    settings: Settings,
    target_date: dt.date,
    capacity: int,
    *,
    label: str | None = None,
    rank_by: str = "ev",
    exploration: float = 0.1,
    per_port: bool = False,
    seed: int | None = None,
    source: str | None = None,
    version: str | None = None,
    rules_path: str | Path | None = None,
    explore_by: str = "uniform",
    gamma: float = BALANCED_GAMMA,
) -> InspectionPlan:
    """Score the shipments arriving on ``target_date`` (``source``: only those supplied by that
    organisation) and choose ``capacity`` of them (``gamma``: ``rank_by="balanced"``'s weight on
    the value at stake, ``target/ranking.py``); nothing is written."""
    _check_options(capacity, exploration, rank_by, gamma)
    if explore_by not in EXPLORE_BY:
        raise UserError(f"--explore-by must be one of {', '.join(EXPLORE_BY)}")
    model = load_model(settings, version)
    label = choose_label(model, label)
    engine = open_engine(settings)
    try:
        query = prepare(settings, engine, None, rules_path, prior_weight=model.prior_weight)
        scorer = DayScorer(model, label, query.rules, query.catalogue)
        arrivals, scored, labelled = _day_scores(
            settings, engine, query, scorer, target_date, source
        )
        if arrivals.num_rows == 0:
            raise UserError(f"no shipments arrive on {target_date.isoformat()}")
        probability = _numbers(scored, "probability")
        # Money from the feature rows: in the base currency (score/currency.py).
        values = values_at_stake(
            _numbers(scored, "value_at_stake"), _numbers(scored, "declared_value")
        )
        priority, used = priorities(probability, values, rank_by, gamma)
        ports = arrivals.column("port").to_pylist()
        rng = np.random.default_rng(seed)
        sizes = arrival_sizes(arrivals, labelled, probability) if explore_by == "targeted" else None
        picks = select(priority, capacity, exploration, rng, ports if per_port else None, sizes)
        ids = arrivals.column("id").to_pylist()
        reasons = _reasons(engine, query, model, [ids[p.index] for p in picks])
    finally:
        engine.close()
    tasks = [
        InspectionTaskDraft(
            shipment_id=ids[p.index],
            rank=p.rank,
            label=label,
            probability=float(probability[p.index]),
            expected_value=float(priority[p.index]),
            selected_by=p.selected_by,
            selection_probability=p.selection_probability,
            draw=None if p.population is None else _draw_name(target_date, p.group, seed),
            draw_population=p.population,
            reasons={lab: per_row[i] for lab, per_row in reasons.items()},
            port=ports[p.index],
            value_at_stake=None if values is None else float(values[p.index]),
            model_version=model.version,
        )
        for i, p in enumerate(picks)
    ]
    keys = dict(zip(ids, arrivals.column("source_key").to_pylist(), strict=True))
    return InspectionPlan(
        target_date.isoformat(), label, used, model.version, capacity, exploration, per_port,
        arrivals.num_rows, tasks, _port_counts(ports, tasks),
        source_keys={task.shipment_id: str(keys[task.shipment_id]) for task in tasks},
        gamma=gamma if used == "balanced" else None,
    )  # fmt: skip


def _draw_name(target_date: dt.date, group: str, seed: int | None) -> str:
    """One exploration draw's name: the date, the port of a per-port draw, and the seed (a
    re-run with the same seed makes the same draw) or a random token."""
    token = f"seed {seed}" if seed is not None else secrets.token_hex(4)
    return f"{target_date.isoformat()} {group or 'all ports'} {token}"[:100]


def _check_options(capacity: int, exploration: float, rank_by: str, gamma: float) -> None:
    if capacity < 1:
        raise UserError("--capacity must be at least 1")
    if not 0.0 <= exploration <= 1.0:
        raise UserError("--exploration must be a share between 0 and 1 (0.1 = 10 %)")
    if rank_by not in RANK_BY:
        raise UserError(f"--rank-by must be one of {', '.join(RANK_BY)}")
    if not 0.0 <= gamma <= 10.0:  # also refuses NaN
        raise UserError(f"--gamma must be between 0 and 10 (got {gamma:g})")


def _port_counts(ports: list[Any], tasks: list[InspectionTaskDraft]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for port in ports:
        counts.setdefault(port or "(no port)", {"arrivals": 0, "selected": 0})["arrivals"] += 1
    for task in tasks:
        counts[task.port or "(no port)"]["selected"] += 1
    return dict(sorted(counts.items()))


def target_day(
    settings: Settings,
    target_date: dt.date,
    capacity: int,
    *,
    organisation: str = "customs",
    actor: str = "cli",
    **options: Any,
) -> InspectionPlan:
    """Plan the day's inspections (options as ``plan_inspections``) and store them as the
    organisation's tasks for that date (still-open tasks of that date are replaced)."""
    plan = plan_inspections(settings, target_date, capacity, **options)
    with OperationalStore.open(settings) as store:
        store.ensure_organisation(organisation, kind="customs")
        plan.task_ids = store.write_inspection_tasks(
            organisation, plan.target_date, plan.tasks, actor
        )
    return plan
