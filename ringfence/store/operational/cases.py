"""The operational store's case methods: open, add, note, status, evidence and custody.

Every write appends its audit entry in the same transaction, so a case change and its record on
the chain stand or fall together. An evidence item's chain of custody *is* its audit entries:
``evidence.add`` (the first custodian) and one ``evidence.custody`` per transfer (from, to, why).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.errors import NotFoundError, UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational.audit import AuditEntry
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.case_tables import (
    CASE_STATUSES,
    EVIDENCE_KINDS,
    ITEM_KINDS,
    Case,
    CaseEvidence,
    CaseItem,
    CaseNote,
)
from ringfence.store.operational.tables import AuditLog, utcnow

CUSTODY_ACTIONS = ("evidence.add", "evidence.custody")
LIMITS = {"title": 300, "ref": 200, "text": 10_000, "who": 320, "why": 1_000, "file": 255}


def text(value: str | None, what: str, limit_key: str, required: bool = True) -> str | None:
    """``value`` trimmed; ``UserError`` when required and blank, or longer than its limit."""
    cleaned = " ".join(str(value or "").split()) if limit_key != "text" else str(value or "")
    cleaned = cleaned.strip()
    if required and not cleaned:
        raise UserError(f"{what} must not be empty")
    if len(cleaned) > LIMITS[limit_key]:
        raise UserError(f"{what} is at most {LIMITS[limit_key]} characters")
    return cleaned or None


def one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` lower-cased if it is one of ``allowed``; ``UserError`` naming them otherwise."""
    if value.lower() not in allowed:
        raise UserError(f"{what} must be one of {', '.join(allowed)}, not {value!r}")
    return value.lower()


class CaseStore(StoreBase):
    """Cases, their items, notes and evidence (a mixin of ``OperationalStore``)."""

    def _append(
        self, session: Session, action: str, actor: str, case: Case, detail: dict[str, Any]
    ) -> None:
        case.updated_at = utcnow()
        audit_chain.append_entry(
            session, action, actor, case.organisation, {"case": case.id, **detail}
        )  # keyed by the session

    def _case(self, session: Session, case_id: str) -> Case:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError(f"no case {case_id!r}")
        return case

    def open_case(self, organisation: str, title: str, *, actor: str) -> Case:
        """A new open case of ``organisation`` (audited as ``case.open``)."""
        cleaned = text(title, "a case's title", "title")
        with self._transaction("opening a case") as session:
            require_organisation(session, organisation)
            case = Case(
                id=f"ca-{secrets.token_hex(6)}",
                organisation=organisation,
                title=cleaned,
                status="open",
                opened_by=actor,
            )
            session.add(case)
            session.flush()
            self._append(session, "case.open", actor, case, {"title": cleaned})
            return case

    def case(self, case_id: str) -> Case:
        """The case ``case_id``; ``NotFoundError`` if there is none."""
        with self._transaction("reading a case") as session:
            return self._case(session, case_id)

    def cases(self, organisation: str | None = None, status: str | None = None) -> list[Case]:
        """Cases, most recently changed first; ``organisation``/``status`` narrow them."""
        query = select(Case).order_by(Case.updated_at.desc(), Case.id)
        if organisation is not None:
            query = query.where(Case.organisation == organisation)
        if status is not None:
            query = query.where(Case.status == one_of(status, CASE_STATUSES, "status"))
        with self._transaction("listing cases") as session:
            return list(session.scalars(query))

    def add_case_item(
        self, case_id: str, kind: str, ref: str, *, actor: str, note: str | None = None
    ) -> tuple[CaseItem, bool]:
        """Add an entity, shipment, listing or seller (audited as ``case.add``); returns the
        item and whether it is new (adding it again changes nothing)."""
        kind = one_of(kind, ITEM_KINDS, "what a case holds")
        ref_text = text(ref, f"the {kind} id", "ref")
        note_text = text(note, "a note", "text", required=False)
        with self._transaction("adding to a case") as session:
            case = self._case(session, case_id)
            found = session.scalars(
                select(CaseItem).where(
                    CaseItem.case_id == case_id, CaseItem.kind == kind, CaseItem.ref == ref_text
                )
            ).first()
            if found is not None:
                return found, False
            item = CaseItem(
                case_id=case_id, kind=kind, ref=ref_text, note=note_text, added_by=actor
            )
            session.add(item)
            self._append(session, "case.add", actor, case, {"kind": kind, "ref": ref_text})
        return item, True

    def add_case_note(self, case_id: str, note: str, *, actor: str) -> CaseNote:
        """Add a note (audited as ``case.note``)."""
        body = text(note, "a note", "text")
        with self._transaction("adding a case note") as session:
            case = self._case(session, case_id)
            row = CaseNote(case_id=case_id, text=body, author=actor)
            session.add(row)
            session.flush()
            self._append(session, "case.note", actor, case, {"note": row.id})
            return row

    def set_case_status(
        self, case_id: str, status: str, *, actor: str, reason: str | None = None
    ) -> Case:
        """Move a case to open, referred or closed (audited as ``case.status``)."""
        status = one_of(status, CASE_STATUSES, "a case's status")
        why = text(reason, "the reason", "why", required=False)
        with self._transaction("changing a case's status") as session:
            case = self._case(session, case_id)
            before, case.status = case.status, status
            self._append(
                session, "case.status", actor, case, {"from": before, "to": status, "reason": why}
            )
            return case

    def add_evidence(
        self,
        case_id: str,
        *,
        sha256: str,
        size: int,
        file_name: str,
        kind: str,
        actor: str,
        custodian: str,
        description: str | None = None,
    ) -> CaseEvidence:
        """Record a stored evidence file and its first custodian (audited as ``evidence.add``:
        the first link of its chain of custody)."""
        kind = one_of(kind, EVIDENCE_KINDS, "the evidence kind")
        holder = text(custodian, "the custodian", "who")
        with self._transaction("adding evidence") as session:
            case = self._case(session, case_id)
            row = CaseEvidence(
                case_id=case_id,
                sha256=sha256,
                size=size,
                kind=kind,
                file_name=text(file_name, "the file name", "file"),
                description=text(description, "a description", "text", False),
                added_by=actor,
                custodian=holder,
            )
            session.add(row)
            session.flush()
            self._append(
                session,
                "evidence.add",
                actor,
                case,
                {
                    "evidence": row.id,
                    "sha256": sha256,
                    "file": row.file_name,
                    "from": None,
                    "to": holder,
                    "why": "collected",
                },
            )
            return row

    def transfer_custody(
        self, case_id: str, evidence_id: int, to: str, why: str, *, actor: str
    ) -> CaseEvidence:
        """Hand an evidence item to a new custodian (audited as ``evidence.custody``)."""
        holder, reason = text(to, "the new custodian", "who"), text(why, "the reason", "why")
        with self._transaction("transferring custody") as session:
            case = self._case(session, case_id)
            row = session.get(CaseEvidence, evidence_id)
            if row is None or row.case_id != case_id:
                raise NotFoundError(f"case {case_id} has no evidence item {evidence_id}")
            before, row.custodian = row.custodian, str(holder)
            self._append(
                session,
                "evidence.custody",
                actor,
                case,
                {
                    "evidence": row.id,
                    "sha256": row.sha256,
                    "from": before,
                    "to": holder,
                    "why": reason,
                },
            )
            return row

    def case_contents(
        self, case_id: str
    ) -> tuple[Case, list[CaseItem], list[CaseNote], list[CaseEvidence]]:
        """A case with its items, notes and evidence, oldest first."""
        with self._transaction("reading a case") as session:
            case = self._case(session, case_id)
            of = {"case_id": case_id}
            items = list(session.scalars(select(CaseItem).filter_by(**of).order_by(CaseItem.id)))
            notes = list(session.scalars(select(CaseNote).filter_by(**of).order_by(CaseNote.id)))
            evidence = list(
                session.scalars(select(CaseEvidence).filter_by(**of).order_by(CaseEvidence.id))
            )
            return case, items, notes, evidence

    def case_history(self, case_id: str) -> list[AuditEntry]:
        """Every audit entry of the case, oldest first (custody transfers included)."""
        query = (
            select(AuditLog)
            .where(AuditLog.action.like("case.%") | AuditLog.action.in_(CUSTODY_ACTIONS))
            .order_by(AuditLog.seq)
        )
        with self._transaction("reading a case's history") as session:
            entries = [audit_chain.to_entry(row) for row in session.scalars(query)]
        return [e for e in entries if e.detail.get("case") == case_id]
