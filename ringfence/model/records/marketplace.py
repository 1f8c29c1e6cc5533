"""A marketplace's view: seller accounts, listings, complaints (notices) and page views."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from ringfence.model.records.base import Record, V
from ringfence.model.records.parties import PartyFields

COMPLAINT_DECISIONS = ("pending", "upheld", "rejected", "withdrawn")


class SellerAccount(PartyFields):
    """A seller account on a marketplace; its party fields also become a party mention."""

    feed: ClassVar[str] = "sellers"
    registered_at: Annotated[dt.date | None, V("date", False, "Account opening date")] = None
    status: Annotated[str | None, V("text", False, "active, suspended, closed, ...")] = None


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
