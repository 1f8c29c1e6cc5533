"""Cleaning a screening query into the forms the index holds.

Entities in the lake carry values already cleaned by ingestion and resolution (E.164 phones,
lower-case e-mails, ISO countries); a query is raw user input, so it goes through the same value
types and resolution cleaners before lookup. Stored values only get the cheap idempotent part.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ringfence.model.feeds import value_type
from ringfence.model.types.base import InvalidValue
from ringfence.model.types.contact import phone_or_unverified
from ringfence.resolve.names import check_schema, normalise_name
from ringfence.resolve.names.analyse import latinise
from ringfence.resolve.prepare import clean_code, clean_email, clean_street

# Exact-match fields of the index → the ``entities`` list column that holds them.
EXACT_FIELDS = {
    "phone": "phones",
    "email": "emails",
    "identifier": "identifiers",
    "bank_account": "bank_accounts",
    "address": "addresses",
}
# How ``entities.addresses`` joins street and postcode (pipeline.ENTITIES_SQL writes it).
ADDRESS_SEPARATOR = " | "

QUERY_FIELDS = (
    "id",
    "name",
    "schema",
    "country",
    "phone",
    "email",
    "identifier",
    "bank_account",
    "street",
    "city",
    "postcode",
)


def _typed(type_name: str, raw: str, hint: str | None = None) -> str | None:
    """A value through its ingestion value type; a value that type rejects is left out."""
    try:
        return value_type(type_name).clean(raw, hint) or None
    except InvalidValue:  # a rejected value is unusable evidence, never a failed screen
        return None


def clean_stored(field: str, raw: str | None) -> str | None:
    """The idempotent cleaning of a value read from the lake."""
    if not raw:
        return None
    if field == "email":
        return clean_email(raw)
    if field in ("identifier", "bank_account"):
        return clean_code(raw)
    if field == "address":
        street, _, postcode = raw.partition(ADDRESS_SEPARATOR)
        return address_key(street, postcode)
    return raw.strip() or None


def address_key(street: str | None, postcode: str | None) -> str | None:
    """Street and postcode as resolution compares them (``prepare.address_key``'s form)."""
    clean = clean_street(street)
    code = clean_code(postcode)
    return f"{clean}|{code}" if clean and code else None


def clean_query(query: dict[str, Any]) -> dict[str, str]:
    """The query's usable fields, cleaned; ``name_norm`` is the name as the index holds it."""
    raw = {k: str(v).strip() for k, v in query.items() if v is not None and str(v).strip()}
    out: dict[str, str] = {}
    country = _typed("country", raw["country"]) if "country" in raw else None
    if country:
        out["country"] = country
    # As ingestion stores it: E.164, else the unverified digits (``~+339959008351``).
    if "phone" in raw and (phone := phone_or_unverified(raw["phone"], country)):
        out["phone"] = phone
    if "email" in raw and (email := clean_email(raw["email"])):
        out["email"] = email
    for field in ("identifier", "bank_account"):
        if field in raw and (code := clean_code(raw[field])):
            out[field] = code
    if address := address_key(raw.get("street"), raw.get("postcode")):
        out["address"] = address
    if "name" in raw and (norm := index_name(raw["name"])):
        out["name_norm"] = norm
        out["name"] = raw["name"]
    if "schema" in raw:
        with contextlib.suppress(ValueError):  # an unknown schema is left out, not a failure
            out["schema"] = check_schema(raw["schema"])
    return out


def index_name(raw: str | None) -> str:
    """The name as the token index holds it: in Latin letters, folded, legal forms dropped,
    words sorted ("Путин Владимир" → "putin vladimir")."""
    return normalise_name(latinise(raw)) if raw else ""
