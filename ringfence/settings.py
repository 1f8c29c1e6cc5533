"""One typed settings object, read from the environment (prefix ``RINGFENCE_``).

Settings are passed explicitly to whatever needs them; nothing reads the environment elsewhere,
so tests and the service can run with different settings side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.errors import SettingsError

# A JVM memory size as Spark takes it: a number with an optional unit (k, m, g, t), e.g. 4g.
_MEMORY = r"^[0-9]{1,7}[kKmMgGtT]?[bB]?$"


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
        default="local[*]",
        description="Spark master URL when engine is spark: local[N] / local[*] (this machine's "
        "cores) or a cluster, e.g. spark://host:7077.",
    )
    spark_driver_memory: str | None = Field(
        default=None,
        pattern=_MEMORY,
        description="Heap of Spark's driver JVM (e.g. 4g); default: half this machine's memory "
        "in local mode (the driver does all the work there, up to 32g), 2g with a cluster.",
    )
    spark_executor_memory: str | None = Field(
        default=None,
        pattern=_MEMORY,
        description="Heap of each executor on a cluster (e.g. 8g); default on a standalone "
        "master: the free memory of its smallest alive worker, shared among the executors its "
        "cores allow (read from spark_master_ui), else Spark's (1g).",
    )
    spark_master_ui: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https?://[^\s]+$",
        description="A standalone master's status page, read to size the executors; default: "
        "port 8080 on the spark:// master's host.",
    )
    spark_executor_cores: int | None = Field(
        default=None, ge=1, description="Cores per executor on a cluster; default: Spark's."
    )
    spark_cores_max: int | None = Field(
        default=None,
        ge=1,
        description="Most cores the application takes from a standalone cluster; default: all.",
    )
    spark_shuffle_partitions: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="Partitions of Spark's shuffles (joins, aggregations); default: 2 per core "
        "in local mode (at least 4), 3 per core given by spark_cores_max, else 64.",
    )
    spark_scratch_dir: Path | None = Field(
        default=None,
        description="Spark's scratch and checkpoint folder (on a cluster: a path every node "
        "sees, e.g. shared storage); default: tmp/spark in data_dir.",
    )
    spark_conf: str | None = Field(
        default=None,
        max_length=100_000,
        description="Any further Spark configuration: key=value pairs separated by ';' or new "
        "lines, or the path of a file of such lines (spark-defaults.conf style).",
    )
    max_request_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="Largest request body other than an upload (413 above it).",
    )
    max_upload_bytes: int = Field(
        default=512 << 20,
        ge=1024,
        description="Largest upload request body, checked before it is read (413 above it).",
    )
    max_decompressed_bytes: int = Field(
        default=8 << 30,
        ge=1024,
        description="Most bytes an ingested file may hold once decompressed (gzip bombs).",
    )
    max_line_bytes: int = Field(
        default=1 << 20, ge=64, description="Longest line (physical row) an ingested file may have."
    )
    max_rows: int = Field(
        default=50_000_000, ge=1, description="Most rows one ingested file may have."
    )
    train_max_rows: int = Field(
        default=1_000_000,
        ge=1000,
        description=(
            "Most labelled shipments training learns from: past it, a weighted sample: every "
            "shipment with a positive outcome up to half of it (past that, each label's "
            "positives are drawn too) and the others drawn (score/sample.py)."
        ),
    )
    score_slice_rows: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Most shipments 'ringfence score' joins to their histories in one statement: past "
            "it, each history is stored once and the shipments are scored in date slices of at "
            "most this many (score/staged.py). Default: 2,500,000 on DuckDB (10M shipments then "
            "score within its 2 GB), no limit on Spark (its joins spill)."
        ),
    )
    max_job_seconds: float = Field(
        default=3600.0, gt=0, description="Longest a background ingest job may run before it fails."
    )

    audit_key_file: Path | None = Field(
        default=None,
        description="File with the audit chain's HMAC key, kept outside the database (created "
        "with mode 0600 on first use); default: audit.key in data_dir.",
    )
    ingest_lock_wait_seconds: float = Field(
        default=600.0,
        gt=0,
        description="How long an ingest waits for another ingest of the same dataset to finish.",
    )
    login_failure_window_seconds: float = Field(
        default=900.0, gt=0, description="Window in which failed logins count for throttling."
    )
    login_max_failures_per_account: int = Field(
        default=5,
        ge=1,
        description="Failed logins of one account from one address in the window before 429.",
    )
    login_max_failures_per_address: int = Field(
        default=30, ge=1, description="Failed logins from one address in the window before 429."
    )
    audit_full_check_seconds: float = Field(
        default=300.0,
        ge=0,
        description="The audit page re-verifies the whole hash chain at most this often; in "
        "between, the entries since its last check (0: the whole chain every view).",
    )
    anonymous_refusals_audited_per_minute: int = Field(
        default=30,
        ge=1,
        description="Refused writes without credentials audited per client address and minute "
        "(beyond: counted, logged, one summary entry).",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Reverse proxies whose X-Forwarded-For/-Proto headers are believed "
        "(comma-separated addresses or networks, '*' any, '' none).",
    )
    password_min_length: int = Field(
        default=12, ge=8, description="Shortest password accepted for a user."
    )
    code_max_scans: int = Field(
        default=5, ge=1, description="Scans of one unit code beyond which it is flagged a clone."
    )
    listing_action_days: int = Field(
        default=30, ge=1, le=366, description="Days a listing action lasts when no expiry is given."
    )
    complaint_privilege_window_days: int = Field(
        default=180,
        ge=1,
        le=3660,
        description="Days of a brand's decided notices its accuracy counts.",
    )
    complaint_privilege_min_decided: int = Field(
        default=10, ge=1, description="Decided notices a brand needs before self-service removal."
    )
    complaint_privilege_min_accuracy: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="Share of a brand's decided notices upheld for self-service.",
    )
    repeat_infringer_strikes: int = Field(
        default=3,
        ge=1,
        description="Upheld notices against a seller in the window that suspend it.",
    )
    repeat_infringer_window_days: int = Field(
        default=180, ge=1, le=3660, description="Days over which a seller's upheld notices count."
    )

    @field_validator("spark_conf")
    @classmethod
    def _spark_pairs(cls, value: str | None) -> str | None:
        """Inline Spark pairs are checked now, so any command reports a bad one (not a file)."""
        if value and "=" in value:
            from ringfence.store.engine.spark_config import parse_pairs

            parse_pairs(value, "entry")
        return value

    def __init__(self, **values: Any) -> None:
        """Read the settings; a value that does not fit is a ``SettingsError`` naming it."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(describe_invalid(exc)) from None

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


def describe_invalid(exc: ValidationError) -> str:
    """One line per bad setting: its environment variable, what is wrong, the value given."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        given = repr(error.get("input"))
        given = given if len(given) <= 60 else given[:57] + "..."
        message = error["msg"]
        if error["type"] == "value_error" and "error" in error.get("ctx", {}):
            message = str(error["ctx"]["error"])
        if error["type"] == "string_pattern_mismatch" and field.endswith("_memory"):
            message = "should be a memory size such as 512m or 4g"
        lines.append(f"RINGFENCE_{field.upper()}: {message} (given {given})")
    return "; ".join(lines)
