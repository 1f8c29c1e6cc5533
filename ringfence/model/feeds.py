"""Feed kinds derived from the record declarations: fields, value types and Arrow schemas.

Everything here is computed from ``records``; nothing about a field is said twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, get_args, get_origin, get_type_hints

import pyarrow as pa

from ringfence.errors import UserError
from ringfence.model import types
from ringfence.model.records import (
    COMPLAINT_DECISIONS,
    OUTCOME_RESULTS,
    PARTY_LINK_KINDS,
    PARTY_ROLES,
    PARTY_SCHEMAS,
    PROVENANCE_FIELDS,
    RECORD_CLASSES,
    SELLER_OUTCOMES,
    SHIPMENT_KINDS,
    Record,
    V,
)

_ENUMS: dict[str, types.ValueType] = {
    "party_schema": types.EnumType(PARTY_SCHEMAS),
    "party_role": types.EnumType(PARTY_ROLES),
    "party_link_kind": types.EnumType(PARTY_LINK_KINDS),
    "shipment_kind": types.EnumType(SHIPMENT_KINDS),
    "outcome_result": types.EnumType(OUTCOME_RESULTS),
    "complaint_decision": types.EnumType(COMPLAINT_DECISIONS),
    "seller_outcome": types.EnumType(SELLER_OUTCOMES),
}

# Where a ``*_ref`` field points: (record class name, field) -> feed of the referenced record.
REF_TARGETS: dict[tuple[str, str], str] = {
    ("Shipment", "shipper_ref"): "parties",
    ("Shipment", "consignee_ref"): "parties",
    ("Shipment", "importer_ref"): "parties",
    ("Shipment", "declarant_ref"): "parties",
    ("Shipment", "seller_ref"): "parties",
    ("Shipment", "courier_ref"): "parties",
    ("Outcome", "shipment_ref"): "shipments",
    ("Listing", "seller_ref"): "sellers",
    ("WatchlistEntry", "seller_account_ref"): "sellers",
    ("Complaint", "listing_ref"): "listings",
    ("PageView", "listing_ref"): "listings",
    ("SellerSignal", "seller_ref"): "sellers",
    ("SellerLink", "seller_ref"): "sellers",
    ("SellerLink", "other_seller_ref"): "sellers",
    ("SellerOutcome", "seller_ref"): "sellers",
}

FEED_ALIASES = {
    "declarations": "shipments",
    "manifests": "shipments",
    "page-views": "pageviews",
    "party-links": "party_links",
    "seller-links": "seller_links",
    "seller-outcomes": "seller_outcomes",
}


def value_type(type_name: str) -> types.ValueType:
    """The value type for a declared type name (``country``, ``party_role``, ``list:hs_code``)."""
    base = type_name.removeprefix("list:")
    if base in _ENUMS:
        return _ENUMS[base]
    if base in types.registry:
        return types.registry[base]
    raise KeyError(f"unknown value type {type_name!r}")


def _arrow_type(type_name: str) -> pa.DataType:
    if type_name == "timestamp":
        return pa.timestamp("us", tz="UTC")
    inner = value_type(type_name).arrow_type
    return pa.list_(inner) if type_name.startswith("list:") else inner


@dataclass(frozen=True)
class FieldSpec:
    """One field of a feed's records."""

    name: str
    type: str
    required: bool
    doc: str
    ref_feed: str | None = None

    @property
    def canonical_column(self) -> str:
        """Column name in the feed's canonical file format."""
        if self.name == "source_key":
            return "id"
        if self.name == "schema_":
            return "schema"
        return self.name.removesuffix("_ref") if self.ref_feed else self.name

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list:")

    @property
    def arrow_type(self) -> pa.DataType:
        return _arrow_type(self.type)


@dataclass(frozen=True)
class FeedSpec:
    """A feed kind: its record class, fields and Arrow schema."""

    name: str
    record: type[Record]
    fields: tuple[FieldSpec, ...]

    @property
    def schema(self) -> pa.Schema:
        """Arrow schema of the feed's dataset in the analytical store."""
        return pa.schema(
            [pa.field(f.name, f.arrow_type, nullable=not f.required) for f in self.fields]
        )

    @property
    def data_fields(self) -> tuple[FieldSpec, ...]:
        """Fields a source supplies (everything but provenance other than the source key)."""
        return tuple(
            f for f in self.fields if f.name == "source_key" or f.name not in PROVENANCE_FIELDS
        )

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if name in (spec.name, spec.canonical_column):
                return spec
        raise KeyError(name)


def _field_specs(record: type[Record]) -> tuple[FieldSpec, ...]:
    hints = get_type_hints(record, include_extras=True)
    specs = []
    for name in record.model_fields:
        hint = hints[name]
        meta = next((m for m in get_args(hint)[1:] if isinstance(m, V)), None)
        if get_origin(hint) is not Annotated or meta is None:
            raise TypeError(f"{record.__name__}.{name} has no V(...) declaration")
        ref = REF_TARGETS.get((record.__name__, name))
        specs.append(FieldSpec(name, meta.type, meta.required, meta.doc, ref))
    return tuple(specs)


@cache
def feeds() -> dict[str, FeedSpec]:
    """All feed kinds by name."""
    return {r.feed: FeedSpec(r.feed, r, _field_specs(r)) for r in RECORD_CLASSES}


def feed(name: str) -> FeedSpec:
    """The feed kind called ``name`` (aliases such as ``declarations`` accepted)."""
    key = FEED_ALIASES.get(name.lower(), name.lower())
    try:
        return feeds()[key]
    except KeyError:
        known = ", ".join(sorted(feeds()))
        raise UserError(f"unknown feed {name!r}; feeds are: {known}") from None
