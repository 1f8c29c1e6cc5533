"""Vectorised cleaning of raw string columns through the value types.

``ValueType.clean_column`` cleans each distinct value once in Python. That is fast for columns
with few distinct values (countries, dates, codes) but not for columns where nearly every value is
distinct (keys, prices, weights). For those, a vectorised test picks out the values the type would
return unchanged (or that Arrow parses exactly as Python would), and only the rest go through the
value type. The result is the same as ``clean_column`` on the whole column, only faster.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from ringfence.model import types
from ringfence.model.types import ValueType
from ringfence.model.types.identifiers import IdentifierType
from ringfence.model.types.quantities import CountType, DateType, NumberType
from ringfence.model.types.text import KeyType, NameType, TextType

# The text types return printable ASCII words separated by single spaces unchanged (NFC is the
# identity on ASCII, and there is no whitespace to collapse): see ``_text_fast``.
_PLAIN_NUMBER = r"^[0-9]{1,15}(\.[0-9]{1,15})?$"
_PLAIN_COUNT = r"^[0-9]{1,15}$"
_PLAIN_IDENTIFIER = r"^[A-Z0-9]{2,64}$"

FastPath = Callable[[pa.Array], tuple[pa.Array, pa.Array]]


def _matches(values: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(values, pattern), False)


def _text_fast(max_length: int, needs_alnum: bool) -> FastPath:
    def run(values: pa.Array) -> tuple[pa.Array, pa.Array]:
        # Printable ASCII without leading, trailing or doubled spaces; plain kernels, no regex.
        length = pc.utf8_length(values)
        tests = [pc.ascii_is_printable(values), pc.greater(length, 0),
                 pc.less_equal(length, max_length), pc.invert(pc.match_substring(values, "  ")),
                 pc.invert(pc.starts_with(values, " ")), pc.invert(pc.ends_with(values, " "))]
        mask = tests[0]
        for test in tests[1:]:
            mask = pc.and_(mask, test)
        mask = pc.fill_null(mask, False)
        if needs_alnum:
            mask = pc.and_(mask, _matches(values, "[A-Za-z0-9]"))
        return mask, values

    return run


def _cast_fast(pattern: str, target: pa.DataType) -> FastPath:
    def run(values: pa.Array) -> tuple[pa.Array, pa.Array]:
        mask = _matches(values, pattern)
        safe = pc.if_else(mask, values, pa.scalar("0"))
        return mask, pc.cast(safe, target)

    return run


def _fast_path(vtype: ValueType, hint: str | None) -> FastPath | None:
    """A vectorised shortcut for this type and hint, or None when there is none."""
    kind = type(vtype)
    if kind in (TextType, KeyType, NameType):
        assert isinstance(vtype, TextType)
        return _text_fast(vtype.max_length, needs_alnum=kind is NameType)
    if kind is NumberType and hint in (None, "point"):
        return _cast_fast(_PLAIN_NUMBER, pa.float64())
    if kind is CountType and hint in (None, "point"):
        return _cast_fast(_PLAIN_COUNT, pa.int64())
    if kind is IdentifierType and hint is None:
        return lambda values: (_matches(values, _PLAIN_IDENTIFIER), values)
    return None


_DATE_REASON = re.compile(
    r"not a date in (?:format (?P<fmt>.+?)|an ISO date \(YYYY-MM-DD\))(?= \(|;|$)"
)
_DATE_PARTS = {
    "%d": "day", "%m": "month", "%Y": "year", "%y": "year", "%b": "month name",
    "%B": "month name", "%H": "hour", "%M": "minute", "%S": "second", "%j": "day of year",
}  # fmt: skip
_EXAMPLE = dt.datetime(2025, 12, 31, 23, 59, 58)


def date_format_in_words(fmt: str | None) -> str:
    """A date format as an example and its parts: '%d.%m.%Y' → '31.12.2025 (day.month.year)'."""
    fmt = fmt or "%Y-%m-%d"
    parts = re.sub(r"%[A-Za-z]", lambda m: _DATE_PARTS.get(m.group(0), m.group(0)), fmt)
    return f"{_EXAMPLE.strftime(fmt)} ({parts})"


def dates_in_words(reasons: pa.Array) -> pa.Array:
    """Reasons with 'not a date in format %d.%m.%Y' put in words: 'not a date like 31.12.2025
    (day.month.year)'."""
    if len(reasons) == 0 or reasons.null_count == len(reasons):
        return reasons
    phrases = {
        found.group(0): f"not a date like {date_format_in_words(found['fmt'])}"
        for text in pc.unique(reasons).to_pylist()
        if text
        for found in _DATE_REASON.finditer(text)
    }
    for phrase, words in phrases.items():
        reasons = pc.replace_substring(reasons, phrase, words)
    return reasons


def clean_values(
    vtype: ValueType, values: pa.Array, hint: str | None = None
) -> tuple[pa.Array, pa.Array]:
    """Clean a string column: (cleaned values, reason per row or null), as ``clean_column``
    (a date's reason names its format in words, see :func:`dates_in_words`)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(vtype, DateType):
        cleaned, reasons = vtype.clean_column(values, hint)
        return cleaned, dates_in_words(reasons)
    fast = _fast_path(vtype, hint)
    if fast is None or len(values) == 0:
        return vtype.clean_column(values, hint)
    mask, fast_values = fast(values)
    if pc.all(mask).as_py():
        return fast_values, pa.nulls(len(values), pa.string())
    rest = pc.if_else(mask, pa.scalar(None, pa.string()), values)
    cleaned, reasons = vtype.clean_column(rest, hint)
    return pc.if_else(mask, fast_values, cleaned), reasons


def clean_with_hint_column(
    vtype: ValueType, values: pa.Array, hints: pa.Array, default_hint: str | None
) -> tuple[pa.Array, pa.Array]:
    """Clean with a per-row hint (e.g. each phone's country); blank hints use the default."""
    hints = pc.utf8_trim_whitespace(hints)
    cleaned: pa.Array = pa.nulls(len(values), vtype.arrow_type)
    reasons: pa.Array = pa.nulls(len(values), pa.string())
    blank = pc.fill_null(pc.equal(hints, ""), True)
    distinct = {h or "" for h in pc.unique(hints).to_pylist()}
    for hint in distinct:
        mask = pc.fill_null(pc.equal(hints, hint), False) if hint else blank
        chosen = hint or default_hint
        part = pc.if_else(mask, values, pa.scalar(None, pa.string()))
        part_clean, part_reasons = clean_values(vtype, part, chosen)
        cleaned = pc.if_else(mask, part_clean, cleaned)
        reasons = pc.if_else(mask, part_reasons, reasons)
    return cleaned, reasons


def clean_with_row_hints(
    vtype: ValueType, values: pa.Array, hints: pa.Array, default_hint: str | None
) -> tuple[pa.Array, pa.Array]:
    """Clean with a hint per row taken from a cleaned column (a phone's row ``country``).

    Each distinct (value, hint) pair is cleaned once; rows without a hint use ``default_hint``.
    """
    hints = pc.fill_null(hints.cast(pa.string()), default_hint or "")
    pairs = pc.binary_join_element_wise(values, hints, "\x1f", null_handling="emit_null")
    encoded = pc.dictionary_encode(pairs)
    cleaned: list[object] = []
    reasons: list[str | None] = []
    for pair in encoded.dictionary.to_pylist():
        raw, _, hint = pair.rpartition("\x1f")
        if not raw.strip():
            cleaned.append(None)
            reasons.append(None)
            continue
        try:
            cleaned.append(vtype.clean(raw, hint or None))
            reasons.append(None)
        except types.InvalidValue as exc:
            cleaned.append(None)
            reasons.append(f"{exc} ({raw[:60]!r})")
    indices = encoded.indices
    return (pc.take(pa.array(cleaned, vtype.arrow_type), indices),
            pc.take(pa.array(reasons, pa.string()), indices))


def salvage_values(
    vtype: ValueType, values: pa.Array, raw: pa.Array, refused: pa.Array
) -> pa.Array:
    """``values`` with what the type keeps of each refused raw value (``ValueType.salvage``)."""
    if not pc.any(refused).as_py():
        return values
    chosen = pc.if_else(refused, raw, pa.scalar(None, pa.string()))
    encoded = pc.dictionary_encode(chosen)
    kept = [None if v is None else vtype.salvage(v) for v in encoded.dictionary.to_pylist()]
    if not any(k is not None for k in kept):
        return values
    salvaged = pc.take(pa.array(kept, vtype.arrow_type), encoded.indices)
    return pc.if_else(refused, salvaged, values)


def clean_list(
    vtype: ValueType, values: pa.Array, separator: str, hint: str | None
) -> tuple[pa.Array, pa.Array]:
    """Clean a list field: split each distinct value, clean every item; one reason per row."""
    encoded = pc.dictionary_encode(values)
    cleaned: list[list[object] | None] = []
    reasons: list[str | None] = []
    for raw in encoded.dictionary.to_pylist():
        items, problems = [], []
        for item in (raw or "").split(separator):
            if not item.strip():
                continue
            try:
                items.append(vtype.clean(item, hint))
            except types.InvalidValue as exc:
                problems.append(f"{exc} ({item[:60]!r})")
        cleaned.append(items if items else None)
        reasons.append("; ".join(problems) if problems else None)
    indices = encoded.indices
    list_type = pa.list_(vtype.arrow_type)
    return (pc.take(pa.array(cleaned, list_type), indices),
            pc.take(pa.array(reasons, pa.string()), indices))


def apply_value_map(
    values: pa.Array, value_map: dict[str, str | None], default: str
) -> tuple[pa.Array, pa.Array]:
    """Replace values through a mapping's ``map`` (matched after trimming); reasons for rejects."""
    encoded = pc.dictionary_encode(values)
    lookup = {k.strip(): v for k, v in value_map.items()}
    mapped: list[str | None] = []
    reasons: list[str | None] = []
    for raw in encoded.dictionary.to_pylist():
        key = raw.strip() if raw is not None else None
        if key is None or key == "":
            mapped.append(None)
            reasons.append(None)
        elif key in lookup:
            mapped.append(lookup[key])
            reasons.append(None)
        else:
            mapped.append(raw if default == "keep" else None)
            reasons.append(f"value {key[:60]!r} is not in the mapping's map"
                           if default == "reject" else None)
    indices = encoded.indices
    return (pc.take(pa.array(mapped, pa.string()), indices),
            pc.take(pa.array(reasons, pa.string()), indices))
