"""The policy gate (``Policy.visible``): an organisation's live grants, by dataset, and the one
function that filters rows and projects fields (``sharing`` describes the rules).

Row filters map a field to a value or a list of values; ``$recipient`` and ``$recipient_brands``
(the recipient's approved brand names and aliases) make standing agreements possible. Rows several
organisations own (resolved entities) are decided per field: a co-owner's grant shares only what
that co-owner's own records hold (``Policy._shared_row``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ringfence.service.context import Caller, Services
from ringfence.service.datasets import DatasetSpec, dataset
from ringfence.store.operational import OperationalStore

ALL_FIELDS = "*"
RECIPIENT = "$recipient"
RECIPIENT_BRANDS = "$recipient_brands"
# A shared row's per-owner contributions (owner → that owner's own values of the row's fields).
PARTS = "_parts"
# Per owner of a row, the fields it lets the reader see (None: all of them).
Consent = dict[str, set[str] | frozenset[str] | None]


@dataclass(frozen=True)
class Grant:
    """One live agreement as the policy applies it: fields (None = all) and a resolved filter."""

    owner: str
    fields: frozenset[str] | None
    row_filter: dict[str, frozenset[str]]

    def admits(self, row: dict[str, Any]) -> bool:
        """Whether ``row`` matches every condition of the row filter (case-insensitively)."""
        for name, allowed in self.row_filter.items():
            value = row.get(name)
            values = value if isinstance(value, list) else [value]
            if not any(v is not None and str(v).casefold() in allowed for v in values):
                return False
        return True


@dataclass
class Policy:
    """The grants one organisation holds, by dataset, and the function that applies them."""

    organisation: str
    grants: dict[str, list[Grant]] = field(default_factory=dict)

    @classmethod
    def load(cls, services: Services, caller: Caller) -> Policy:
        """The live agreements of which ``caller``'s organisation is the recipient."""
        return cls.of_organisation(services.store, caller.organisation)

    @classmethod
    def of_organisation(cls, store: OperationalStore, organisation: str) -> Policy:
        """The live agreements of which ``organisation`` is the recipient (for work done
        outside a request, e.g. the CLI acting for a marketplace)."""
        policy = cls(organisation)
        agreements = store.live_grants(organisation)
        brands: frozenset[str] | None = None
        for agreement in agreements:
            resolved: dict[str, frozenset[str]] = {}
            for name, wanted in (agreement.row_filter or {}).items():
                values = wanted if isinstance(wanted, list) else [wanted]
                if RECIPIENT_BRANDS in values:  # as ``recipient_brands``
                    brands = (
                        brands if brands is not None else store.approved_brand_names(organisation)
                    )
                expanded = _expand(values, organisation, brands or frozenset())
                resolved[name] = frozenset(v.casefold() for v in expanded)
            fields = None if ALL_FIELDS in agreement.fields else frozenset(agreement.fields)
            grant = Grant(agreement.owner, fields, resolved)
            policy.grants.setdefault(agreement.dataset, []).append(grant)
        return policy

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything the policy decides by, as one hashable value: cached answers derived
        through the policy are keyed by it, so a changed agreement or brand never meets them."""
        return (
            self.organisation,
            tuple(
                sorted(
                    (
                        name,
                        grant.owner,
                        # (False,) all fields, (True, ...) those: comparable when sorted
                        (False,) if grant.fields is None else (True, *sorted(grant.fields)),
                        tuple(sorted((k, tuple(sorted(v))) for k, v in grant.row_filter.items())),
                    )
                    for name, grants in self.grants.items()
                    for grant in grants
                )
            ),
        )

    def owners(self, name: str) -> list[str]:
        """Organisations whose rows of dataset ``name`` may be visible: itself and grantors."""
        return sorted({self.organisation, *(g.owner for g in self.grants.get(name, []))})

    def filters_rows(self, name: str) -> bool:
        """Whether some grant on dataset ``name`` has a row filter (so needs whole rows)."""
        return any(g.row_filter for g in self.grants.get(name, []))

    def visible(self, name: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """THE policy gate: the rows the organisation may read, each cut to its allowed fields.

        Own rows come whole. Another owner's row is kept when some grant of that owner admits
        it; its fields are the union over those grants, plus the dataset's key fields. A row
        several organisations own (an entity) is decided field by field: see ``_shared_row``.
        """
        spec = dataset(name)
        grants = self.grants.get(name, [])
        shown: list[dict[str, Any]] = []
        for row in rows:
            if spec.owners_are_list:
                kept = self._shared_row(spec, row, grants)
                if kept is not None:
                    shown.append(kept)
                continue
            owners = _owners_of(row, spec)
            if self.organisation in owners:
                shown.append(row)
                continue
            fields: set[str] = set()
            admitted = False
            for grant in grants:
                if grant.owner in owners and grant.admits(row):
                    admitted = True
                    if grant.fields is None:
                        fields = set(row)
                        break
                    fields |= grant.fields
            if admitted:
                keep = fields | set(spec.key_fields)
                shown.append({k: v for k, v in row.items() if k in keep})
        return shown

    def consent(self, spec: DatasetSpec, row: dict[str, Any], grants: list[Grant]) -> Consent:
        """Per owner of ``row``, the fields it lets this organisation read (None: all).

        The organisation itself consents to everything; an owner without an admitting grant
        is absent.
        """
        allowed: Consent = {}
        for owner in _owners_of(row, spec):
            if owner == self.organisation:
                allowed[owner] = None
        for grant in grants:
            owner = grant.owner
            if owner not in _owners_of(row, spec) or owner == self.organisation:
                continue
            if not grant.admits(row):
                continue
            if grant.fields is None or allowed.get(owner, set()) is None:
                allowed[owner] = None
            else:
                allowed[owner] = (allowed.get(owner) or set()) | grant.fields
        return allowed

    def _shared_row(
        self, spec: DatasetSpec, row: dict[str, Any], grants: list[Grant]
    ) -> dict[str, Any] | None:
        """A row several organisations own, cut by per-field ownership (None: not visible).

        A field's value is shown only as far as the owners whose records hold it consent: with
        the row's ``_parts`` (each owner's own contribution, ``ownership.owner_parts``) the
        field is rebuilt from the parts of consenting owners; without parts (a row built from
        an index) a field is shown only when every owner consents to it.
        """
        allowed = self.consent(spec, row, grants)
        if not allowed:
            return None
        owners = _owners_of(row, spec)
        parts: dict[str, dict[str, Any]] | None = row.get(PARTS)
        out = {k: row[k] for k in spec.key_fields if k in row}
        for name, value in row.items():
            if name == PARTS or name in out:
                continue
            consenting = [o for o, fields in allowed.items() if fields is None or name in fields]
            if parts is not None and any(name in p for p in parts.values()):
                held = [parts[o][name] for o in consenting if o in parts and name in parts[o]]
                merged = _merge(value, held)
                if merged is not None:
                    out[name] = merged
            elif set(owners) <= set(consenting):
                out[name] = value
        return out


def _merge(value: Any, held: list[Any]) -> Any:
    """One field of a shared row rebuilt from the values the consenting owners' records hold.

    Lists are united, counts added, flags or-ed; a single value is the row's own when some
    consenting owner holds it, else the first consenting owner's.
    """
    present = [h for h in held if h is not None]
    if not present:
        return None
    if isinstance(value, list) or isinstance(present[0], list):
        return sorted({item for h in present for item in (h or []) if item is not None}, key=str)
    if isinstance(present[0], bool):
        return any(present)
    if isinstance(present[0], int):
        return sum(present)
    return value if value in present else present[0]


def _expand(values: Sequence[Any], recipient: str, brands: frozenset[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value == RECIPIENT:
            out.append(recipient)
        elif value == RECIPIENT_BRANDS:
            out.extend(brands)
        else:
            out.append(str(value))
    return out


def _owners_of(row: dict[str, Any], spec: DatasetSpec) -> list[str]:
    owner = row.get(spec.owner_field)
    if spec.owners_are_list:
        return list(owner or [])
    return [owner] if owner is not None else []


def recipient_brands(services: Services, caller: Caller) -> frozenset[str]:
    """Brand names and aliases of the organisation's approved brand registrations.

    Never the organisation's own ``brands`` feed: a brand declaring another brand's name as an
    alias there would see that brand's seizures.
    """
    return services.store.approved_brand_names(caller.organisation)
