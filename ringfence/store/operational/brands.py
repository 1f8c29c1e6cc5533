"""Brand registrations: the brand names (and aliases) an organisation owns, once approved.

A brand organisation sees seizures of its own goods through a standing agreement whose row filter
says ``brand = $recipient_brands``. What "its own" means must not be up to the brand: a brand that
declared other brands' names in its own feed would see their seizures. So the names come from
registrations here — requested by the brand (or an operator), approved by someone who checked the
trademark (an operator on the command line, or an admin of a customs or IP-crime organisation,
never of the registering organisation) — and every step is audited.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import func, select

from ringfence.errors import ConflictError, NotFoundError, UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational import database
from ringfence.store.operational.audit_key import AuditKey
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.brand_names import clash_message, lookalikes
from ringfence.store.operational.locks import advisory_key
from ringfence.store.operational.tables import BrandRegistration, utcnow

MAX_NAME = 200
MAX_ALIASES = 50
MAX_EVIDENCE = 1000
APPROVALS = "brand-approvals"  # the advisory lock approvals take on PostgreSQL


def _printable(text: str, what: str) -> str:
    """``text`` unless it holds control or invisible format characters (NUL, bidi overrides,
    zero-width joiners): a name must read as what it is."""
    odd = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs")), None)
    if odd is not None and odd not in "\t\n\r":
        raise UserError(f"{what} cannot contain control or invisible characters (U+{ord(odd):04X})")
    return text


def clean_names(brand: str, aliases: list[str]) -> tuple[str, list[str]]:
    """The brand name and its distinct aliases, trimmed; ``UserError`` for blank or long ones
    and for control or invisible characters."""
    name = " ".join(_printable(str(brand), "a brand name").split())
    if not name:
        raise UserError("a brand registration needs a brand name")
    cleaned: list[str] = []
    for alias in aliases:
        text = " ".join(_printable(str(alias), "an alias").split())
        if text and text.casefold() != name.casefold() and text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_ALIASES:
        raise UserError(f"at most {MAX_ALIASES} aliases per brand, not {len(cleaned)}")
    for text in (name, *cleaned):
        if len(text) > MAX_NAME:
            raise UserError(f"brand names are at most {MAX_NAME} characters: {text[:40]!r}...")
    return name, cleaned


def brand_clashes(
    registration: BrandRegistration, others: Iterable[BrandRegistration]
) -> list[str]:
    """Why ``registration`` clashes with other organisations' approved, unrevoked registrations
    among ``others``: each of its names that is, or looks like, one of theirs."""
    names = [registration.brand, *(registration.aliases or [])]
    found: list[str] = []
    for other in others:
        if (
            other.organisation == registration.organisation
            or other.approved_at is None
            or other.revoked_at is not None
        ):
            continue
        for name, theirs in lookalikes(names, [other.brand, *(other.aliases or [])]):
            found.append(clash_message(name, theirs, other.organisation))
    return found


class BrandStore(StoreBase):
    """Brand registrations (requested, approved, revoked; each step audited)."""

    def _brand_audit_key(self) -> AuditKey | None:
        """The audit chain's key when the store has one (``OperationalStore.audit_key``)."""
        key_of = getattr(self, "audit_key", None)
        return key_of() if key_of is not None else None

    def register_brand(
        self,
        organisation: str,
        brand: str,
        aliases: list[str] | None = None,
        *,
        evidence: str = "",
        actor: str,
    ) -> int:
        """Request that ``organisation`` own ``brand`` (audited as ``brand.register``)."""
        name, cleaned = clean_names(brand, list(aliases or []))
        if len(evidence) > MAX_EVIDENCE:
            raise UserError(f"evidence is at most {MAX_EVIDENCE} characters")
        _printable(evidence, "evidence")
        key = self._brand_audit_key()
        with self._transaction("registering a brand") as session:
            require_organisation(session, organisation)
            registration = BrandRegistration(
                organisation=organisation,
                brand=name,
                aliases=cleaned,
                evidence=evidence,
                requested_by=actor,
            )
            session.add(registration)
            session.flush()
            detail = {"registration": registration.id, "brand": name, "aliases": cleaned}
            audit_chain.append_entry(session, "brand.register", actor, organisation, detail, key)
            return registration.id

    def brand_registration(self, registration_id: int) -> BrandRegistration:
        """The registration ``registration_id``; ``NotFoundError`` if there is none."""
        with self._transaction("reading a brand registration") as session:
            registration = session.get(BrandRegistration, registration_id)
        if registration is None:
            raise NotFoundError(f"no brand registration {registration_id}")
        return registration

    def brand_registrations(
        self, organisation: str | None = None, *, include_revoked: bool = False
    ) -> list[BrandRegistration]:
        """Registrations, oldest first; ``organisation`` keeps its own."""
        query = select(BrandRegistration).order_by(BrandRegistration.id)
        if organisation is not None:
            query = query.where(BrandRegistration.organisation == organisation)
        if not include_revoked:
            query = query.where(BrandRegistration.revoked_at.is_(None))
        with self._transaction("listing brand registrations") as session:
            return list(session.scalars(query))

    def approve_brand(
        self, registration_id: int, *, actor: str, approver: str | None = None
    ) -> None:
        """Approve a registration (audited as ``brand.approve``).

        ``approver`` is the approving organisation (None: an operator on the command line); it
        may not approve its own claims. A name another organisation already holds, or one that
        looks like it (``brand_names.brand_key``: case, spacing, accents, homoglyphs, company
        forms such as "Inc."), is refused: revoke the other registration first if it is wrong.
        """
        key = self._brand_audit_key()
        with self._transaction("approving a brand registration") as session:
            if session.get_bind().dialect.name == "postgresql":  # one approval at a time, so
                # two look-alikes approved at once cannot each miss the other
                session.execute(select(func.pg_advisory_xact_lock(advisory_key(APPROVALS))))
            registration = session.get(BrandRegistration, registration_id)
            if registration is None:
                raise NotFoundError(f"no brand registration {registration_id}")
            if approver is not None and approver == registration.organisation:
                raise ConflictError("an organisation cannot approve its own brand registration")
            if registration.revoked_at is not None:
                raise ConflictError(f"brand registration {registration_id} was revoked")
            if registration.approved_at is not None:
                return
            held = session.scalars(
                select(BrandRegistration).where(
                    BrandRegistration.organisation != registration.organisation,
                    BrandRegistration.approved_at.is_not(None),
                    BrandRegistration.revoked_at.is_(None),
                )
            )
            clashes = brand_clashes(registration, list(held))
            if clashes:  # the same name, or one that looks like it (case, accents, homoglyphs)
                raise ConflictError(clashes[0])
            # The approving organisation is what the registration shows; the person is in the
            # audit log, under the organisation that acted.
            registration.approved_by = approver or actor
            registration.approved_at = utcnow()
            detail = {
                "registration": registration.id,
                "organisation": registration.organisation,
                "brand": registration.brand,
                "aliases": list(registration.aliases or []),
                "approver": approver or "operator",
            }
            acting = approver or registration.organisation
            audit_chain.append_entry(session, "brand.approve", actor, acting, detail, key)

    def revoke_brand(
        self, registration_id: int, *, actor: str, organisation: str | None = None
    ) -> None:
        """Revoke a registration (audited as ``brand.revoke`` under ``organisation``, the one
        acting, default the registration's own); the caller checks who may."""
        key = self._brand_audit_key()
        with self._transaction("revoking a brand registration") as session:
            registration = session.get(BrandRegistration, registration_id)
            if registration is None:
                raise NotFoundError(f"no brand registration {registration_id}")
            if registration.revoked_at is not None:
                return
            acting = organisation or registration.organisation
            registration.revoked_by = actor if acting == registration.organisation else acting
            registration.revoked_at = utcnow()
            detail = {
                "registration": registration.id,
                "organisation": registration.organisation,
                "brand": registration.brand,
            }
            audit_chain.append_entry(session, "brand.revoke", actor, acting, detail, key)

    def approved_brand_names(self, organisation: str) -> frozenset[str]:
        """Names and aliases of ``organisation``'s approved, unrevoked registrations.

        A Core query without the ORM: the policy engine calls this on requests.
        """
        table = BrandRegistration.__table__
        query = select(table.c.brand, table.c.aliases).where(
            table.c.organisation == organisation,
            table.c.approved_at.is_not(None),
            table.c.revoked_at.is_(None),
        )
        doing = "reading brand registrations"
        with database.store_errors(self.url, doing), self.engine.connect() as connection:
            rows = connection.execute(query).all()
        names = {r.brand for r in rows} | {a for r in rows for a in (r.aliases or [])}
        return frozenset(n for n in names if n)

    def approved_brand_holders(self) -> set[tuple[str, str]]:
        """(organisation, lower-case name or alias) of every approved, unrevoked registration:
        whose catalogue speaks for which brand (``store/products.py``)."""
        table = BrandRegistration.__table__
        query = select(table.c.organisation, table.c.brand, table.c.aliases).where(
            table.c.approved_at.is_not(None), table.c.revoked_at.is_(None)
        )
        doing = "reading brand registrations"
        with database.store_errors(self.url, doing), self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {
            (r.organisation, name.lower())
            for r in rows
            for name in (r.brand, *(r.aliases or []))
            if name
        }
