"""Party mentions and watchlist entries: a person or company as one source saw it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from ringfence.model.records.base import Record, V

PARTY_ROLES = (
    "seller",
    "shipper",
    "consignee",
    "importer",
    "declarant",
    "courier",
    "manufacturer",
    "complainant",
    "watchlist",
    "other",
)
PARTY_SCHEMAS = ("Person", "Company", "LegalEntity")
# How two parties are related, as an investigator's source says (FollowTheMoney's relationship
# schemas); ``same_as``: two records of one party (an alias, another spelling).
PARTY_LINK_KINDS = (
    "ownership",
    "directorship",
    "family",
    "associate",
    "employment",
    "membership",
    "representation",
    "unknown",
    "same_as",
)


class PartyFields(Record):
    """The descriptive fields shared by party mentions and watchlist entries."""

    schema_: Annotated[str, V("party_schema", False, "Person, Company or LegalEntity")] = (
        "LegalEntity"
    )
    name: Annotated[str | None, V("name", True, "Name as written by the source")] = None
    street: Annotated[str | None, V("text", False, "Street address")] = None
    city: Annotated[str | None, V("text", False, "City")] = None
    postcode: Annotated[str | None, V("text", False, "Postal code")] = None
    country: Annotated[str | None, V("country", False, "Country, ISO 3166-1 alpha-2")] = None
    phone: Annotated[
        str | None, V("phone", False, "Phone, E.164 (`~` and its digits if it does not verify)")
    ] = None
    email: Annotated[str | None, V("email", False, "E-mail address")] = None
    identifier: Annotated[
        str | None, V("identifier", False, "Tax, EORI, seller or registration number")
    ] = None
    bank_account: Annotated[str | None, V("bank_account", False, "Bank account or IBAN")] = None
    website: Annotated[str | None, V("text", False, "Web site or shop URL")] = None
    birth_date: Annotated[
        str | None,
        V("birth_date", False, "Date of birth of a person: YYYY-MM-DD, YYYY-MM or YYYY"),
    ] = None


class PartyMention(PartyFields):
    """A person or company as one partner's record names it, in one role."""

    feed: ClassVar[str] = "parties"
    role: Annotated[str, V("party_role", False, "seller, shipper, consignee, importer, ...")] = (
        "other"
    )


class WatchlistEntry(PartyFields):
    """A confirmed counterfeiter, shared with partners; identifiers are what matching uses."""

    feed: ClassVar[str] = "watchlist"
    confirmed_by: Annotated[str | None, V("text", False, "Who confirmed it (unit, officer)")] = None
    confirmed_at: Annotated[dt.date | None, V("date", False, "Date of confirmation")] = None
    evidence_ref: Annotated[str | None, V("text", False, "Case or evidence reference")] = None
    brand: Annotated[str | None, V("text", False, "Brand whose goods were counterfeited")] = None
    notes: Annotated[str | None, V("text", False, "Internal notes (not shared by default)")] = None
    seller_account_ref: Annotated[
        str | None,
        V("key", False, "Seller id of the banned account this entry confirms (sellers feed)"),
    ] = None


class PartyLink(Record):
    """Two parties one source says are related (owner of, director of, family, the same party).

    ``party`` and ``other_party`` are keys of the same organisation's party records: the ``id``
    of a ``parties`` row, or of a ``watchlist`` or ``sellers`` row (whose party mentions they
    are). A ``same_as`` link keeps its two records in one entity when parties are resolved.
    """

    feed: ClassVar[str] = "party_links"
    party: Annotated[str, V("key", True, "Key of the first party (the owner, director, ...)")]
    other_party: Annotated[str, V("key", True, "Key of the other party (the asset, company, ...)")]
    kind: Annotated[
        str, V("party_link_kind", True, "ownership, directorship, family, associate, ...")
    ] = "unknown"
    role: Annotated[str | None, V("text", False, "The relation in the source's words")] = None
    start_date: Annotated[dt.date | None, V("date", False, "Since when")] = None
    end_date: Annotated[dt.date | None, V("date", False, "Until when")] = None
