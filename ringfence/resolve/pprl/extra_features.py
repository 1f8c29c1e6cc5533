"""Features of the field model beyond each field's Dice (docs/pprl.md, rounds 8 and 9), each
fitted only when asked (``fit_model(date_key=..., hinges=...)``): a model without them, every
shipped model and older file, weighs them 0 and scores as before.

* ``DATE_KEY_FEATURES``: whether both records hold the birth-date block key and it is the same
  (or differs), an exact date agreement the receiver already sees (round 8);
* ``HINGE_FEATURES``: per similarity (the CLK's Dice and each field's ``_agree``), how far it
  passes a knot, ``max(0, d - k) / (1 - k)`` for k in ``HINGE_KNOTS``, weight >= 0, so the score
  may rise faster near an identical value while staying monotone in every Dice (round 9);
* ``NICKNAME_FEATURES``: whether the two names are one but for a nickname ("bill searle" /
  "william searle"): the records share a nickname key (``PprlParams.name_nicknames``) and are
  not one name written alike (round 12);
* ``CROWDING_FEATURES``: how crowded a pair's agreeing names are: where the name filters agree
  (Dice above ``TOP_NAME_DICE``), ``crowding`` of the pair (the fewer candidates of its two
  records, in logs), weight <= 0, what term-frequency adjustment does in clear text: "john
  smith" meets many candidates, "ebenezer blount" few (round 17). It needs each record's
  number of candidates in the left × right comparison (``record_degrees``), which the receiver
  counts from the block keys it already compares.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ringfence.resolve.pprl.name_block import NAME_KEY_COUNT
from ringfence.resolve.pprl.name_keys import WORDS_OF_KEY_COUNT
from ringfence.resolve.pprl.params import CLK_FIELDS

DATE_KEY_FEATURES = ("birth_date_key_agree", "birth_date_key_differ")
NICKNAME_FEATURES = ("name_nickname_agree",)
CROWDING_FEATURES = ("name_crowding",)
# A name Dice above this is the name filters agreeing (``unsupervised.DICE_BANDS`` starts
# its top band here too).
TOP_NAME_DICE = 0.98
HINGE_KNOTS = (0.5, 0.7, 0.9)
HINGE_SUFFIXES = tuple(f"_over{round(k * 100)}" for k in HINGE_KNOTS)
HINGE_BASES = ("dice", *(f"{f}_agree" for f in CLK_FIELDS))
HINGE_FEATURES = tuple(
    f"{base.removesuffix('_agree')}{suffix}" for base in HINGE_BASES for suffix in HINGE_SUFFIXES
)
# Block keys a record's name gives (c Soundex codes: c + c(c - 1)/2); one more is its date key.
_NAME_KEY_COUNTS = frozenset(WORDS_OF_KEY_COUNT)


def hinge_features(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``HINGE_FEATURES`` from the similarity ``columns`` already computed (a field both sides
    hold has its Dice in ``<field>_agree``, else 0, so its hinges are 0 too)."""
    out = {}
    for base in HINGE_BASES:
        if base not in columns:
            continue
        for k, suffix in zip(HINGE_KNOTS, HINGE_SUFFIXES, strict=True):
            name = f"{base.removesuffix('_agree')}{suffix}"
            out[name] = np.maximum(columns[base] - k, 0.0) / (1.0 - k)
    return out


def record_degrees(
    li: np.ndarray, ri: np.ndarray, n_left: int, n_right: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each record's number of candidates among the left × right pairs ``li``, ``ri`` (all
    the pairs the comparison makes), left records and right records."""
    return np.bincount(li, minlength=n_left), np.bincount(ri, minlength=n_right)


def crowding(degrees: tuple[np.ndarray, np.ndarray], li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """Per pair, log(1 + candidates) of whichever of its two records has fewer
    (``record_degrees``: left records' first, right records' second)."""
    return np.asarray(np.minimum(np.log1p(degrees[0][li]), np.log1p(degrees[1][ri])), dtype=float)


def crowding_features(
    columns: dict[str, np.ndarray],
    degrees: tuple[np.ndarray, np.ndarray] | None,
    li: np.ndarray,
    ri: np.ndarray,
) -> dict[str, np.ndarray]:
    """``CROWDING_FEATURES`` of each pair: its ``crowding`` where both records hold the name
    filter and they agree (Dice above ``TOP_NAME_DICE``), else 0; none without ``degrees`` or
    name filters."""
    if degrees is None or "name_agree" not in columns:
        return {}
    agree = columns["name_agree"] > TOP_NAME_DICE
    return {"name_crowding": np.where(agree, crowding(degrees, li, ri), 0.0)}


def date_key_features(
    left: pa.Table, right: pa.Table, li: np.ndarray, ri: np.ndarray
) -> dict[str, np.ndarray]:
    """``DATE_KEY_FEATURES`` of each pair when the encodings carry the birth-date block key
    (``PprlParams.block_on``), else none. A record's date key is its last block key, present
    when its count of keys is not one its name alone gives (as the receiver can tell, docs/
    pprl.md, round 4); a single key is read as a name's."""
    from ringfence.resolve.pprl.match import check_compatible

    if "birth_date" not in check_compatible(left, right).block_on:
        return {}
    keys = [_last_keys(table) for table in (left, right)]
    codes = {value: i for i, value in enumerate({*keys[0][1].tolist(), *keys[1][1].tolist()})}
    lcode = np.array([codes[v] for v in keys[0][1].tolist()], dtype=np.int64)
    rcode = np.array([codes[v] for v in keys[1][1].tolist()], dtype=np.int64)
    both = keys[0][0][li] & keys[1][0][ri]
    same = lcode[li] == rcode[ri]
    return {
        "birth_date_key_agree": (both & same).astype(np.float64),
        "birth_date_key_differ": (both & ~same).astype(np.float64),
    }


def nickname_features(
    left: pa.Table, right: pa.Table, li: np.ndarray, ri: np.ndarray
) -> dict[str, np.ndarray]:
    """``NICKNAME_FEATURES`` of each pair when both encodings carry nickname keys, else none:
    a key shared, and not one name written alike. Equal names have equal lists of keys and,
    where the encodings carry name filters, equal filters; a list alone cannot tell "thomas"
    from "tom" (the table gives both the same keys), the filter can (unless BLIP flips it:
    then every shared key counts). A key shared by more than ``match.MAX_BLOCK_PAIRS`` pairs
    counts for nothing."""
    from ringfence.resolve.pprl.match import (
        column_codes,
        has_nickname_keys,
        pairs_sharing_nickname,
    )

    if not has_nickname_keys(left, right):
        return {}
    shared = pairs_sharing_nickname(left, right)
    codes = li.astype(np.int64) * right.num_rows + ri.astype(np.int64)
    columns = ["nickname_keys"]
    if "clk_name" in left.column_names and "clk_name" in right.column_names:
        columns.append("clk_name")
    same = np.ones(len(li), dtype=bool)
    for column in columns:
        lcodes, rcodes = column_codes(left, right, column)
        same &= lcodes[li] == rcodes[ri]
    return {"name_nickname_agree": (np.isin(codes, shared) & ~same).astype(np.float64)}


def _last_keys(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Per record: whether it holds a date key (a key after its name's: an encoding made with
    ``name_key_max_share`` says how many those are, ``name_block.NAME_KEY_COUNT``; otherwise a
    count of keys no name gives), and its last block key ("" if none)."""
    import pyarrow.compute as pc

    lists = table.column("block_keys").combine_chunks()
    counts = pc.list_value_length(lists).to_numpy(zero_copy_only=False)
    if NAME_KEY_COUNT in table.column_names:
        has = counts > table.column(NAME_KEY_COUNT).to_numpy()
    else:
        has = np.array([c > 1 and c not in _NAME_KEY_COUNTS for c in counts.tolist()], dtype=bool)
    last = np.array([k[-1] if k else "" for k in lists.to_pylist()], dtype=object)
    return has, last


def weight_bounds(feature: str) -> tuple[float | None, float | None]:
    """Sign of a feature's weight: similarities and agreements >= 0, disagreements, crowding
    and unshared name words <= 0."""
    if feature.endswith(("_differ", "_disagree", "_unshared")) or feature in CROWDING_FEATURES:
        return (None, 0.0)
    return (0.0, None)
