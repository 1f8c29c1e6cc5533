"""The hash-chained audit log: appending entries and verifying the chain.

Each entry's hash is the SHA-256 of the canonical JSON of its fields followed by the previous
entry's hash, so altering, inserting or removing any entry breaks every hash after it. Removing
the *last* entries leaves a valid shorter chain, so the ``audit_head`` row (updated in the same
transaction as each append) records the last sequence number and hash, and verification compares.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.store.operational.tables import AuditHead, AuditLog, utcnow

GENESIS_HASH = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class AuditEntry:
    """One audit log entry as read back from the store."""

    seq: int
    at: datetime
    actor: str
    organisation: str | None
    action: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready values."""
        return {**self.__dict__, "at": _timestamp(self.at)}


@dataclass(frozen=True)
class AuditProblem:
    """A break in the chain, naming the entry where it was found."""

    seq: int
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}"


@dataclass
class AuditReport:
    """Result of ``verify_audit``: ``ok`` when the whole chain and its head agree."""

    entries: int
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems


def _timestamp(at: datetime) -> str:
    # SQLite hands datetimes back naive; every stored time is UTC, so re-attach it before hashing.
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, non-JSON values as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    organisation: str | None,
    action: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    """The SHA-256 of an entry's canonical fields followed by the previous entry's hash."""
    fields = {
        "seq": seq,
        "at": _timestamp(at),
        "actor": actor,
        "organisation": organisation,
        "action": action,
        "detail": detail,
    }
    return hashlib.sha256((canonical_json(fields) + prev_hash).encode("utf-8")).hexdigest()


def append_entry(
    session: Session, action: str, actor: str, organisation: str | None, detail: dict[str, Any]
) -> AuditLog:
    """Append one entry inside the caller's transaction, moving the head in the same transaction.

    The head row is read ``FOR UPDATE`` so concurrent appenders on PostgreSQL queue behind each
    other instead of both chaining onto the same predecessor (SQLite's BEGIN IMMEDIATE already
    serialises writers, and ignores the clause).
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).scalar_one()
    # Round-trip the detail through JSON so what is hashed is exactly what the database returns.
    stored_detail = json.loads(canonical_json(detail))
    at = utcnow()
    seq = head.seq + 1
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=actor,
        organisation=organisation,
        action=action,
        detail=stored_detail,
        prev_hash=head.hash,
    )
    entry = AuditLog(
        seq=seq,
        at=at,
        actor=actor,
        organisation=organisation,
        action=action,
        detail=stored_detail,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    head.seq, head.hash = seq, digest
    return entry


def to_entry(row: AuditLog) -> AuditEntry:
    """A detached, immutable copy of an audit row."""
    return AuditEntry(
        seq=row.seq,
        at=row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
        actor=row.actor,
        organisation=row.organisation,
        action=row.action,
        detail=dict(row.detail),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def verify_chain(session: Session) -> AuditReport:
    """Recompute the whole chain and compare its end with the head record."""
    report = AuditReport(entries=0)
    expected_seq, previous_hash = 1, GENESIS_HASH
    for row in session.execute(select(AuditLog).order_by(AuditLog.seq)).scalars():
        report.entries += 1
        _check_entry(row, expected_seq, previous_hash, report.problems)
        expected_seq, previous_hash = row.seq + 1, row.hash
    head = session.get(AuditHead, HEAD_ID)
    last_seq = expected_seq - 1
    if head is None:
        report.problems.append(AuditProblem(last_seq, "the audit head record is missing"))
    elif head.seq > last_seq:
        report.problems.append(
            AuditProblem(
                last_seq + 1,
                f"missing: entries {last_seq + 1}..{head.seq} were removed from the end "
                "(the head record names a later entry)",
            )
        )
    elif head.seq < last_seq or head.hash != previous_hash:
        report.problems.append(
            AuditProblem(last_seq, "the last entry does not match the head record")
        )
    return report


def _check_entry(
    row: AuditLog, expected_seq: int, previous_hash: str, problems: list[AuditProblem]
) -> None:
    if row.seq > expected_seq:
        span = (
            f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}..{row.seq - 1}"
        )
        problems.append(AuditProblem(expected_seq, f"missing: entry {span} was removed"))
    if row.prev_hash != previous_hash:
        problems.append(
            AuditProblem(
                row.seq,
                "previous-hash link broken (an entry before it was removed, inserted or altered)",
            )
        )
    recomputed = entry_hash(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        organisation=row.organisation,
        action=row.action,
        detail=row.detail,
        prev_hash=row.prev_hash,
    )
    if recomputed != row.hash:
        problems.append(AuditProblem(row.seq, "altered: its content does not match its hash"))
