"""Match two encodings tables: blocking, Dice similarity of CLKs, exact codes, one score.

Only pairs that share a block key or an exact code are compared, so the work grows with the
number of plausible pairs rather than with the product of the two tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.errors import UserError
from ringfence.resolve.pprl.extra_features import record_degrees
from ringfence.resolve.pprl.field_model import FieldModel, default_field_model, pair_features
from ringfence.resolve.pprl.lsh import CANDIDATES_NAME_MINHASH
from ringfence.resolve.pprl.name_keys import NAME_KEY_FEATURES
from ringfence.resolve.pprl.params import (
    EXACT_FIELDS,
    PprlParams,
    ScoreModel,
    params_from_metadata,
)

DEFAULT_THRESHOLD = 0.5
# A block key shared by more pairs than this is as unspecific as a stop word ("W000|CN" for
# every "wang" in China); comparing all of them would cost far more than it finds.
MAX_BLOCK_PAIRS = 200_000
_PAIR_CHUNK = 250_000
# The columns pairs are found through, each with the name a skipped key goes by.
_KEY_COLUMNS = [("block_keys", "block key")] + [
    (f"{name}_hmac", f"{name.replace('_', ' ')} code") for name in EXACT_FIELDS
]
# A person's nickname keys (``PprlParams.name_nicknames``): evidence, not a way to find pairs.
NICKNAME_COLUMN = "nickname_keys"
PAIR_SCHEMA = pa.schema(
    [("left_id", pa.string()), ("right_id", pa.string()), ("score", pa.float64()),
     ("exact_matches", pa.string())]
)  # fmt: skip


@dataclass
class SkippedBlocks:
    """What the ``MAX_BLOCK_PAIRS`` cap left out, filled in by the matching functions that
    take ``skipped=``: how many block keys and exact codes of each kind ("block key",
    "phone code", ...) were skipped and how many candidate pairs they would have made.

    Pairs are counted as the cap counts them, per comparison: left records × right records
    carrying the key (within one file, as entities mode compares, records × records). A key
    skipped in several comparisons is one key. The keys themselves are keyed hashes and are
    kept only to count them once; report counts, never the keys.
    """

    pairs_by_kind: dict[str, int] = field(default_factory=dict)
    _keys: dict[str, set[object]] = field(default_factory=dict, repr=False)

    @property
    def limit(self) -> int:
        """The cap the keys went over (``MAX_BLOCK_PAIRS``)."""
        return MAX_BLOCK_PAIRS

    def add(self, kind: str, pairs_by_key: dict[object, int]) -> None:
        """Record keys of one kind skipped in one comparison, with the pairs each would make."""
        self._keys.setdefault(kind, set()).update(pairs_by_key)
        self.pairs_by_kind[kind] = self.pairs_by_kind.get(kind, 0) + sum(pairs_by_key.values())

    @property
    def keys_by_kind(self) -> dict[str, int]:
        """Distinct skipped keys of each kind."""
        return {kind: len(keys) for kind, keys in self._keys.items()}

    @property
    def keys(self) -> int:
        """Distinct skipped keys of all kinds."""
        return sum(self.keys_by_kind.values())

    @property
    def pairs(self) -> int:
        """Candidate pairs the skipped keys would have made, all kinds together."""
        return sum(self.pairs_by_kind.values())

    def __bool__(self) -> bool:
        return bool(self._keys)


def check_compatible(left: pa.Table, right: pa.Table) -> PprlParams:
    """The shared encoding parameters; refuse encodings made differently or with another secret."""
    metas, params = [], []
    for side, table in (("left", left), ("right", right)):
        raw = table.schema.metadata or {}
        meta = {k.decode(): v.decode() for k, v in raw.items()}
        if "params" not in meta or "secret_check" not in meta:
            raise UserError(f"the {side} table is not a Ringfence PPRL encoding (no parameters)")
        params.append(params_from_metadata(meta, side))
        metas.append(meta)
    # Compared as parameters, not as text: an explicit empty list means what an absent key does.
    if params[0] != params[1]:
        raise UserError("the two encodings were made with different parameters; re-encode both")
    if metas[0]["secret_check"] != metas[1]["secret_check"]:
        raise UserError("the two encodings were made with different secrets; they cannot match")
    return params[0]


def _pairs_sharing(
    left: pa.Array,
    right: pa.Array,
    n_right: int,
    kind: str = "block key",
    skipped: SkippedBlocks | None = None,
) -> np.ndarray:
    """Pair codes (left_row * n_right + right_row) of rows sharing a value of a key column.

    A list column (block keys) shares when any element is equal; nulls never share. Values
    shared by more than ``MAX_BLOCK_PAIRS`` pairs are left out (recorded in ``skipped`` as
    ``kind``).
    """
    sides = []
    for column in (left, right):
        if pa.types.is_list(column.type):
            rows = pc.list_parent_indices(column)
            keys = pc.list_flatten(column)
        else:
            rows = pa.array(np.arange(len(column)))
            keys = column
        sides.append(pa.table({"key": keys, "row": rows}).filter(pc.is_valid(keys)))
    lt, rt = sides
    big = _oversized(lt["key"], rt["key"])
    if big:
        if skipped is not None:
            skipped.add(kind, big)
        lt = lt.filter(pc.invert(pc.is_in(lt["key"], pa.array(list(big), lt["key"].type))))
    joined = lt.join(rt, "key", join_type="inner", left_suffix="_l", right_suffix="_r")
    li = joined["row_l"].to_numpy().astype(np.int64)
    ri = joined["row_r"].to_numpy().astype(np.int64)
    return li * n_right + ri


def _oversized(left: pa.ChunkedArray, right: pa.ChunkedArray) -> dict[object, int]:
    """The keys shared by more than ``MAX_BLOCK_PAIRS`` pairs, with how many pairs each."""
    right_counts = _key_counts(right)
    pairs = {key: count * right_counts.get(key, 0) for key, count in _key_counts(left).items()}
    return {key: n for key, n in pairs.items() if n > MAX_BLOCK_PAIRS}


def _key_counts(keys: pa.ChunkedArray) -> dict[object, int]:
    counts = pc.value_counts(keys)
    return dict(
        zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
    )


def candidate_pairs(
    left: pa.Table,
    right: pa.Table,
    *,
    skipped: SkippedBlocks | None = None,
    lsh: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (left, right) of every pair sharing a block key or an exact code.

    Keys and codes shared by more than ``MAX_BLOCK_PAIRS`` pairs are skipped like stop words;
    ``skipped``, if given, records how many and the pairs they would have made. With ``lsh``
    also the pairs whose name filters share a MinHash band (``lsh.minhash_pairs``).
    """
    n_right = right.num_rows
    codes = [
        _pairs_sharing(_array(left, column), _array(right, column), n_right, kind, skipped)
        for column, kind in _KEY_COLUMNS
    ]
    if lsh:
        from ringfence.resolve.pprl.lsh import minhash_pairs

        li, ri = minhash_pairs(left, right)
        codes.append(li * n_right + ri)
    unique = _sorted_unique(np.concatenate(codes))
    return unique // max(n_right, 1), unique % max(n_right, 1)


def has_nickname_keys(left: pa.Table, right: pa.Table) -> bool:
    """Whether both encodings carry nickname keys (``PprlParams.name_nicknames``)."""
    return all(NICKNAME_COLUMN in table.column_names for table in (left, right))


def pairs_sharing_nickname(left: pa.Table, right: pa.Table) -> np.ndarray:
    """Pair codes (left_row * right rows + right_row) of the pairs sharing a nickname key
    (a key over ``MAX_BLOCK_PAIRS`` pairs left out, as a block key is)."""
    return _pairs_sharing(
        _array(left, NICKNAME_COLUMN), _array(right, NICKNAME_COLUMN), right.num_rows
    )


def _sorted_unique(codes: np.ndarray) -> np.ndarray:
    # Sort and drop repeats by hand: numpy 2's hash-based np.unique is several times slower
    # on tens of millions of int64 pair codes.
    codes.sort()
    if len(codes) < 2:
        return codes
    first = np.empty(len(codes), dtype=bool)
    first[0] = True
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    return codes[first]


def _array(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def clk_matrix(table: pa.Table, column: str = "clk") -> np.ndarray:
    """The CLKs (or a field's filters) as an (n, bits/64) uint64 matrix, for vectorised
    popcounts."""
    clks = _array(table, column)
    width = clks.type.byte_width
    data = np.frombuffer(
        clks.buffers()[1], dtype=np.uint8, count=len(clks) * width, offset=clks.offset * width
    )
    return data.reshape(len(clks), width).view(np.uint64)


def popcounts(words: np.ndarray) -> np.ndarray:
    """Set bits per row of a uint64 matrix."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(words).sum(axis=1, dtype=np.int64)
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)
    return table[words.view(np.uint8)].sum(axis=1)


def dice(left: np.ndarray, right: np.ndarray, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """Dice coefficient 2|A∩B| / (|A|+|B|) of CLK pairs (0 where both are empty)."""
    out = np.empty(len(li), dtype=np.float64)
    left_pop, right_pop = popcounts(left), popcounts(right)
    for start in range(0, len(li), _PAIR_CHUNK):
        a, b = li[start : start + _PAIR_CHUNK], ri[start : start + _PAIR_CHUNK]
        common = popcounts(left[a] & right[b])
        total = left_pop[a] + right_pop[b]
        out[start : start + _PAIR_CHUNK] = np.divide(
            2 * common, total, out=np.zeros(len(a)), where=total > 0
        )
    return out


def column_codes(left: pa.Table, right: pa.Table, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Both sides' values of ``column`` as shared integers, equal exactly when the values are
    (-1 = none; a list column, such as keys, compared as the whole list)."""
    both = pa.concat_arrays([_array(left, column), _array(right, column)])
    if pa.types.is_list(both.type):
        both = pc.binary_join(both, "|")  # keys are hex: "|" is in none
    indices = pc.dictionary_encode(both).indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return indices[: left.num_rows], indices[left.num_rows :]


def _pair_codes(left: pa.Table, right: pa.Table, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Both sides' exact codes of one identifier kind as shared integers (-1 = none)."""
    return column_codes(left, right, f"{name}_hmac")


def exact_agreements(
    left: pa.Table, right: pa.Table, li: np.ndarray, ri: np.ndarray
) -> dict[str, np.ndarray]:
    """Per identifier kind: whether each pair carries the same exact code (both present)."""
    agree = {}
    for name in EXACT_FIELDS:
        lcodes, rcodes = _pair_codes(left, right, name)
        agree[name] = (lcodes[li] == rcodes[ri]) & (lcodes[li] >= 0)
    return agree


def exact_disagreements(
    left: pa.Table, right: pa.Table, li: np.ndarray, ri: np.ndarray
) -> dict[str, np.ndarray]:
    """Per identifier kind: whether both sides of each pair carry a code and they differ."""
    differ = {}
    for name in EXACT_FIELDS:
        lcodes, rcodes = _pair_codes(left, right, name)
        lc, rc = lcodes[li], rcodes[ri]
        differ[name] = (lc >= 0) & (rc >= 0) & (lc != rc)
    return differ


def combine_scores(
    similarity: np.ndarray,
    agree: dict[str, np.ndarray],
    model: ScoreModel,
    differ: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Probability-like score of each pair from its similarity and exact agreements.

    Noisy-OR (see ``ScoreModel``). Disagreement counts only through the model's
    ``disagree_factors`` (none by default: one party often has several phones and e-mails, so
    two different ones say little unless a labelled sample shows otherwise).
    """
    floor = model.dice_floor
    fuzzy = np.clip((similarity - floor) / (1.0 - floor), 0.0, 1.0)
    doubt = 1.0 - fuzzy
    for name, agrees in agree.items():
        doubt = np.where(agrees, doubt * (1.0 - model.exact_weights.get(name, 0.0)), doubt)
    score = 1.0 - doubt
    for name, differs in (differ or {}).items():
        score = np.where(differs, score * model.disagree_factors.get(name, 1.0), score)
    return np.asarray(score)


def match_encodings(
    left: pa.Table,
    right: pa.Table,
    threshold: float = DEFAULT_THRESHOLD,
    one_to_one: bool = False,
    model: ScoreModel | FieldModel | None = None,
    *,
    skipped: SkippedBlocks | None = None,
) -> pa.Table:
    """Pairs ``left_id, right_id, score, exact_matches`` scoring at least ``threshold``.

    ``model`` replaces the default score model: the shipped ``FieldModel`` when the encodings
    carry field filters, else the CLK's noisy-OR ``ScoreModel``; the encoding parameters
    always come from the files. With ``one_to_one`` each record keeps only its best partner
    (greedy, highest score first). ``skipped``, if given, records the block keys and codes
    left out for being shared by too many pairs (``candidate_pairs``).
    """
    if not 0.0 <= threshold <= 1.0:
        raise UserError(f"threshold must be between 0 and 1, not {threshold}")
    model = model_for(check_compatible(left, right), model)
    li, ri = candidate_pairs(left, right, skipped=skipped, lsh=uses_lsh(model))
    degrees = record_degrees(li, ri, left.num_rows, right.num_rows)
    scores = scored_pairs(left, right, li, ri, model, degrees)
    keep = scores[0] >= threshold
    li, ri, score = li[keep], ri[keep], scores[0][keep]
    labels = [scores[1][i] for i in np.flatnonzero(keep)]
    order = np.lexsort((li, -score))
    if one_to_one:
        order = _greedy_one_to_one(order, li, ri)
    return pa.table(
        {
            "left_id": pc.take(_array(left, "id"), pa.array(li[order])),
            "right_id": pc.take(_array(right, "id"), pa.array(ri[order])),
            "score": np.round(score[order], 4),
            "exact_matches": [labels[i] for i in order],
        },
        schema=PAIR_SCHEMA,
    )


def model_for(params: PprlParams, model: ScoreModel | FieldModel | None) -> ScoreModel | FieldModel:
    """The score model for encodings made with ``params``: ``model`` if given (refused when it
    weighs field filters the encodings lack), else the shipped ``FieldModel`` for encodings
    with field filters and the CLK's noisy-OR ``ScoreModel`` for the others."""
    if model is None:
        return default_field_model() if params.field_filters else ScoreModel()
    if isinstance(model, FieldModel) and model.fields() - set(params.field_filters):
        lacking = ", ".join(sorted(model.fields() - set(params.field_filters)))
        raise UserError(
            f"the model weighs field filters these encodings do not have ({lacking}); encode "
            "both sides with --field-filters, or fit a model on these encodings"
        )
    return model


def uses_lsh(model: ScoreModel | FieldModel) -> bool:
    """Whether the model compares the pairs MinHash LSH adds (``FieldModel.candidates``)."""
    return isinstance(model, FieldModel) and model.candidates == CANDIDATES_NAME_MINHASH


def scored_pairs(
    left: pa.Table,
    right: pa.Table,
    li: np.ndarray,
    ri: np.ndarray,
    model: ScoreModel | FieldModel,
    degrees: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Score and exact-match labels ("phone,email") of the given candidate pairs; ``degrees``
    (each record's number of candidates, ``pair_features``) for a field model that weighs
    crowding."""
    agree = exact_agreements(left, right, li, ri)
    labels = [""] * len(li)
    for name in EXACT_FIELDS:
        for i in np.flatnonzero(agree[name]):
            labels[i] = f"{labels[i]},{name}" if labels[i] else name
    if isinstance(model, FieldModel):
        keys = any(model.coefficients.get(name) for name in NAME_KEY_FEATURES)
        return model.score(pair_features(left, right, li, ri, agree, degrees, keys)), labels
    dice_scores = dice(clk_matrix(left), clk_matrix(right), li, ri)
    differ = exact_disagreements(left, right, li, ri) if model.disagree_factors else None
    return combine_scores(dice_scores, agree, model, differ), labels


def _greedy_one_to_one(order: np.ndarray, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    used_left: set[int] = set()
    used_right: set[int] = set()
    kept = []
    for i in order:
        a, b = int(li[i]), int(ri[i])
        if a not in used_left and b not in used_right:
            used_left.add(a)
            used_right.add(b)
            kept.append(i)
    return np.array(kept, dtype=np.int64)
