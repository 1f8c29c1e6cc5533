"""Ingest problems in words: a bad date names its format by example and parts, never as
strftime codes."""

from __future__ import annotations

import pyarrow as pa

from ringfence.ingest.cleaning import clean_values, date_format_in_words
from ringfence.model.types.quantities import DateType


def test_a_bad_date_reason_gives_an_example_and_the_order_of_its_parts() -> None:
    values = pa.array(["31.02.2025", "01.02.2025", None, "2025-02-01"])
    cleaned, reasons = clean_values(DateType(), values, "%d.%m.%Y")
    assert cleaned.to_pylist()[1].isoformat() == "2025-02-01"
    assert reasons.to_pylist() == [
        "not a date like 31.12.2025 (day.month.year) ('31.02.2025')",
        None,
        None,
        "not a date like 31.12.2025 (day.month.year) ('2025-02-01')",
    ]
    _, iso = clean_values(DateType(), pa.array(["soon"]))
    assert iso.to_pylist() == ["not a date like 2025-12-31 (year-month-day) ('soon')"]
    assert "%" not in date_format_in_words("%d %b %Y") and "month name" in date_format_in_words(
        "%d %b %Y"
    )
