"""Brands, their trademarks and their genuine products."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ringfence.model.records.base import Record, V


class Brand(Record):
    """A protected brand and the organisation that owns it."""

    feed: ClassVar[str] = "brands"
    name: Annotated[str, V("name", True, "Brand name")]
    owner: Annotated[str | None, V("text", False, "Rights holder (company)")] = None
    aliases: Annotated[list[str], V("list:text", False, "Other spellings; ';'-separated")] = Field(
        default_factory=list
    )
    country: Annotated[str | None, V("country", False, "Rights holder's country")] = None


class Trademark(Record):
    """A registered trademark of a brand."""

    feed: ClassVar[str] = "trademarks"
    brand: Annotated[str, V("name", True, "Brand name")]
    registration_number: Annotated[str, V("identifier", True, "Registration number")]
    office: Annotated[str | None, V("text", False, "Office: EUIPO, USPTO, WIPO, ...")] = None
    nice_classes: Annotated[list[str], V("list:key", False, "Nice classes; ';'-separated")] = Field(
        default_factory=list
    )
    mark_text: Annotated[str | None, V("text", False, "Word mark")] = None


class Product(Record):
    """A genuine product of a brand: what its goods look like on paper."""

    feed: ClassVar[str] = "products"
    brand: Annotated[str, V("name", True, "Brand name")]
    name: Annotated[str, V("text", True, "Product name")]
    gtin: Annotated[str | None, V("gtin", False, "GTIN barcode")] = None
    hs_codes: Annotated[list[str], V("list:hs_code", False, "HS codes; ';'-separated")] = Field(
        default_factory=list
    )
    price_min: Annotated[float | None, V("number", False, "Lowest genuine unit price")] = None
    price_max: Annotated[float | None, V("number", False, "Highest genuine unit price")] = None
    currency: Annotated[str | None, V("currency", False, "Currency of prices")] = None
    authorised_sellers: Annotated[
        list[str], V("list:key", False, "Authorised seller ids; ';'-separated")
    ] = Field(default_factory=list)
    manufacturing_countries: Annotated[
        list[str], V("list:country", False, "Countries of manufacture; ';'-separated")
    ] = Field(default_factory=list)
