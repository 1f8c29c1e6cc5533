"""The operational store's code methods: brands' public keys and recorded code scans.

Every write appends its audit entry in the same transaction (``code.key``, ``code.key.revoke``,
``code.scan``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ringfence.errors import ConflictError, ForbiddenError, NotFoundError, UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.code_tables import SCAN_KINDS, CodeKey, CodeScan
from ringfence.store.operational.tables import BrandRegistration, utcnow


@dataclass(frozen=True)
class ScanDraft:
    """A scan as verified, before it is stored."""

    organisation: str
    place: str
    code: str
    valid: bool
    brand: str | None
    gtin: str | None
    serial: str | None
    key_id: str | None
    reason: str | None
    scanned_at: datetime | None = None


def _approved_brands(session: Session, organisation: str) -> set[str]:
    rows = session.scalars(
        select(BrandRegistration).where(
            BrandRegistration.organisation == organisation,
            BrandRegistration.approved_at.is_not(None),
            BrandRegistration.revoked_at.is_(None),
        )
    )
    return {n.casefold() for r in rows for n in [r.brand, *(r.aliases or [])] if n}


class CodeStore(StoreBase):
    """Code keys and scans (a mixin of ``OperationalStore``)."""

    def register_code_key(
        self,
        organisation: str,
        brand: str,
        key_id: str,
        public_key: str,
        *,
        actor: str,
        gtins: list[str] | None = None,
    ) -> CodeKey:
        """Register ``organisation``'s public key for ``brand`` (audited as ``code.key``).

        ``ForbiddenError`` unless ``brand`` is one of the organisation's approved brand
        registrations (names or aliases): nobody registers keys for someone else's brand.
        """
        with self._transaction("registering a code key") as session:
            require_organisation(session, organisation)
            owned = _approved_brands(session, organisation)
            if brand.casefold() not in owned:
                raise ForbiddenError(
                    f"{organisation} has no approved brand registration for {brand!r}; "
                    "register the brand (ringfence brand register) first"
                )
            if session.scalars(select(CodeKey).where(CodeKey.key_id == key_id)).first():
                raise ConflictError(f"code key {key_id} is already registered")
            row = CodeKey(
                organisation=organisation,
                brand=brand,
                key_id=key_id,
                public_key=public_key,
                gtins=gtins or None,
                registered_by=actor,
            )
            session.add(row)
            session.flush()
            detail = {"key_id": key_id, "brand": brand, "gtins": gtins or []}
            audit_chain.append_entry(session, "code.key", actor, organisation, detail)
            return row

    def revoke_code_key(self, key_id: str, *, actor: str) -> None:
        """Stop a key counting for new scans (audited as ``code.key.revoke``)."""
        with self._transaction("revoking a code key") as session:
            row = session.scalars(select(CodeKey).where(CodeKey.key_id == key_id)).first()
            if row is None:
                raise NotFoundError(f"no code key {key_id!r}")
            row.revoked_at = utcnow()
            detail = {"key_id": key_id, "brand": row.brand}
            audit_chain.append_entry(session, "code.key.revoke", actor, row.organisation, detail)

    def code_keys(self, brand: str | None = None, *, live: bool = True) -> list[CodeKey]:
        """Registered code keys, oldest first; ``brand`` narrows (case-insensitively)."""
        query = select(CodeKey).order_by(CodeKey.id)
        if live:
            query = query.where(CodeKey.revoked_at.is_(None))
        with self._transaction("reading code keys") as session:
            rows = list(session.scalars(query))
        return [r for r in rows if brand is None or r.brand.casefold() == brand.casefold()]

    def record_code_scan(self, draft: ScanDraft, *, actor: str) -> CodeScan:
        """Store one scan; its kind is the scanning organisation's (audited as ``code.scan``)."""
        with self._transaction("recording a code scan") as session:
            organisation = require_organisation(session, draft.organisation)
            if organisation.kind not in SCAN_KINDS:
                raise UserError(
                    f"{draft.organisation} is a {organisation.kind}; scans are recorded by "
                    f"{', '.join(SCAN_KINDS)} organisations"
                )
            row = CodeScan(
                organisation=draft.organisation, kind=organisation.kind, place=draft.place,
                code=draft.code, valid=draft.valid, brand=draft.brand, gtin=draft.gtin,
                serial=draft.serial, key_id=draft.key_id, reason=draft.reason,
                scanned_at=draft.scanned_at or utcnow(), recorded_by=actor,
            )  # fmt: skip
            session.add(row)
            session.flush()
            detail = {"scan": row.id, "place": row.place, "valid": row.valid,
                      "brand": row.brand, "gtin": row.gtin, "serial": row.serial}  # fmt: skip
            audit_chain.append_entry(session, "code.scan", actor, draft.organisation, detail)
            return row

    def code_scans(
        self,
        *,
        serials: list[tuple[str, str, str]] | None = None,
        organisation: str | Sequence[str] | None = None,
        brands: Sequence[str] | None = None,
        places: Sequence[str] | None = None,
        limit: int = 10_000,
    ) -> list[CodeScan]:
        """Scans, newest first; ``serials`` keeps those of these (brand, gtin, serial) units,
        ``organisation`` those of one organisation (or of several), ``brands`` those of these
        brand names and ``places`` those at these places (letter case ignored)."""
        query = select(CodeScan).order_by(CodeScan.scanned_at.desc(), CodeScan.id.desc())
        if places is not None:
            query = query.where(func.lower(CodeScan.place).in_([p.lower() for p in places]))
        if brands is not None:
            query = query.where(func.lower(CodeScan.brand).in_([b.lower() for b in brands]))
        if isinstance(organisation, str):
            query = query.where(CodeScan.organisation == organisation)
        elif organisation is not None:
            query = query.where(CodeScan.organisation.in_(list(organisation)))
        if serials is not None:
            if not serials:
                return []
            query = query.where(or_(*(
                (CodeScan.brand == b) & (CodeScan.gtin == g) & (CodeScan.serial == s)
                for b, g, s in serials
            )))  # fmt: skip
        with self._transaction("reading code scans") as session:
            return list(session.scalars(query.limit(limit)))
