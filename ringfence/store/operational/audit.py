"""The hash-chained audit log: appending entries, verifying the chain, exporting anchors.

Each entry's hash is the HMAC-SHA256, under the audit key kept outside the database
(``audit_key``), of the canonical JSON of its fields followed by the previous entry's hash, so
altering, inserting or removing any entry breaks every hash after it, and recomputing them needs
the key. Removing the *last* entries leaves a valid shorter chain, so the ``audit_head`` row
(updated in the same transaction as each append) records the last sequence number and hash, and
verification compares. An *anchor* (latest sequence number and hash) handed to an outside witness
lets a later verification prove the chain still contains that entry unchanged, even against
someone holding the key.

Entries written before the chain was keyed carry no ``key_id`` and a plain SHA-256; they are
accepted only up to the entry the key file records as the last unkeyed one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ringfence.store.operational.audit_key import AuditKey
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
    key_id: str | None = None

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


@dataclass(frozen=True)
class Verified:
    """How far a check of the chain got: its last entry's ``seq`` and ``hash``, and the entries
    (and unkeyed ones) up to it. A later check may start after it (``verify_chain(since=)``)."""

    seq: int
    hash: str
    entries: int
    unkeyed: int


@dataclass
class AuditReport:
    """Result of ``verify_audit``: ``ok`` when the whole chain and its head agree."""

    entries: int
    problems: list[AuditProblem] = field(default_factory=list)
    unkeyed: int = 0
    """Entries from before the chain was keyed (plain SHA-256, protected by anchors only)."""
    verified: Verified | None = None
    """Where the check ended, when it found nothing wrong."""

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
    key: AuditKey | None = None,
) -> str:
    """The HMAC-SHA256 under ``key`` of an entry's canonical fields and the previous hash.

    Without a key: the plain SHA-256 of entries written before the chain was keyed.
    """
    fields = {
        "seq": seq,
        "at": _timestamp(at),
        "actor": actor,
        "organisation": organisation,
        "action": action,
        "detail": detail,
    }
    message = (canonical_json(fields) + prev_hash).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def append_entry(
    session: Session,
    action: str,
    actor: str,
    organisation: str | None,
    detail: dict[str, Any],
    key: AuditKey | None = None,
) -> AuditLog:
    """Append one entry inside the caller's transaction, moving the head in the same transaction.

    The head row is read ``FOR UPDATE`` so concurrent appenders on PostgreSQL queue behind each
    other instead of both chaining onto the same predecessor (SQLite's BEGIN IMMEDIATE already
    serialises writers, and ignores the clause).
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).scalar_one()
    if key is None:  # the store's own key, whichever part of the store appends
        key_for = session.info.get("audit_key_for")
        key = key_for(head.seq) if key_for is not None else None
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
        key=key,
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
        key_id=None if key is None else key.key_id,
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
        key_id=row.key_id,
    )


def verify_chain(
    session: Session, key: AuditKey | None = None, since: Verified | None = None
) -> AuditReport:
    """Recompute the whole chain (keyed entries with ``key``) and compare its end with the head.

    ``since``: a point an earlier check verified; only the entries after it are recomputed, and
    the part before it is checked for removals (its count) and its last entry's hash only: an
    altered entry before it shows at the next whole check (``ringfence audit verify``, or the
    audit page's every ``RINGFENCE_AUDIT_FULL_CHECK_SECONDS``)."""
    report = AuditReport(entries=0)
    expected_seq, previous_hash = 1, GENESIS_HASH
    query = select(AuditLog).order_by(AuditLog.seq)
    if since is not None:
        _check_prefix(session, since, report.problems)
        report.entries, report.unkeyed = since.entries, since.unkeyed
        expected_seq, previous_hash = since.seq + 1, since.hash
        query = query.where(AuditLog.seq > since.seq)
    for row in session.execute(query).scalars():
        report.entries += 1
        if row.key_id is None:
            report.unkeyed += 1
            if key is not None and row.seq > key.unkeyed_until:
                report.problems.append(
                    AuditProblem(row.seq, "unkeyed entry written after the chain was keyed")
                )
        _check_entry(row, expected_seq, previous_hash, report.problems, key)
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
    if report.ok:
        report.verified = Verified(last_seq, previous_hash, report.entries, report.unkeyed)
    return report


def _check_prefix(session: Session, since: Verified, problems: list[AuditProblem]) -> None:
    """The entries up to a verified point are still all there, and its last one unchanged."""
    count = select(func.count()).select_from(AuditLog).where(AuditLog.seq <= since.seq)
    held = session.scalar(count) or 0
    if held != since.entries:
        problems.append(AuditProblem(
            since.seq, f"missing: entries up to {since.seq} were removed or renumbered since "
            f"checked ({held} of {since.entries} left)"))  # fmt: skip
    last = session.get(AuditLog, since.seq) if since.seq else None
    if since.seq and (last is None or last.hash != since.hash):
        problems.append(AuditProblem(since.seq, "altered or removed since checked"))


def _check_entry(
    row: AuditLog,
    expected_seq: int,
    previous_hash: str,
    problems: list[AuditProblem],
    key: AuditKey | None,
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
    if row.key_id is not None and (key is None or row.key_id != key.key_id):
        held = "no audit key" if key is None else f"the audit key {key.key_id}"
        problems.append(
            AuditProblem(row.seq, f"made with audit key {row.key_id}, but this server has {held}")
        )
        return
    recomputed = entry_hash(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        organisation=row.organisation,
        action=row.action,
        detail=row.detail,
        prev_hash=row.prev_hash,
        key=None if row.key_id is None else key,
    )
    if not hmac.compare_digest(recomputed, row.hash):
        problems.append(AuditProblem(row.seq, "altered: its content does not match its hash"))


# -- anchors for an outside witness ------------------------------------------------------------


def anchor(session: Session) -> dict[str, Any]:
    """The chain's latest entry as a witness keeps it: sequence number, hash, time, key id."""
    head = session.get(AuditHead, HEAD_ID)
    seq, digest = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    row = session.get(AuditLog, seq) if seq else None
    return {
        "seq": seq,
        "hash": digest,
        "at": _timestamp(row.at) if row is not None else None,
        "key_id": row.key_id if row is not None else None,
        "exported_at": _timestamp(utcnow()),
    }


def check_anchor(session: Session, anchored: dict[str, Any], report: AuditReport) -> None:
    """Add a problem to ``report`` unless the chain still holds the anchored entry unchanged."""
    try:
        seq, digest = int(anchored["seq"]), str(anchored["hash"])
    except (KeyError, TypeError, ValueError):
        report.problems.append(AuditProblem(0, "the anchor has no valid 'seq' and 'hash'"))
        return
    if seq == 0:
        return  # anchored an empty chain: anything that grew from it contains it
    row = session.get(AuditLog, seq)
    if row is None:
        report.problems.append(AuditProblem(seq, "anchored entry is missing from the chain"))
    elif not hmac.compare_digest(row.hash, digest):
        report.problems.append(
            AuditProblem(seq, "anchored entry has another hash now (the chain was rewritten)")
        )
