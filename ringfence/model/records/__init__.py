"""The canonical records, one class per feed kind."""

from ringfence.model.records.base import PROVENANCE_FIELDS, Record, V, make_id
from ringfence.model.records.brands import Brand, Product, Trademark
from ringfence.model.records.marketplace import (
    COMPLAINT_DECISIONS,
    Complaint,
    Listing,
    PageView,
    SellerAccount,
)
from ringfence.model.records.parties import (
    PARTY_LINK_KINDS,
    PARTY_ROLES,
    PARTY_SCHEMAS,
    PartyFields,
    PartyLink,
    PartyMention,
    WatchlistEntry,
)
from ringfence.model.records.trade import (
    OUTCOME_RESULTS,
    PARTY_REFS,
    SHIPMENT_KINDS,
    ExchangeRate,
    Outcome,
    Shipment,
)

RECORD_CLASSES: tuple[type[Record], ...] = (
    PartyMention,
    Shipment,
    Outcome,
    WatchlistEntry,
    Brand,
    Trademark,
    Product,
    SellerAccount,
    Listing,
    Complaint,
    PageView,
    ExchangeRate,
    PartyLink,
)

__all__ = [
    "COMPLAINT_DECISIONS",
    "OUTCOME_RESULTS",
    "PARTY_LINK_KINDS",
    "PARTY_REFS",
    "PARTY_ROLES",
    "PARTY_SCHEMAS",
    "PROVENANCE_FIELDS",
    "RECORD_CLASSES",
    "SHIPMENT_KINDS",
    "Brand",
    "Complaint",
    "ExchangeRate",
    "Listing",
    "Outcome",
    "PageView",
    "PartyFields",
    "PartyLink",
    "PartyMention",
    "Product",
    "Record",
    "SellerAccount",
    "Shipment",
    "Trademark",
    "V",
    "WatchlistEntry",
    "make_id",
]
