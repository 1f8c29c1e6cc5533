"""What every canonical record carries: a deterministic id and its provenance.

Fields are declared with ``Annotated[..., V("type")]`` so that one declaration gives the pydantic
model (API, JSON), the Arrow schema (analytical store) and the cleaning rule (ingestion).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict


@dataclass(frozen=True)
class V:
    """Field metadata: the value type that cleans it, whether a row needs it, and its meaning."""

    type: str
    required: bool = False
    doc: str = ""


def make_id(organisation: str, feed: str, source_key: str) -> str:
    """Deterministic record id: a content hash of where the record comes from and its key there.

    The same row ingested twice, from the same or another file, gets the same id; that is what
    makes re-ingestion idempotent.
    """
    digest = hashlib.sha1(f"{organisation}\x1f{feed}\x1f{source_key}".encode()).hexdigest()
    return f"{feed[:2]}-{digest[:30]}"


class Record(BaseModel):
    """Base of every canonical record: identity and provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feed: ClassVar[str] = ""
    """The feed kind this record arrives in (``ringfence ingest FEED``)."""

    id: Annotated[str, V("key", True, "Hash of organisation, feed and source key")]
    organisation: Annotated[str, V("key", True, "Organisation (partner) that supplied the record")]
    source_key: Annotated[str, V("key", True, "The record's id in its source file")]
    source_file: Annotated[str, V("text", True, "File the record was read from")]
    source_row: Annotated[int, V("count", True, "Row number in that file (1 = first data row)")]
    ingested_at: Annotated[dt.datetime, V("timestamp", True, "When the record was ingested (UTC)")]


PROVENANCE_FIELDS = ("id", "organisation", "source_key", "source_file", "source_row", "ingested_at")
