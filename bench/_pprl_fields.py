"""bench/pprl.py's field-model and entities-mode parts: the field model fitted on a train world
(or several), its figures on the eval world, and PPRL entities (``pprl match --entities``) with
the link threshold picked on the train world.

A world here is bench/pprl.py's ``World`` (encodings, candidate pairs and their labels).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from ringfence.resolve.pprl.entities import DEFAULT_LINK_THRESHOLD, components, score_links
from ringfence.resolve.pprl.field_model import (
    FieldModel,
    default_field_model,
    fit_field_model,
    pair_features,
)
from ringfence.resolve.pprl.match import DEFAULT_THRESHOLD
from ringfence.resolve.pprl.params import FIELD_PARAMS, ScoreModel

# The shipped field model's training worlds: each public set's train world (entities in even
# positions), the simulator's and the synthetic one's; FEBRL4 is left out, so one set stays
# unseen by it.
FIELD_MODEL_WORLDS = ("febrl3", "fake_1000", "historical_50k")
# Link thresholds tried on the train world in entities mode (the best train F1 is used on the
# eval world). Low ones are there to show what chaining does.
LINK_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99)
LINK_THRESHOLDS += (0.995, 0.999)


class LabelledWorld(Protocol):
    """What these functions need of bench/pprl.py's ``World``."""

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
    *worlds: LabelledWorld, trained_on: str = "", exclude: tuple[str, ...] = ()
) -> FieldModel:
    """The field model fitted on the labelled candidate pairs of one or more worlds, each
    world weighing the same in all (historical_50k's 2.5 million pairs would otherwise drown
    the simulator's 20 thousand)."""
    features = [pair_features(w.enc_left, w.enc_right, w.li, w.ri) for w in worlds]
    labels = np.concatenate([w.labels for w in worlds])
    weights = np.concatenate([np.full(len(w.labels), len(labels) / len(w.labels)) for w in worlds])
    return fit_field_model(
        np.vstack(features),
        labels,
        trained_on=trained_on,
        weights=weights / len(worlds),
        exclude=exclude,
    )


def field_run(train: LabelledWorld, test: LabelledWorld) -> dict[str, Any]:
    """Field filters (``FIELD_PARAMS``, as ``pprl encode --field-filters``; both worlds encoded
    with them): the field model fitted on the train world, and the shipped one, on the eval
    world, pairwise and as entities."""
    fitted = fit_on(train)
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
        "entities": entities_run(train, test, fitted),
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
    train: LabelledWorld, test: LabelledWorld, model: ScoreModel | FieldModel | None
) -> dict[str, Any]:
    """Entities mode with ``model`` (None: the shipped one for the encodings): the link
    threshold of best entity F1 on the train world, and the eval world's figures at it and at
    ``DEFAULT_LINK_THRESHOLD``."""
    train_links = score_links(train.enc_left, train.enc_right, model)
    train_f1 = {t: entity_prf(train, components(train_links, t))["f1"] for t in LINK_THRESHOLDS}
    picked = max(LINK_THRESHOLDS, key=lambda t: train_f1[t])
    links = score_links(test.enc_left, test.enc_right, model)
    labels = components(links, picked)
    at_default = entity_prf(test, components(links, DEFAULT_LINK_THRESHOLD))
    return {
        **entity_prf(test, labels),
        "link_threshold": picked,
        "entities": len(np.unique(labels)),
        "within_side_links": int(
            (links.score[(links.a < links.n_left) == (links.b < links.n_left)] >= picked).sum()
        ),
        "train_f1_by_link_threshold": {str(t): f for t, f in train_f1.items()},
        f"at_default_link_threshold_{DEFAULT_LINK_THRESHOLD}": at_default,
    }
