"""What an ingest run reports: per file and in total, in the shape ``--json`` prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileSummary:
    """The outcome of ingesting one file.

    ``rows_read == accepted + quarantined + duplicates`` always holds: accepted rows became new
    records, quarantined rows had a problem, duplicates were already in the dataset (or earlier in
    the same file). ``field_problems`` counts values of optional fields that did not clean in
    accepted rows (stored in the ``field_problems`` dataset; those rows are accepted without them).
    """

    file: str
    feed: str
    organisation: str
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    field_problems: int = 0
    file_sha256: str = ""
    mapping: str | None = None
    new_records: dict[str, int] = field(default_factory=dict)
    """New records written per dataset, including party mentions and outcomes a row gave."""
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestSummary:
    """The outcome of one ``ingest`` call over one or more files."""

    files: list[FileSummary] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def field_problems(self) -> int:
        return sum(f.field_problems for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document: files, then the totals."""
        return {
            "files": [f.to_dict() for f in self.files],
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "field_problems": self.field_problems,
        }
