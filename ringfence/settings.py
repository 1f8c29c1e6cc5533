"""One typed settings object, read from the environment (prefix ``RINGFENCE_``).

Settings are passed explicitly to whatever needs them; nothing reads the environment elsewhere,
so tests and the service can run with different settings side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Ringfence can be configured with. Each field is documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="RINGFENCE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("./ringfence-data"),
        description="Folder holding the analytical store (Parquet), the SQLite file and artefacts.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the operational store; default: SQLite file in data_dir.",
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb", description="Analytical engine that runs the pipelines."
    )
    batch_rows: int = Field(
        default=100_000, ge=1_000, description="Rows per batch when streaming input files."
    )
    duckdb_memory_limit: str = Field(
        default="2GB", description="Memory DuckDB may use before spilling to disk."
    )
    base_currency: str = Field(
        default="EUR",
        description="Currency that declared values and brand prices are converted to for "
        "scoring, with the ingested exchange_rates quoted against it.",
    )
    spark_master: str = Field(
        default="local[2]", description="Spark master URL when engine is spark."
    )

    @property
    def lake_dir(self) -> Path:
        """Folder of the analytical store's Parquet datasets."""
        return self.data_dir / "lake"

    @property
    def resolved_database_url(self) -> str:
        """The operational store URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ringfence.sqlite').resolve()}"
