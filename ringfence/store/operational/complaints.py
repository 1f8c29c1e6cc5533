"""The operational store's brand complaints: filed, decided, counter-noticed, reinstated.

Every write appends its audit entry in the same transaction: ``complaint.file``,
``complaint.decide`` (a marketplace's decision), ``complaint.self_service`` (a brand's own
removal), ``complaint.counter_notice``, ``complaint.reinstate``, ``complaint.withdraw``. A
complaint exists only for its two parties: the brand that filed it and the marketplace it was
sent to; for anyone else (and for the party that may not do the step) it is "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.errors import ConflictError, NotFoundError, UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.complaint_tables import DECIDED, BrandComplaint
from ringfence.store.operational.tables import utcnow


@dataclass(frozen=True)
class ComplaintDraft:
    """A notice before it is stored, with its validity score."""

    organisation: str
    marketplace: str
    listing: str
    seller: str | None
    brand: str
    reason: str
    score: float
    valid: bool
    reasons: str
    evidence_ref: str | None = None
    evidence_name: str | None = None
    evidence_sha256: str | None = None


def _audit(session: Session, event: str, actor: str, row: BrandComplaint, **extra: object) -> None:
    detail = {"complaint": row.id, "organisation": row.organisation,
              "marketplace": row.marketplace, "listing": row.listing, "seller": row.seller,
              "brand": row.brand, "status": row.status, **extra}  # fmt: skip
    for party in sorted({row.organisation, row.marketplace}):
        audit_chain.append_entry(session, event, actor, party, detail)


class ComplaintStore(StoreBase):
    """Brand complaints (a mixin of ``OperationalStore``)."""

    def file_complaint(self, draft: ComplaintDraft, *, actor: str) -> BrandComplaint:
        """Store a notice (``pending``; audited ``complaint.file`` for both parties);
        ``ConflictError`` while the same brand's notice against the listing is pending."""
        if not draft.reason.strip():
            raise UserError("a notice needs a reason")
        with self._transaction("filing a complaint") as session:
            require_organisation(session, draft.organisation)
            if require_organisation(session, draft.marketplace).kind != "marketplace":
                raise NotFoundError(f"no marketplace {draft.marketplace[:64]!r}")
            twin = session.scalars(
                select(BrandComplaint.id).where(
                    BrandComplaint.organisation == draft.organisation,
                    BrandComplaint.marketplace == draft.marketplace,
                    BrandComplaint.listing == draft.listing,
                    BrandComplaint.status == "pending",
                )
            ).first()
            if twin is not None:
                raise ConflictError(f"your notice {twin} against this listing is still pending")
            row = BrandComplaint(**asdict(draft), filed_by=actor, status="pending",
                                 self_service=False)  # fmt: skip
            session.add(row)
            session.flush()
            _audit(session, "complaint.file", actor, row, score=row.score, valid=row.valid)
            return row

    def brand_complaint(self, complaint_id: int, party: str | None = None) -> BrandComplaint:
        """One notice; with ``party``, only if it is that organisation's (filed or received)."""
        with self._transaction("reading a complaint") as session:
            row = session.get(BrandComplaint, complaint_id)
            if row is None or (party is not None and party not in (row.organisation,
                                                                   row.marketplace)):  # fmt: skip
                raise NotFoundError(f"no complaint {complaint_id}")
            return row

    def brand_complaints(
        self,
        *,
        parties: Sequence[str] | None = None,
        organisation: str | None = None,
        marketplace: str | None = None,
        seller: str | None = None,
        since: datetime | None = None,
        limit: int = 10_000,
    ) -> list[BrandComplaint]:
        """Notices, newest first: filed or received by one of ``parties``, filed by
        ``organisation``, sent to ``marketplace``, against ``seller``, decided since ``since``."""
        query = select(BrandComplaint).order_by(BrandComplaint.id.desc())
        if parties is not None:
            query = query.where(BrandComplaint.organisation.in_(list(parties))
                                | BrandComplaint.marketplace.in_(list(parties)))  # fmt: skip
        if organisation is not None:
            query = query.where(BrandComplaint.organisation == organisation)
        if marketplace is not None:
            query = query.where(BrandComplaint.marketplace == marketplace)
        if seller is not None:
            query = query.where(BrandComplaint.seller == seller)
        if since is not None:
            query = query.where(BrandComplaint.decided_at >= since)
        with self._transaction("reading complaints") as session:
            return list(session.scalars(query.limit(limit)))

    def decide_complaint(
        self, complaint_id: int, marketplace: str, decision: str, *, reason: str, actor: str,
        action_id: int | None = None, self_service: bool = False,
    ) -> BrandComplaint:  # fmt: skip
        """Record the decision on a pending notice sent to ``marketplace`` (audited
        ``complaint.decide``, or ``complaint.self_service`` for a brand's own removal)."""
        if decision not in DECIDED:
            raise UserError(f"unknown decision {decision!r}; use upheld or rejected")
        with self._transaction("deciding a complaint") as session:
            row = self._received(session, complaint_id, marketplace)
            if row.status != "pending":
                raise ConflictError(f"complaint {complaint_id} is already {row.status}")
            row.status, row.decided_at, row.decided_by = decision, utcnow(), actor
            row.decision_reason, row.self_service = reason, self_service
            row.action_id = action_id if action_id is not None else row.action_id
            event = "complaint.self_service" if self_service else "complaint.decide"
            _audit(session, event, actor, row, reason=reason, action=row.action_id)
            return row

    def counter_complaint(
        self, complaint_id: int, marketplace: str, statement: str, *, actor: str
    ) -> BrandComplaint:
        """Record the seller's counter-notice to an upheld notice (audited)."""
        if not statement.strip():
            raise UserError("a counter-notice needs the seller's statement")
        with self._transaction("recording a counter-notice") as session:
            row = self._received(session, complaint_id, marketplace)
            if row.status != "upheld":
                raise ConflictError(f"complaint {complaint_id} is {row.status}: only an upheld "
                                    "notice can be counter-noticed")  # fmt: skip
            if row.counter_at is not None:
                raise ConflictError(f"complaint {complaint_id} already has a counter-notice")
            row.counter_notice, row.counter_at, row.counter_by = statement, utcnow(), actor
            _audit(session, "complaint.counter_notice", actor, row)
            return row

    def reinstate_complaint(
        self, complaint_id: int, marketplace: str, *, reason: str, actor: str
    ) -> BrandComplaint:
        """Accept a counter-notice: the notice becomes ``rejected`` (its label), reinstated."""
        with self._transaction("reinstating after a counter-notice") as session:
            row = self._received(session, complaint_id, marketplace)
            if row.status != "upheld" or row.counter_at is None:
                raise ConflictError(f"complaint {complaint_id} has no counter-notice to accept")
            row.status, row.reinstated_at = "rejected", utcnow()
            row.decided_at, row.decided_by, row.decision_reason = utcnow(), actor, reason
            _audit(session, "complaint.reinstate", actor, row, reason=reason)
            return row

    def withdraw_complaint(
        self, complaint_id: int, organisation: str, *, reason: str, actor: str
    ) -> BrandComplaint:
        """The filing brand withdraws a pending notice (audited)."""
        with self._transaction("withdrawing a complaint") as session:
            row = session.get(BrandComplaint, complaint_id)
            if row is None or row.organisation != organisation:
                raise NotFoundError(f"no complaint {complaint_id}")
            if row.status != "pending":
                raise ConflictError(f"complaint {complaint_id} is already {row.status}")
            row.status, row.decided_at, row.decided_by = "withdrawn", utcnow(), actor
            row.decision_reason = reason
            _audit(session, "complaint.withdraw", actor, row, reason=reason)
            return row

    @staticmethod
    def _received(session: Session, complaint_id: int, marketplace: str) -> BrandComplaint:
        row = session.get(BrandComplaint, complaint_id)
        if row is None or row.marketplace != marketplace:
            raise NotFoundError(f"no complaint {complaint_id}")
        return row
