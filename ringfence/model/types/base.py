"""The one interface every value type implements.

Like followthemoney's property types: a type knows how to clean a raw string into its canonical
form and says, in plain words, why a value is not acceptable. Column cleaning works on the
distinct values of a column only, which makes cleaning large batches cheap: a million shipments
carry a few hundred countries and a few thousand HS codes.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc


class InvalidValue(ValueError):
    """A raw value cannot be read as this type; the message is the reason shown to users."""


class ValueType:
    """Base class: subclasses set ``name`` and ``arrow_type`` and implement ``clean``."""

    name: ClassVar[str] = "text"
    arrow_type: ClassVar[pa.DataType] = pa.string()

    def clean(self, raw: str, hint: str | None = None) -> Any:
        """Return the canonical value of ``raw`` or raise InvalidValue with the reason.

        ``hint`` is type-specific context from the mapping, e.g. a date format or the default
        country of a phone number.
        """
        text = raw.strip()
        if not text:
            raise InvalidValue("empty")
        return text

    def salvage(self, raw: str, hint: str | None = None) -> Any | None:
        """What to keep of a value ``clean`` refused, when its field is optional (None: nothing).

        Ingestion accepts a record whose optional value does not clean, without that value, and
        stores the problem; a type may keep a weaker form instead (phones keep their digits as an
        unverified value, see ``PhoneType.salvage``).
        """
        return None

    def clean_column(
        self, values: pa.Array | pa.ChunkedArray, hint: str | None = None
    ) -> tuple[pa.Array, pa.Array]:
        """Clean a string column; return (cleaned values, reason per row or null).

        Nulls and blank strings stay null without a reason: whether a field is required is the
        record's business, not the type's.
        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if values.type != pa.string():
            values = values.cast(pa.string())
        encoded = values.dictionary_encode()
        assert isinstance(encoded, pa.DictionaryArray)
        uniques = encoded.dictionary.to_pylist()
        cleaned: list[Any] = []
        reasons: list[str | None] = []
        for raw in uniques:
            if raw is None or not raw.strip():
                cleaned.append(None)
                reasons.append(None)
                continue
            try:
                cleaned.append(self.clean(raw, hint))
                reasons.append(None)
            except InvalidValue as exc:
                cleaned.append(None)
                reasons.append(f"{exc} ({raw[:60]!r})")
        indices = encoded.indices
        clean_dict = pa.array(cleaned, type=self.arrow_type)
        reason_dict = pa.array(reasons, type=pa.string())
        return pc.take(clean_dict, indices), pc.take(reason_dict, indices)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
