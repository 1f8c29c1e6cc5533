"""bench/pprl.py's field-model and entities-mode parts: the field model fitted on a train world
(or several), its figures on the eval world, and PPRL entities (``pprl match --entities``) with
the link threshold picked on the train world.

A world here is bench/_pprl_eval.py's ``World`` (encodings, candidate pairs and their labels).
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from ringfence.resolve.pprl.entities import (
    components,
    default_link_threshold,
    score_links,
)
from ringfence.resolve.pprl.field_model import (
    FieldModel,
    ModelFit,
    default_field_model,
    fit_field_model,
    fit_model,
    pair_features,
)
from ringfence.resolve.pprl.match import DEFAULT_THRESHOLD, check_compatible, model_for
from ringfence.resolve.pprl.params import FIELD_PARAMS, ScoreModel

# The shipped field model's training worlds: each public set's train world (entities in even
# positions), the simulator's and the synthetic one's; FEBRL4 is left out, so one set stays
# unseen by it.
FIELD_MODEL_WORLDS = ("febrl3", "fake_1000", "historical_50k")
# Link thresholds tried on the train world in entities mode (the best train F1 is used on the
# eval world). Low ones are there to show what chaining does.
LINK_THRESHOLDS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.96, 0.97)
LINK_THRESHOLDS += (0.98, 0.985, 0.99, 0.995, 0.999)


class LabelledWorld(Protocol):
    """What these functions need of bench/_pprl_eval.py's ``World``."""

    left: pa.Table
    right: pa.Table
    truth: set[tuple[str, str]]
    enc_left: pa.Table
    enc_right: pa.Table
    li: np.ndarray
    ri: np.ndarray
    labels: np.ndarray
    pair_ids: list[tuple[str, str]]

    def evaluate(self, scores: np.ndarray, threshold: float) -> dict[str, float]: ...


def fit_on(
    *worlds: LabelledWorld,
    trained_on: str = "",
    exclude: tuple[str, ...] = (),
    **options: bool,
) -> FieldModel:
    """The field model fitted on the labelled candidate pairs of one or more worlds, each
    world weighing the same in all (historical_50k's 2.5 million pairs would otherwise drown
    the simulator's 20 thousand); ``options`` (``date_key``, ``hinges``, ``nicknames``) as
    ``fit_field_model`` takes them."""
    features = [pair_features(w.enc_left, w.enc_right, w.li, w.ri) for w in worlds]
    labels = np.concatenate([w.labels for w in worlds])
    weights = np.concatenate([np.full(len(w.labels), len(labels) / len(w.labels)) for w in worlds])
    return fit_field_model(
        np.vstack(features),
        labels,
        trained_on=trained_on,
        weights=weights / len(worlds),
        exclude=exclude,
        **options,
    )


def field_run(train: LabelledWorld, test: LabelledWorld) -> dict[str, Any]:
    """Field filters (``FIELD_PARAMS``, as ``pprl encode --field-filters``; both worlds encoded
    with them): the field model fitted on the train world (``fit_model``, as ``pprl fit`` fits
    it), and the shipped one, on the eval world, pairwise and as entities."""
    fit = fit_model(train.enc_left, train.enc_right, train.truth)
    # Scored without the link threshold it stores, which entities_run reports on its own.
    fitted = replace(fit.model, link_threshold=None)
    features = pair_features(test.enc_left, test.enc_right, test.li, test.ri)
    shipped = test.evaluate(default_field_model().score(features), DEFAULT_THRESHOLD)
    return {
        **test.evaluate(fitted.score(features), DEFAULT_THRESHOLD),
        "field_filters": list(FIELD_PARAMS.field_filters),
        "block_on": list(FIELD_PARAMS.block_on),
        "candidate_pairs": len(test.pair_ids),
        "blocking_pair_completeness": round(
            len(test.truth & set(test.pair_ids)) / max(len(test.truth), 1), 4
        ),
        "entities": entities_run(train, test, fitted, fit),
        "shipped_model": {
            **shipped,
            "version": default_field_model().version,
            "entities": entities_run(train, test, None),
        },
        "model": asdict(fitted),
    }


def entity_prf(world: LabelledWorld, labels: np.ndarray) -> dict[str, float]:
    """Precision, recall, F1 of the left×right pairs that share a component (``labels``, left
    records first), against the world's true pairs; counted, not listed, so a giant component
    at a low threshold costs nothing."""
    n_left = world.left.num_rows
    left_labels, right_labels = labels[:n_left], labels[n_left:]
    size = int(labels.max()) + 1 if len(labels) else 0
    predicted = int(
        (np.bincount(left_labels, minlength=size) * np.bincount(right_labels, minlength=size)).sum()
    )
    lrow = {v: i for i, v in enumerate(world.left["id"].to_pylist())}
    rrow = {v: i for i, v in enumerate(world.right["id"].to_pylist())}
    correct = sum(1 for a, b in world.truth if left_labels[lrow[a]] == right_labels[rrow[b]])
    precision = correct / predicted if predicted else 1.0
    recall = correct / len(world.truth) if world.truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def entities_run(
    train: LabelledWorld,
    test: LabelledWorld,
    model: ScoreModel | FieldModel | None,
    fit: ModelFit | None = None,
) -> dict[str, Any]:
    """Entities mode with ``model`` (None: the shipped one for the encodings): the link
    threshold of best entity F1 on the train world, and the eval world's figures at it and at
    the model's default (``default_link_threshold``) without a stored threshold. With ``fit``
    (``model`` as ``fit_model`` fitted it on the train world, as ``pprl fit`` does) also at the
    threshold ``pprl fit`` stores in it (what ``pprl match --entities --model`` then uses)."""
    train_links = score_links(train.enc_left, train.enc_right, model)
    train_f1 = {t: entity_prf(train, components(train_links, t))["f1"] for t in LINK_THRESHOLDS}
    picked = max(LINK_THRESHOLDS, key=lambda t: train_f1[t])
    links = score_links(test.enc_left, test.enc_right, model)
    labels = components(links, picked)
    default = default_link_threshold(
        model_for(check_compatible(test.enc_left, test.enc_right), model)
    )
    at_default = {**entity_prf(test, components(links, default)), "link_threshold": default}
    extra: dict[str, Any] = {}
    if fit is not None:
        stored = default_link_threshold(fit.model)
        extra["at_fit_link_threshold"] = {
            **entity_prf(test, components(links, stored)),
            "link_threshold": stored,
            "train_f1": round(fit.choice.f1, 4),
        }
    return {
        **entity_prf(test, labels),
        "link_threshold": picked,
        "entities": len(np.unique(labels)),
        "within_side_links": int(
            (links.score[(links.a < links.n_left) == (links.b < links.n_left)] >= picked).sum()
        ),
        "train_f1_by_link_threshold": {str(t): f for t, f in train_f1.items()},
        "at_default_link_threshold": at_default,
        **extra,
    }


def pick_link_thresholds(paths: list[Path]) -> dict[str, Any]:
    """From bench/pprl.py outputs (one per world): per score model, the mean over the worlds
    of each link threshold's *train* F1 and the best one (how the defaults in
    ringfence/resolve/pprl/entities.py are chosen: ``field_both`` for the field models,
    ``clk`` for the CLK's noisy-OR score, ``clk_model`` for the shipped CLK model where the
    outputs have it; the eval worlds play no part)."""
    blocks: dict[str, list[dict[str, float]]] = {"clk": [], "field_fitted": [], "field_shipped": []}
    for path in paths:
        result = json.loads(path.read_text())
        fields = result["pprl_field_filters"]
        blocks["clk"].append(result["pprl_entities"]["train_f1_by_link_threshold"])
        if "pprl_clk_model" in result:  # outputs from before clk_model.json have none
            blocks.setdefault("clk_model", []).append(
                result["pprl_clk_model"]["entities"]["train_f1_by_link_threshold"]
            )
        blocks["field_fitted"].append(fields["entities"]["train_f1_by_link_threshold"])
        blocks["field_shipped"].append(
            fields["shipped_model"]["entities"]["train_f1_by_link_threshold"]
        )
    # One default serves both field models (`pprl match --model` takes a fitted one).
    blocks["field_both"] = blocks["field_fitted"] + blocks["field_shipped"]
    picked: dict[str, dict[str, Any]] = {}
    for name, tables in blocks.items():
        mean = {t: round(float(np.mean([f[t] for f in tables])), 4) for t in tables[0]}
        picked[name] = {"best": max(mean, key=lambda t: mean[t]), "mean_train_f1": mean}
    return {"worlds": [str(p) for p in paths], **picked}
