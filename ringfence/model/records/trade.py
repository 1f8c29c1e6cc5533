"""Shipments (manifest lines and declarations), inspection outcomes and exchange rates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar

from pydantic import Field

from ringfence.model.records.base import Record, V

SHIPMENT_KINDS = ("manifest", "declaration", "parcel")
PARTY_REFS = ("shipper", "consignee", "importer", "declarant", "seller", "courier")
OUTCOME_RESULTS = ("clear", "seized", "irregular", "released", "not_found")


class Shipment(Record):
    """One manifest line, parcel or customs declaration."""

    feed: ClassVar[str] = "shipments"
    kind: Annotated[str, V("shipment_kind", False, "manifest, declaration or parcel")] = "manifest"
    date: Annotated[dt.date, V("date", True, "Declaration, manifest or shipping date")]
    arrival_date: Annotated[dt.date | None, V("date", False, "Expected or actual arrival")] = None
    carrier: Annotated[str | None, V("text", False, "Carrier or airline")] = None
    transport_mode: Annotated[str | None, V("text", False, "Mode of transport code")] = None
    tracking_number: Annotated[str | None, V("key", False, "Air waybill or tracking number")] = None
    origin_country: Annotated[str | None, V("country", False, "Country of origin")] = None
    departure_country: Annotated[str | None, V("country", False, "Country of departure")] = None
    destination_country: Annotated[str | None, V("country", False, "Destination country")] = None
    transit_countries: Annotated[
        list[str],
        V("list:country", False, "Countries of transit legs between departure and entry; "
          "';'-separated"),
    ] = Field(default_factory=list)
    port: Annotated[str | None, V("key", False, "Port or customs office of entry")] = None
    hs_code: Annotated[str | None, V("hs_code", False, "Harmonized System code")] = None
    description: Annotated[str | None, V("text", False, "Goods description as declared")] = None
    quantity: Annotated[float | None, V("number", False, "Number of items")] = None
    weight_kg: Annotated[float | None, V("number", False, "Gross or net weight in kg")] = None
    declared_value: Annotated[float | None, V("number", False, "Declared value")] = None
    currency: Annotated[str | None, V("currency", False, "Currency of declared value")] = None
    value_at_stake: Annotated[
        float | None, V("number", False, "Value at stake (duty, tax) for revenue measures")
    ] = None
    shipper_ref: Annotated[str | None, V("key", False, "Party mention id of the shipper")] = None
    consignee_ref: Annotated[str | None, V("key", False, "Party id of the consignee")] = None
    importer_ref: Annotated[str | None, V("key", False, "Party mention id of the importer")] = None
    declarant_ref: Annotated[str | None, V("key", False, "Party id of the declarant")] = None
    seller_ref: Annotated[str | None, V("key", False, "Party mention id of the seller")] = None
    courier_ref: Annotated[str | None, V("key", False, "Party mention id of the courier")] = None


class Outcome(Record):
    """A labelled result for one shipment: an inspection, a seizure or a historic fraud label.

    One record per shipment and label, so that a source with several labels (KCS: fraud and
    critical fraud) keeps each as its own row.
    """

    feed: ClassVar[str] = "outcomes"
    shipment_ref: Annotated[str, V("key", True, "Shipment id the outcome is about")]
    label: Annotated[str, V("key", True, "Outcome label: fraud, ipr, counterfeit, ...")]
    positive: Annotated[bool, V("flag", True, "Whether the label applies")]
    date: Annotated[dt.date | None, V("date", False, "Date of inspection or decision")] = None
    result: Annotated[str | None, V("outcome_result", False, "clear, seized, ...")] = None
    goods_found: Annotated[str | None, V("text", False, "What was found")] = None
    brand: Annotated[str | None, V("text", False, "Brand of the goods found")] = None
    units: Annotated[int | None, V("count", False, "Units seized")] = None
    value: Annotated[float | None, V("number", False, "Value of goods seized")] = None
    currency: Annotated[str | None, V("currency", False, "Currency of value")] = None


class ExchangeRate(Record):
    """An official exchange rate, valid from its date until the currency's next one.

    Customs authorities publish such tables (monthly, for valuing declarations); scoring uses
    them to compare declared values in one currency (``Settings.base_currency``).
    """

    feed: ClassVar[str] = "exchange_rates"
    currency: Annotated[str, V("currency", True, "Currency the rate converts from")]
    date: Annotated[dt.date, V("date", True, "First day the rate applies")]
    rate: Annotated[float, V("rate", True, "Units of currency per one unit of base_currency")]
    base_currency: Annotated[
        str, V("currency", False, "Currency the rate is quoted against (default EUR)")
    ] = "EUR"
