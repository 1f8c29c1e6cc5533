"""A marketplace's view: seller accounts and their signals, links and enforcement outcomes,
listings, complaints (notices) and page views."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from ringfence.model.records.base import Record, V
from ringfence.model.records.parties import PartyFields

COMPLAINT_DECISIONS = ("pending", "upheld", "rejected", "withdrawn")
SELLER_OUTCOMES = ("counterfeit", "cleared")
SIGNAL_PREFIX = "signal_"
"""A ``sellers`` column named ``signal_<name>`` is a numeric signal: a seller-risk model input."""


class SellerAccount(PartyFields):
    """A seller account on a marketplace; its party fields also become a party mention."""

    feed: ClassVar[str] = "sellers"
    registered_at: Annotated[dt.date | None, V("date", False, "Account opening date")] = None
    status: Annotated[str | None, V("text", False, "active, suspended, closed, ...")] = None


class SellerSignal(Record):
    """One numeric signal of a seller account (a ``signal_<name>`` column of ``sellers``)."""

    feed: ClassVar[str] = "seller_signals"
    seller_ref: Annotated[str, V("key", True, "Seller account id")]
    signal: Annotated[str, V("key", True, "Signal name (the column's name after signal_)")]
    value: Annotated[float, V("signed_number", True, "Signal value")]


class SellerLink(Record):
    """Two seller accounts seen sharing something: a device, payment instrument, IP, warehouse."""

    feed: ClassVar[str] = "seller_links"
    seller_ref: Annotated[str, V("key", True, "Seller account id")]
    other_seller_ref: Annotated[str, V("key", True, "The other seller account's id")]
    kind: Annotated[str, V("key", True, "What they share: device, payment, ip, warehouse, ...")]
    weight: Annotated[float | None, V("number", False, "Strength of the link (default 1)")] = None
    date: Annotated[dt.date | None, V("date", False, "Day the link was seen (blank: always)")] = (
        None
    )


class SellerOutcome(Record):
    """The marketplace's enforcement decision on a seller: the seller-risk model's label."""

    feed: ClassVar[str] = "seller_outcomes"
    seller_ref: Annotated[str, V("key", True, "Seller account id")]
    outcome: Annotated[str, V("seller_outcome", True, "counterfeit or cleared")]
    date: Annotated[dt.date, V("date", True, "Day of the decision")]
    reason: Annotated[str | None, V("text", False, "Reason given")] = None
    evidence_ref: Annotated[str | None, V("text", False, "Case or evidence reference")] = None


class Listing(Record):
    """An offer of goods by a seller."""

    feed: ClassVar[str] = "listings"
    seller_ref: Annotated[str, V("key", True, "Seller account id")]
    title: Annotated[str, V("text", True, "Listing title")]
    brand: Annotated[str | None, V("text", False, "Brand claimed by the listing")] = None
    gtin: Annotated[str | None, V("gtin", False, "GTIN given by the seller")] = None
    price: Annotated[float | None, V("number", False, "Unit price")] = None
    currency: Annotated[str | None, V("currency", False, "Currency of price")] = None
    listed_at: Annotated[dt.date | None, V("date", False, "Date listed")] = None
    ships_from: Annotated[str | None, V("country", False, "Country goods ship from")] = None
    status: Annotated[str | None, V("text", False, "active, removed, ...")] = None


class Complaint(Record):
    """A notice from a rights holder against a listing, and the marketplace's decision."""

    feed: ClassVar[str] = "complaints"
    listing_ref: Annotated[str, V("key", True, "Listing id")]
    brand: Annotated[str, V("text", True, "Brand the complaint is made for")]
    filed_at: Annotated[dt.date, V("date", True, "Date filed")]
    filed_by: Annotated[str | None, V("text", False, "Complainant")] = None
    reason: Annotated[str | None, V("text", False, "Reason given")] = None
    decision: Annotated[str, V("complaint_decision", False, "pending/upheld/rejected")] = "pending"
    decided_at: Annotated[dt.date | None, V("date", False, "Date decided")] = None


class PageView(Record):
    """How often a listing was viewed on one day."""

    feed: ClassVar[str] = "pageviews"
    listing_ref: Annotated[str, V("key", True, "Listing id")]
    date: Annotated[dt.date, V("date", True, "Day")]
    views: Annotated[int, V("count", True, "Page views that day")]
