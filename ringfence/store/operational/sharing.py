"""Sharing agreements: which organisation lets which other read which fields of which dataset.

Creating and revoking an agreement append to the audit log in the same transaction, so the policy
in force can always be reconstructed from the log. The policy engine that applies agreements to
data lives in ``ringfence.service.sharing``; this module only stores them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select

from ringfence.errors import NotFoundError, UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational import database
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.tables import SharingAgreement, utcnow


class LiveGrant(NamedTuple):
    """What the policy engine needs of one live agreement."""

    owner: str
    dataset: str
    fields: list[str]
    row_filter: dict[str, Any]


class SharingStore(StoreBase):
    """Sharing agreements between organisations."""

    def create_sharing_agreement(
        self,
        *,
        owner: str,
        recipient: str,
        dataset: str,
        fields: list[str],
        row_filter: dict[str, Any] | None = None,
        purpose: str = "",
        actor: str,
    ) -> int:
        """Store an agreement (audited as ``sharing.grant``) and return its id."""
        if owner == recipient:
            raise UserError("an organisation always reads its own data; no agreement needed")
        if not fields:
            raise UserError("a sharing agreement must name at least one field (or '*')")
        with self._transaction("creating a sharing agreement") as session:
            require_organisation(session, owner)
            require_organisation(session, recipient)
            agreement = SharingAgreement(
                owner=owner,
                recipient=recipient,
                dataset=dataset,
                fields=list(fields),
                row_filter=dict(row_filter or {}),
                purpose=purpose,
                created_by=actor,
            )
            session.add(agreement)
            session.flush()
            detail = {
                "agreement": agreement.id,
                "recipient": recipient,
                "dataset": dataset,
                "fields": list(fields),
                "row_filter": dict(row_filter or {}),
                "purpose": purpose,
            }
            audit_chain.append_entry(session, "sharing.grant", actor, owner, detail)
            return agreement.id

    def sharing_agreements(
        self,
        organisation: str | None = None,
        *,
        include_revoked: bool = False,
        recipient: str | None = None,
    ) -> list[SharingAgreement]:
        """Agreements, oldest first; ``organisation`` keeps those it owns or receives."""
        query = select(SharingAgreement).order_by(SharingAgreement.id)
        if organisation is not None:
            query = query.where(
                (SharingAgreement.owner == organisation)
                | (SharingAgreement.recipient == organisation)
            )
        if recipient is not None:
            query = query.where(SharingAgreement.recipient == recipient)
        if not include_revoked:
            query = query.where(SharingAgreement.revoked_at.is_(None))
        with self._transaction("listing sharing agreements") as session:
            return list(session.scalars(query))

    def live_grants(self, recipient: str) -> list[LiveGrant]:
        """The live agreements ``recipient`` receives, as plain tuples.

        A Core query without the ORM: the policy engine loads these on every request.
        """
        table = SharingAgreement.__table__
        query = select(table.c.owner, table.c.dataset, table.c.fields, table.c.row_filter).where(
            table.c.recipient == recipient, table.c.revoked_at.is_(None)
        )
        doing = "reading sharing agreements"
        with database.store_errors(self.url, doing), database.read_only(self.engine) as connection:
            rows = connection.execute(query.order_by(table.c.id)).all()
        return [LiveGrant(r.owner, r.dataset, list(r.fields), dict(r.row_filter)) for r in rows]

    def sharing_agreement(self, agreement_id: int) -> SharingAgreement:
        """The agreement ``agreement_id``; ``NotFoundError`` if there is none."""
        with self._transaction("reading a sharing agreement") as session:
            agreement = session.get(SharingAgreement, agreement_id)
        if agreement is None:
            raise NotFoundError(f"no sharing agreement {agreement_id}")
        return agreement

    def revoke_sharing_agreement(
        self, agreement_id: int, *, actor: str, owner: str | None = None
    ) -> None:
        """Revoke an agreement (audited as ``sharing.revoke``); ``owner`` must match if given."""
        with self._transaction("revoking a sharing agreement") as session:
            agreement = session.get(SharingAgreement, agreement_id)
            if agreement is None or (owner is not None and agreement.owner != owner):
                raise NotFoundError(f"no sharing agreement {agreement_id}")
            if agreement.revoked_at is not None:
                return
            agreement.revoked_at = utcnow()
            detail = {"agreement": agreement.id, "recipient": agreement.recipient}
            audit_chain.append_entry(session, "sharing.revoke", actor, agreement.owner, detail)
