"""PPRL entities: close high-score links across and within the two sides into entities.

Pairwise matching (``match_encodings``) only compares left with right, so two records of one
side that are one party (a partner's duplicates) stay apart, and the pairs it reports are not
transitive. Entities mode scores the same candidate pairs (same blocking, same model) across
the sides *and* within each side, keeps the links scoring at least a high link threshold and
takes connected components: every record of both files gets an entity. With the field model
the threshold must be high: closing links chains records, and at the pairwise threshold (0.5)
weak links join thousands of records into one entity (docs/pprl.md, "Entities mode").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.errors import UserError
from ringfence.resolve.pprl.extra_features import record_degrees
from ringfence.resolve.pprl.field_model import FieldModel
from ringfence.resolve.pprl.match import (
    SkippedBlocks,
    candidate_pairs,
    check_compatible,
    model_for,
    scored_pairs,
    uses_lsh,
)
from ringfence.resolve.pprl.params import ScoreModel

# Default link thresholds, chosen on the bench's train worlds only (FEBRL4, FEBRL3, fake_1000,
# historical_50k, the simulator, the synthetic world): the best mean train F1 over them, from
# `bench/pprl.py --pick-link-thresholds` (docs/pprl.md, "Entities mode"). The field models
# (shipped and fitted alike) need a high one, or weak links chain records into huge entities;
# the CLK's noisy-OR score peaks at the pairwise threshold (the lowest tried).
FIELD_LINK_THRESHOLD = 0.98
CLK_LINK_THRESHOLD = 0.5
# The link thresholds `pprl fit` tries on the data it fits on (pick_link_threshold).
FIT_LINK_THRESHOLDS = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
SIDES = ("left", "right")
ENTITY_SCHEMA = pa.schema(
    [("side", pa.string()), ("id", pa.string()), ("entity_id", pa.string())]
)  # fmt: skip


@dataclass(frozen=True)
class Links:
    """Every compared pair of two encodings tables with its score, across and within the sides.

    Records are numbered left first (0 … n_left − 1), then right (n_left …); ``a < b``.
    """

    n_left: int
    n_right: int
    a: np.ndarray
    b: np.ndarray
    score: np.ndarray


def score_links(
    left: pa.Table,
    right: pa.Table,
    model: ScoreModel | FieldModel | None = None,
    *,
    skipped: SkippedBlocks | None = None,
) -> Links:
    """Score the candidate pairs left×right, left×left and right×right with one model (the
    shipped one for these encodings unless ``model`` is given, as ``match_encodings`` does).
    ``skipped``, if given, records the over-common keys the three comparisons left out. A
    record's number of candidates (crowding, ``pair_features``) is the one of the left×right
    comparison in all three."""
    scorer = model_for(check_compatible(left, right), model)
    n_left = left.num_rows
    parts = []
    degrees: dict[str, np.ndarray] = {}
    for one, other, offset_one, offset_other, sides in (
        (left, right, 0, n_left, ("left", "right")),
        (left, left, 0, 0, ("left", "left")),
        (right, right, n_left, n_left, ("right", "right")),
    ):
        li, ri = candidate_pairs(one, other, skipped=skipped, lsh=uses_lsh(scorer))
        if sides == ("left", "right"):  # first: the counts the within-file pairs use too
            degrees["left"], degrees["right"] = record_degrees(li, ri, n_left, right.num_rows)
        if one is other:  # each unordered pair once, never a record with itself
            keep = li < ri
            li, ri = li[keep], ri[keep]
        pair_degrees = (degrees[sides[0]], degrees[sides[1]])
        score = (
            scored_pairs(one, other, li, ri, scorer, pair_degrees)[0] if len(li) else np.zeros(0)
        )
        parts.append((li + offset_one, ri + offset_other, score))
    a, b, score = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return Links(n_left, right.num_rows, a.astype(np.int64), b.astype(np.int64), score)


def components(
    links: Links, link_threshold: float, within_link_threshold: float | None = None
) -> np.ndarray:
    """Component label of each record (left first) when pairs scoring >= ``link_threshold``
    are linked (within-file pairs: >= ``within_link_threshold`` if given); a record without
    such a link is a component of its own."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    check_link_threshold(link_threshold)
    n = links.n_left + links.n_right
    keep = links.score >= link_threshold
    if within_link_threshold is not None and within_link_threshold != link_threshold:
        check_link_threshold(within_link_threshold)
        within = (links.a < links.n_left) == (links.b < links.n_left)
        keep = np.where(within, links.score >= within_link_threshold, keep)
    graph = coo_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (links.a[keep], links.b[keep])), shape=(n, n)
    )
    return np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)


def default_link_threshold(model: ScoreModel | FieldModel) -> float:
    """The default link threshold for a score model: a field model's own ``link_threshold``
    (chosen by ``pprl fit``), else ``FIELD_LINK_THRESHOLD`` for a field model (the shipped one,
    older fitted files) and ``CLK_LINK_THRESHOLD`` for the CLK's score."""
    if isinstance(model, FieldModel):
        return FIELD_LINK_THRESHOLD if model.link_threshold is None else model.link_threshold
    return CLK_LINK_THRESHOLD


def default_within_link_threshold(model: ScoreModel | FieldModel) -> float:
    """The within-file link threshold: a field model's own ``within_link_threshold`` (the
    split fit's), else ``default_link_threshold`` (one threshold for both kinds of pair)."""
    if isinstance(model, FieldModel) and model.within_link_threshold is not None:
        return model.within_link_threshold
    return default_link_threshold(model)


def cross_side_prf(
    labels: np.ndarray, n_left: int, truth_left: np.ndarray, truth_right: np.ndarray
) -> dict[str, float]:
    """Precision, recall, F1 of the left×right pairs that share a component (``labels``, left
    records first) against true pairs given as row numbers (``truth_left[i]`` of the left with
    ``truth_right[i]`` of the right). Within-side pairs are not scored: their truth is unknown.
    Pairs are counted, not listed, so a giant component costs nothing."""
    left_labels, right_labels = labels[:n_left], labels[n_left:]
    size = int(labels.max()) + 1 if len(labels) else 0
    predicted = int(
        (np.bincount(left_labels, minlength=size) * np.bincount(right_labels, minlength=size)).sum()
    )
    correct = int((left_labels[truth_left] == right_labels[truth_right]).sum())
    precision = correct / predicted if predicted else 1.0
    recall = correct / len(truth_left) if len(truth_left) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


@dataclass(frozen=True)
class LinkChoice:
    """The link threshold of best entity F1 on labelled data, and each tried one's F1 (one
    threshold for both kinds of pair); with a split choice also the within-file threshold."""

    link_threshold: float
    f1: float
    f1_by_link_threshold: dict[float, float]
    within_link_threshold: float | None = None


def pick_link_threshold(
    left: pa.Table,
    right: pa.Table,
    model: ScoreModel | FieldModel,
    matches: Iterable[tuple[str, str]],
    thresholds: tuple[float, ...] = FIT_LINK_THRESHOLDS,
    links: Links | None = None,
    *,
    skipped: SkippedBlocks | None = None,
    within_thresholds: tuple[float, ...] | None = None,
) -> LinkChoice:
    """The link threshold of ``thresholds`` whose entities (``model``'s links across and within
    the sides, closed) score the best F1 against the known ``matches`` (left id, right id),
    counting the left×right pairs the entities imply (``cross_side_prf``; a match naming an
    id in neither file is left out). Ties go to the lower threshold. ``links``: the scored
    links, if the caller has them; without them ``skipped``, if given, records the
    over-common keys scoring them left out (``score_links``). With ``within_thresholds`` the
    within-file threshold is chosen too (``split_choice``)."""
    if links is None:
        links = score_links(left, right, model, skipped=skipped)
    lrow = {v: i for i, v in enumerate(left.column("id").to_pylist())}
    rrow = {v: i for i, v in enumerate(right.column("id").to_pylist())}
    known = [(lrow[a], rrow[b]) for a, b in set(matches) if a in lrow and b in rrow]
    truth_left = np.array([a for a, _ in known], dtype=np.int64)
    truth_right = np.array([b for _, b in known], dtype=np.int64)
    if within_thresholds is not None:
        return split_choice(links, thresholds, within_thresholds, truth_left, truth_right)
    f1 = {
        t: cross_side_prf(components(links, t), links.n_left, truth_left, truth_right)["f1"]
        for t in thresholds
    }
    best = max(thresholds, key=lambda t: f1[t])
    return LinkChoice(best, f1[best], f1)


def split_choice(
    links: Links,
    thresholds: tuple[float, ...],
    within_thresholds: tuple[float, ...],
    truth_left: np.ndarray,
    truth_right: np.ndarray,
) -> LinkChoice:
    """The pair (cross-file, within-file threshold) of best entity F1 (docs/pprl.md, round 7).
    Ties: a pair of equal thresholds (one threshold for both, as without the split), then the
    lower cross threshold, then the lower within one. ``f1_by_link_threshold`` holds the
    equal pairs' F1 (those of ``thresholds`` also in ``within_thresholds``)."""
    pairs = [(t, w) for t in thresholds for w in within_thresholds]
    pairs.sort(key=lambda p: (p[0] != p[1], p[0], p[1]))
    f1 = {
        (t, w): cross_side_prf(components(links, t, w), links.n_left, truth_left, truth_right)[
            "f1"
        ]
        for t, w in pairs
    }
    best_t, best_w = max(pairs, key=lambda p: f1[p])
    equal = {t: f1[(t, t)] for t in thresholds if t in within_thresholds}
    return LinkChoice(best_t, f1[(best_t, best_w)], equal, best_w)


def check_link_threshold(link_threshold: float) -> None:
    """Refuse a link threshold outside (0, 1]: 0 would link every compared pair."""
    if not 0.0 < link_threshold <= 1.0:
        raise UserError(f"the link threshold must be above 0 and at most 1, not {link_threshold}")


def entity_table(left_ids: pa.Array, right_ids: pa.Array, labels: np.ndarray) -> pa.Table:
    """``side, id, entity_id`` for every record, grouped by entity. An entity is named after
    its smallest member, left before right, then by id (``left:17``), so the same links
    always give the same names whatever order the records come in."""
    side = pa.array(np.repeat(np.array(SIDES), [len(left_ids), len(right_ids)]), pa.string())
    ids = pa.concat_arrays([left_ids.cast(pa.string()), right_ids.cast(pa.string())])
    records = pa.table({"side": side, "id": ids, "label": labels})
    order = pc.sort_indices(records, sort_keys=[("side", "ascending"), ("id", "ascending")])
    ordered = order.to_numpy()
    _, first = np.unique(labels[ordered], return_index=True)
    side_list, id_list = side.to_pylist(), ids.to_pylist()
    names = {int(labels[r]): f"{side_list[r]}:{id_list[r]}" for r in ordered[first]}
    entity = pa.array([names[int(v)] for v in labels], pa.string())
    table = pa.table({"side": side, "id": ids, "entity_id": entity}, schema=ENTITY_SCHEMA)
    keys = [("entity_id", "ascending"), ("side", "ascending"), ("id", "ascending")]
    return table.take(pc.sort_indices(table, sort_keys=keys))


def link_entities(
    left: pa.Table,
    right: pa.Table,
    link_threshold: float | None = None,
    model: ScoreModel | FieldModel | None = None,
    *,
    skipped: SkippedBlocks | None = None,
    within_link_threshold: float | None = None,
) -> pa.Table:
    """The entities of two encodings tables: ``side`` ("left"/"right"), ``id``, ``entity_id``
    for every record of both (singletons included), linking pairs that score at least
    ``link_threshold`` (default: ``default_link_threshold`` of the model in use) across or
    within the sides (``model`` and ``skipped`` as in ``match_encodings``). Within-file pairs
    use ``within_link_threshold`` if given, else ``link_threshold`` if given, else the model's
    (``default_within_link_threshold``)."""
    scorer = model_for(check_compatible(left, right), model)
    if within_link_threshold is None:
        within_link_threshold = (
            link_threshold if link_threshold is not None else default_within_link_threshold(scorer)
        )
    if link_threshold is None:
        link_threshold = default_link_threshold(scorer)
    check_link_threshold(link_threshold)
    links = score_links(left, right, scorer, skipped=skipped)
    labels = components(links, link_threshold, within_link_threshold)
    return entity_table(
        left.column("id").combine_chunks(), right.column("id").combine_chunks(), labels
    )


def entity_pairs(entities: pa.Table) -> pa.Table:
    """The ``left_id, right_id`` pairs the entities imply: every left member of an entity
    with every right member of it."""
    sides = [
        entities.filter(pc.equal(entities["side"], side)).select(["id", "entity_id"])
        for side in SIDES
    ]
    joined = sides[0].join(
        sides[1], "entity_id", join_type="inner", left_suffix="_l", right_suffix="_r"
    )
    pairs = pa.table({"left_id": joined["id_l"], "right_id": joined["id_r"]})
    return pairs.sort_by([("left_id", "ascending"), ("right_id", "ascending")])
