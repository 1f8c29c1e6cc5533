"""What an FtM entity becomes: canonical party rows (one per name or contact value) or links.

An FtM entity holds lists (names and aliases, phones, e-mails, identifiers); a canonical party
row holds one of each. So an entity becomes as many rows as its longest list: the first row is
keyed by the FtM id and every further row by ``<id>#<n>``; each further row keeps the entity's
first name where it has no alias of its own, and a ``same_as`` link ties it to the first, so
resolution keeps them in one entity and no value is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# FtM schema -> canonical party schema (Organization, PublicBody: a LegalEntity here).
PARTY_SCHEMATA = {
    "Person": "Person",
    "Company": "Company",
    "Organization": "LegalEntity",
    "PublicBody": "LegalEntity",
    "LegalEntity": "LegalEntity",
}
# FtM relationship schema -> party link kind.
LINK_SCHEMATA = {
    "Ownership": "ownership",
    "Directorship": "directorship",
    "Family": "family",
    "Associate": "associate",
    "Employment": "employment",
    "Membership": "membership",
    "Representation": "representation",
    "UnknownLink": "unknown",
}
CONTEXT = ("Address", "BankAccount")  # values of parties, not parties or links
NAME_PROPS = ("name", "alias", "previousName")
IDENTIFIER_PROPS = (
    "registrationNumber",
    "taxNumber",
    "innCode",
    "vatCode",
    "ogrnCode",
    "leiCode",
    "idNumber",
    "passportNumber",
    "dunsCode",
    "uniqueEntityId",
    "okpoCode",
    "swiftBic",
    "imoNumber",
)
COUNTRY_PROPS = ("country", "nationality", "jurisdiction", "mainCountry", "citizenship")
PARTY_COLUMNS = (
    "id",
    "schema",
    "name",
    "street",
    "city",
    "postcode",
    "country",
    "phone",
    "email",
    "identifier",
    "bank_account",
    "website",
)
WATCHLIST_COLUMNS = (*PARTY_COLUMNS, "confirmed_by", "confirmed_at", "notes")
LINK_COLUMNS = ("id", "party", "other_party", "kind", "role", "start_date", "end_date")


@dataclass
class Context:
    """What party rows need from other entities of the file: addresses by id, and the bank
    accounts each party owns (FtM ties them by an ``Ownership`` of a ``BankAccount``)."""

    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, list[str]] = field(default_factory=dict)  # BankAccount id -> numbers
    owners: list[tuple[str, str]] = field(default_factory=list)  # (owner id, asset id)

    def add(self, entity: dict[str, Any]) -> None:
        """Take note of ``entity`` if it is an address, a bank account or an ownership."""
        schema, props = entity.get("schema"), entity.get("properties") or {}
        if not isinstance(entity.get("id"), str) or not isinstance(props, dict):
            return
        if schema == "Address":
            self.addresses[entity["id"]] = props
        elif schema == "BankAccount":
            self.accounts[entity["id"]] = values(props, "iban", "accountNumber")[:1]
        elif schema == "Ownership":  # one owner, one asset, as ``link_rows`` reads it: lists
            owner, asset = values(props, "owner")[:1], values(props, "asset")[:1]  # are no matrix
            self.owners += list(zip(owner, asset, strict=False))

    @cached_property
    def accounts_of(self) -> dict[str, list[str]]:
        """Party id -> the numbers of the bank accounts it owns."""
        found: dict[str, list[str]] = {}
        for owner, asset in self.owners:
            found.setdefault(owner, []).extend(self.accounts.get(asset, []))
        return found


def values(props: dict[str, Any], *names: str) -> list[str]:
    """The distinct non-empty string values of ``names``, in order."""
    seen: dict[str, None] = {}
    for name in names:
        found = props.get(name) or []
        for value in found if isinstance(found, list) else [found]:
            if isinstance(value, str | int | float) and str(value).strip():
                seen.setdefault(str(value).strip(), None)
    return list(seen)


def address_parts(address: dict[str, Any]) -> dict[str, str | None]:
    """Street, city, postcode and country of an FtM ``Address`` entity's properties."""
    street = ", ".join(values(address, "street", "street2", "remarks")) or None
    first = {
        k: _nth(values(address, p), 0)
        for k, p in (("city", "city"), ("postcode", "postalCode"), ("country", "country"))
    }
    if street is None and not first["city"]:
        street = _nth(values(address, "full"), 0)
    return {"street": street, **first}


def party_rows(
    entity: dict[str, Any], context: Context, watchlist: bool
) -> list[dict[str, str | None]]:
    """Canonical rows of one party entity (``PARTY_SCHEMATA``), the FtM id keying the first."""
    props = entity.get("properties") or {}
    addresses = context.addresses
    names = values(props, *NAME_PROPS)
    places = [address_parts(addresses[a]) for a in values(props, "addressEntity") if a in addresses]
    places += [
        {"street": a, "city": None, "postcode": None, "country": None}
        for a in values(props, "address")
    ]
    lists: dict[str, list[Any]] = {
        "name": names,
        "phone": values(props, "phone"),
        "email": values(props, "email"),
        "identifier": values(props, *IDENTIFIER_PROPS),
        "website": values(props, "website"),
        "bank_account": context.accounts_of.get(entity["id"], []),
        "place": places,
    }
    countries = values(props, *COUNTRY_PROPS)
    rows = []
    for n in range(max(1, *(len(v) for v in lists.values()))):
        place = _nth(lists["place"], n) or {}
        row: dict[str, str | None] = {
            "id": entity["id"] if n == 0 else f"{entity['id']}#{n + 1}",
            "schema": PARTY_SCHEMATA[entity["schema"]],
            "name": _nth(names, n) or (names[0] if names else None),
            "street": place.get("street"),
            "city": place.get("city"),
            "postcode": place.get("postcode"),
            "country": place.get("country") or _nth(countries, n) or _nth(countries, 0),
            **{
                k: _nth(lists[k], n)
                for k in ("phone", "email", "identifier", "bank_account", "website")
            },
        }
        if watchlist:
            row["confirmed_by"] = _joined(values(props, "publisher", "program", "authority"))
            row["confirmed_at"] = _nth(values(props, "createdAt", "listingDate"), 0)
            row["notes"] = _joined(values(props, "notes", "summary", "topics"))
        rows.append(row)
    return rows


def link_rows(entity: dict[str, Any], schema: Any, context: Context) -> list[dict[str, str | None]]:
    """The party link of a relationship entity (``LINK_SCHEMATA``); ``schema`` is FtM's.

    The ownership of a bank account is none: the account is a value of its owner's rows.
    """
    props = entity.get("properties") or {}
    source = values(props, schema.edge_source) if schema.edge_source else []
    target = values(props, schema.edge_target) if schema.edge_target else []
    if entity["schema"] == "Ownership" and target and target[0] in context.accounts:
        return []
    role = values(props, "role", "relationship", "ownershipType")
    return [
        {
            "id": entity["id"],
            "party": _nth(source, 0),
            "other_party": _nth(target, 0),
            "kind": LINK_SCHEMATA[entity["schema"]],
            "role": _joined(role),
            "start_date": _nth(values(props, "startDate", "date"), 0),
            "end_date": _nth(values(props, "endDate"), 0),
        }
    ]


def alias_links(rows: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    """``same_as`` links tying each further row of an entity to its first row."""
    first = rows[0]["id"]
    return [
        {
            "id": f"{row['id']}~same_as",
            "party": first,
            "other_party": row["id"],
            "kind": "same_as",
            "role": None,
            "start_date": None,
            "end_date": None,
        }
        for row in rows[1:]
    ]


def _nth(items: list[Any], n: int) -> Any:
    return items[n] if n < len(items) else None


def _joined(items: list[str]) -> str | None:
    return "; ".join(items) if items else None
