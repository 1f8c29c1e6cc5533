"""The operational store: SQLAlchemy 2 models, Alembic migrations, organisations, runs and
the audit log."""

from ringfence.store.operational.audit import AuditEntry, AuditProblem, AuditReport
from ringfence.store.operational.store import OperationalStore
from ringfence.store.operational.tables import IngestRun, Organisation, User

__all__ = [
    "AuditEntry",
    "AuditProblem",
    "AuditReport",
    "IngestRun",
    "OperationalStore",
    "Organisation",
    "User",
]
