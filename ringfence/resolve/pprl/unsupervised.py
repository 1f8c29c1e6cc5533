"""A field model learnt from the two encodings alone, with no known matches (docs/pprl.md,
round 14): what clear-text resolution does with EM, done on the receiver's side.

Each compared pair's ``pair_features`` become comparison levels (``comparison_levels``): per
field filter both records hold, its Dice in bands (``dice_edges``; the name also "one but for
a nickname" when the encodings carry nickname keys); per exact code, agree or differ; a field
one side lacks is no evidence. The birth date (round 15) is one comparison: its key agrees, or
it differs or is absent crossed with how much of the CLK's Dice the field filters leave
unexplained (``residual_design``: the CLK holds the whole date, so a typo'd or over-frequent
date still shows there). The name's top level, filters that agree, is split by how crowded
the pair is (round 17: ``crowding_classes``, the fewer candidates of its two records, in
terciles), as clear text's term-frequency adjustment splits an exact name by its frequency. A
Fellegi-Sunter model over those levels is fitted by
expectation-maximisation over the compared pairs (``fit_levels``: m, u and the share of
matches among them, u started from random pairs of the two files). The pairs it
calls matches (probability >= 0.5) then label the compared pairs for the monotone logistic
``FieldModel`` (``fit_unsupervised``), so ``pprl match`` scores with the model kind it already
knows, and its entities link threshold is the one of best *expected* entity F1
(``expected_link_choice``): each cross-file pair's score read as its chance of being a match.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ringfence.errors import UserError
from ringfence.resolve.pprl.extra_features import (
    DATE_KEY_FEATURES,
    NICKNAME_FEATURES,
    TOP_NAME_DICE,
    crowding,
    record_degrees,
)
from ringfence.resolve.pprl.params import CLK_FIELDS, EXACT_FIELDS

if TYPE_CHECKING:
    from ringfence.resolve.pprl.entities import LinkChoice, Links
    from ringfence.resolve.pprl.field_model import ModelFit
    from ringfence.resolve.pprl.match import SkippedBlocks

# Fixed Dice band edges of a field both records hold, highest first (level 0: Dice above 0.98);
# the quantiles of the field's Dice among the compared pairs are edges too, since a flipped
# filter's Dice stay low even for equal values.
DICE_BANDS = (TOP_NAME_DICE, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4)
QUANTILES = (0.3, 0.5, 0.7, 0.85, 0.95)
# Band edges of the CLK's residual Dice: these quantiles among the compared pairs (round 15).
RESIDUAL_QUANTILES = (0.5, 0.8, 0.9, 0.95, 0.98)
# Crowding classes of the name's top level: cut at these quantiles of the compared pairs'
# crowding (round 17), the least crowded class keeping level 0.
CROWDING_QUANTILES = (1 / 3, 2 / 3)
DATE_KEY = "birth_date_key"
RANDOM_PAIRS = 200_000
RANDOM_SEED = 14
EM_ITERATIONS = 200
EM_TOLERANCE = 1e-6
# Starting point: a hundredth of the pairs match, most matches at the top level.
_START_PRIOR = 0.01
_START_TOP = 0.8
_SMOOTHING = 0.01  # pairs added to each level's count, so no level is impossible
NICKNAME_LEVEL_FIELD = "name"
CLK_DICE = "dice"  # the whole record's Dice: a comparison only without field filters
# Fewer comparisons leave a two-class model unidentifiable (many m, u and shares fit alike).
MIN_COMPARISONS = 3


@dataclass(frozen=True)
class LevelModel:
    """Fellegi-Sunter parameters: per comparison its m and u per level, and ``prior``, the
    share of matches among the compared pairs."""

    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    prior: float

    def probability(self, levels: dict[str, np.ndarray]) -> np.ndarray:
        """Match probability of each pair from its levels (-1: no evidence)."""
        n = len(next(iter(levels.values()))) if levels else 0
        logit = np.full(n, np.log(self.prior / (1.0 - self.prior)))
        for name, level in levels.items():
            held = level >= 0
            weights = np.log(self.m[name]) - np.log(self.u[name])
            logit[held] += weights[level[held]]
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0))))


def _columns(features: np.ndarray) -> dict[str, np.ndarray]:
    from ringfence.resolve.pprl.field_model import FEATURES

    return {name: features[:, j] for j, name in enumerate(FEATURES)}


def dice_edges(features: np.ndarray) -> dict[str, np.ndarray]:
    """Per field filter some pair holds, its Dice band edges (highest first): ``DICE_BANDS``
    and the ``QUANTILES`` of its Dice among the pairs of ``features`` that hold it. Encodings
    without field filters get the CLK's own Dice (``CLK_DICE``) as their one Dice comparison
    instead (beside field filters it would count their evidence twice)."""
    column = _columns(features)
    edges = {}
    for field in CLK_FIELDS:
        dice, held = _similarity(column, field)
        if held.any():
            edges[field] = _bands(dice[held])
    if not edges and len(features):
        edges[CLK_DICE] = _bands(column[CLK_DICE])
    return edges


def _bands(dice: np.ndarray) -> np.ndarray:
    bands = np.unique(np.r_[DICE_BANDS, np.quantile(dice, QUANTILES)])[::-1]
    return np.asarray(bands[bands > 0])


def _similarity(column: dict[str, np.ndarray], field: str) -> tuple[np.ndarray, np.ndarray]:
    """A Dice comparison's similarity per pair and whether the pair holds it."""
    if field == CLK_DICE:
        return column[CLK_DICE], np.ones(len(column[CLK_DICE]), dtype=bool)
    agree, disagree = column[f"{field}_agree"], column[f"{field}_disagree"]
    return agree, (agree + disagree) > 0


@dataclass(frozen=True)
class ResidualDesign:
    """The CLK's Dice as the field filters predict it (least squares over the compared pairs:
    ``coefficients`` of ``_field_design``), and the band edges of what is left (highest
    first)."""

    coefficients: np.ndarray
    edges: np.ndarray

    def bands(self, features: np.ndarray) -> np.ndarray:
        """Each pair's residual band, 0 for the highest residual Dice."""
        design, dice = _field_design(features)
        return _band(dice - design @ self.coefficients, self.edges)


def _band(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Each value's band among ``edges`` (highest first): 0 above the first edge."""
    return np.searchsorted(-edges, -values, side="right")


def _field_design(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: 1, and per field filter its Dice where held and whether held; the CLK's Dice."""
    column = _columns(features)
    parts = [np.ones(len(features))]
    for field in CLK_FIELDS:
        dice, held = _similarity(column, field)
        parts += [dice * held, held.astype(float)]
    return np.column_stack(parts), column[CLK_DICE]


def residual_design(features: np.ndarray, edges: dict[str, np.ndarray]) -> ResidualDesign | None:
    """The residual of the CLK's Dice over the compared pairs ``features``, or None when the
    encodings hold no field filters (``edges`` has the CLK's Dice itself) or no pairs."""
    if CLK_DICE in edges or not edges or not len(features):
        return None
    design, dice = _field_design(features)
    coefficients = np.linalg.lstsq(design, dice, rcond=None)[0]
    quantiles = np.quantile(dice - design @ coefficients, RESIDUAL_QUANTILES)
    return ResidualDesign(coefficients, np.unique(quantiles)[::-1])


def _date_level(features: np.ndarray, residual: ResidualDesign | None) -> np.ndarray:
    """The birth date's level: 0 its key agrees; without a residual 1 it differs; with one,
    1 + band where the key differs and 1 + bands + band where a side has no key."""
    column = _columns(features)
    agree, differ = (column[name] > 0 for name in DATE_KEY_FEATURES)
    if residual is None:
        level = np.where(differ, 1, -1)
    else:
        band = residual.bands(features)
        level = np.where(differ, 1 + band, 1 + len(residual.edges) + 1 + band)
    return np.asarray(np.where(agree, 0, level), dtype=np.int64)


def crowding_classes(pairs: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Each pair's crowding class (``extra_features.crowding`` values ``pairs``) among the
    ``cuts`` (ascending): 0 the least crowded."""
    return np.asarray(np.searchsorted(cuts, pairs, side="right"), dtype=np.int64)


def comparison_levels(
    features: np.ndarray,
    edges: dict[str, np.ndarray],
    residual: ResidualDesign | None = None,
    crowded: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Each comparison's level per pair (-1 where it gives no evidence) from a
    ``pair_features`` matrix, ``dice_edges`` and ``residual_design``; a comparison no pair
    holds is left out. With ``crowded`` (``crowding_classes``) the name's top level of a pair
    in class c > 0 becomes a level of its own after the name's others."""
    column = _columns(features)
    n = features.shape[0]
    out: dict[str, np.ndarray] = {}
    for field, field_edges in edges.items():
        agree, held = _similarity(column, field)
        level = np.full(n, -1, dtype=np.int64)
        level[held] = _band(agree[held], field_edges)
        if field == NICKNAME_LEVEL_FIELD:
            nickname = column[NICKNAME_FEATURES[0]] > 0
            level[held & nickname & (level > 0)] = len(field_edges) + 1
            if crowded is not None:
                top = held & (level == 0) & (crowded > 0)
                level[top] = len(field_edges) + 1 + crowded[top]
        out[field] = level
    for field in EXACT_FIELDS:
        level = np.full(n, -1, dtype=np.int64)
        level[column[f"{field}_differ"] > 0] = 1
        level[column[f"{field}_agree"] > 0] = 0
        out[field] = level
    out[DATE_KEY] = _date_level(features, residual)
    return {name: level for name, level in out.items() if (level >= 0).any()}


def _level_counts(level: np.ndarray, size: int, weights: np.ndarray) -> np.ndarray:
    """Smoothed share of each level among the pairs holding the comparison, by weight."""
    held = level >= 0
    counts = np.bincount(level[held], weights=weights[held], minlength=size) + _SMOOTHING
    return np.asarray(counts / counts.sum())


def level_sizes(
    edges: dict[str, np.ndarray],
    names: list[str],
    residual: ResidualDesign | None = None,
    top_classes: int = 1,
) -> dict[str, int]:
    """How many levels each comparison has (``comparison_levels``; the name's top level in
    ``top_classes`` crowding classes)."""
    def size(name: str) -> int:
        if name == DATE_KEY and residual is not None:
            return 1 + 2 * (len(residual.edges) + 1)  # agree; differ, absent × bands
        if name not in edges:
            return 2  # agree, differ
        if name == NICKNAME_LEVEL_FIELD:
            return len(edges[name]) + 1 + top_classes
        return len(edges[name]) + 1

    return {name: size(name) for name in names}


def fit_levels(
    levels: dict[str, np.ndarray], start_u: dict[str, np.ndarray], sizes: dict[str, int]
) -> LevelModel:
    """Fellegi-Sunter by EM over the compared pairs' ``levels``: m, u and the prior all
    re-estimated each step, u started from ``start_u`` (random pairs' levels: nearly all
    non-matches), m from mostly the top level."""
    u = {}
    for name, size in sizes.items():
        drawn = start_u.get(name, np.zeros(0, dtype=np.int64))
        u[name] = _level_counts(drawn, size, np.ones(len(drawn)))
    m = {}
    for name, size in sizes.items():
        start = np.full(size, (1.0 - _START_TOP) / max(size - 1, 1))
        start[0] = _START_TOP
        m[name] = start
    model = LevelModel(m, u, _START_PRIOR)
    for _ in range(EM_ITERATIONS):
        p = model.probability(levels)
        new = LevelModel(
            {name: _level_counts(levels[name], size, p) for name, size in sizes.items()},
            {name: _level_counts(levels[name], size, 1.0 - p) for name, size in sizes.items()},
            float(np.clip(p.mean(), 1e-6, 1.0 - 1e-6)),
        )
        change = max(
            abs(new.prior - model.prior),
            *(float(np.abs(new.m[k] - model.m[k]).max()) for k in sizes),
        )
        model = new
        if change < EM_TOLERANCE:
            break
    return model


def random_pairs(n_left: int, n_right: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random (left row, right row) pairs (a fixed seed), or every pair when there
    are no more than that."""
    if n_left * n_right <= count:
        grid = np.arange(n_left * n_right, dtype=np.int64)
        return grid // n_right, grid % n_right
    rng = np.random.default_rng(RANDOM_SEED)
    return rng.integers(0, n_left, count), rng.integers(0, n_right, count)


def expected_link_choice(links: Links, thresholds: tuple[float, ...]) -> LinkChoice:
    """The link threshold of best expected entity F1, with no known matches: each compared
    left×right pair's score is read as its chance of being a match, so the expected correct
    pairs of a threshold's entities are the scores of the compared cross pairs they join,
    the expected true pairs the scores of all of them, and every cross pair an entity joins
    is predicted (a chain joining pairs never compared gains nothing). Ties: the lower."""
    from ringfence.resolve.pprl.entities import LinkChoice, components

    cross = (links.a < links.n_left) & (links.b >= links.n_left)
    a, b, score = links.a[cross], links.b[cross], links.score[cross]
    expected_true = float(score.sum())
    f1 = {}
    for t in thresholds:
        labels = components(links, t)
        size = int(labels.max()) + 1 if len(labels) else 0
        left_counts = np.bincount(labels[: links.n_left], minlength=size)
        predicted = float((left_counts * np.bincount(labels[links.n_left :], minlength=size)).sum())
        correct = float(score[labels[a] == labels[b]].sum())
        total = predicted + expected_true
        f1[t] = round(2.0 * correct / total, 4) if total else 0.0
    best = max(thresholds, key=lambda t: f1[t])
    return LinkChoice(best, f1[best], f1)


def fit_unsupervised(
    left: pa.Table, right: pa.Table, *, skipped: SkippedBlocks | None = None
) -> ModelFit:
    """A field model and its entities link threshold from two encodings tables alone (what
    ``pprl fit --unsupervised`` does): EM over the compared pairs' levels, the pairs it calls
    matches as labels of ``fit_field_model`` (with the date key, hinge, nickname and crowding
    features whenever the encodings carry them), and the link threshold of best expected
    entity F1.
    ``summary``: pairs compared, pairs the EM called matches, its estimated share of matches
    (per million pairs)."""
    from ringfence.resolve.pprl.entities import FIT_LINK_THRESHOLDS, score_links
    from ringfence.resolve.pprl.field_model import ModelFit, fit_field_model, pair_features
    from ringfence.resolve.pprl.match import candidate_pairs, check_compatible

    check_compatible(left, right)
    li, ri = candidate_pairs(left, right, skipped=skipped)
    if len(li) == 0:
        raise UserError("cannot fit without matches: no two records share a block key")
    degrees = record_degrees(li, ri, left.num_rows, right.num_rows)
    features = pair_features(left, right, li, ri, degrees=degrees)
    edges = dice_edges(features)
    residual = residual_design(features, edges)
    crowd = crowding(degrees, li, ri)
    cuts = np.quantile(crowd, CROWDING_QUANTILES)
    levels = comparison_levels(features, edges, residual, crowding_classes(crowd, cuts))
    if len(levels) < MIN_COMPARISONS:
        raise UserError(
            f"cannot fit without matches: these encodings give {len(levels)} comparison"
            f"{'' if len(levels) == 1 else 's'} ({', '.join(sorted(levels))}) and EM needs at "
            f"least {MIN_COMPARISONS}; encode both sides with field filters (pprl encode "
            "--field-filters or --filter-fields), or give known matches (--matches)"
        )
    rl, rr = random_pairs(left.num_rows, right.num_rows, RANDOM_PAIRS)
    start_u = comparison_levels(
        pair_features(left, right, rl, rr),
        edges,
        residual,
        crowding_classes(crowding(degrees, rl, rr), cuts),
    )
    sizes = level_sizes(edges, list(levels), residual, len(CROWDING_QUANTILES) + 1)
    level_model = fit_levels(levels, start_u, sizes)
    called = level_model.probability(levels) >= 0.5
    if called.all() or not called.any():
        raise UserError(
            f"cannot fit without matches: the EM called {int(called.sum()):,} of the "
            f"{len(called):,} compared pairs matches; give known matches (--matches) instead"
        )
    fitted = fit_field_model(
        features,
        called,
        version="unsupervised",
        date_key=True,
        hinges=True,
        nicknames=True,
        crowding=True,
    )
    choice = expected_link_choice(score_links(left, right, fitted), FIT_LINK_THRESHOLDS)
    summary = {
        "compared": len(li),
        "called_matches": int(called.sum()),
        "estimated_match_share_ppm": round(level_model.prior * 1e6),
    }
    return ModelFit(replace(fitted, link_threshold=choice.link_threshold), summary, choice)
