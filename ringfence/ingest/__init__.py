"""Ingestion: partner files (CSV, Parquet, JSON lines) through a mapping into canonical records.

``ingest_files`` is the one service function the CLI and the API call.
"""

from ringfence.ingest.pipeline import ingest_files
from ringfence.ingest.summary import FileSummary, IngestSummary

__all__ = ["FileSummary", "IngestSummary", "ingest_files"]
