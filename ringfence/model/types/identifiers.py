"""Identifiers: GTIN barcodes, IBAN bank accounts and generic registration numbers.

Where a published scheme exists, python-stdnum checks it (check digits included).
"""

from __future__ import annotations

import re
from typing import ClassVar

from stdnum import ean, iban
from stdnum.eu import vat
from stdnum.exceptions import ValidationError

from ringfence.model.types.base import InvalidValue, ValueType

_SEPARATORS = re.compile(r"[\s\-./]")


def _message(exc: ValidationError) -> str:
    return str(getattr(exc, "message", exc) or exc).lower()


_EORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")


class GtinType(ValueType):
    """A GTIN-8/12/13/14 product barcode, as 14 digits with a valid check digit."""

    name: ClassVar[str] = "gtin"

    def clean(self, raw: str, hint: str | None = None) -> str:
        try:
            number = ean.validate(raw)
        except ValidationError as exc:
            raise InvalidValue(f"not a GTIN: {_message(exc)}") from None
        if len(number) not in (8, 12, 13, 14):
            raise InvalidValue("GTIN must have 8, 12, 13 or 14 digits")
        return str(number).zfill(14)


class IbanType(ValueType):
    """An IBAN bank account, compact and upper-case, check digits verified."""

    name: ClassVar[str] = "iban"

    def clean(self, raw: str, hint: str | None = None) -> str:
        try:
            return str(iban.validate(raw))
        except ValidationError as exc:
            raise InvalidValue(f"not an IBAN: {_message(exc)}") from None


class BankAccountType(ValueType):
    """Any bank account number: an IBAN when it is one, else the compact upper-case number."""

    name: ClassVar[str] = "bank_account"

    def clean(self, raw: str, hint: str | None = None) -> str:
        compact = _SEPARATORS.sub("", raw).upper()
        if not compact:
            raise InvalidValue("empty")
        if iban.is_valid(compact):
            return str(iban.compact(compact))
        if not compact.isalnum() or not 5 <= len(compact) <= 34:
            raise InvalidValue("bank account must be 5 to 34 letters and digits")
        return compact


class IdentifierType(ValueType):
    """A registration number (tax, EORI, seller id, ...): compact upper case.

    The hint names a scheme to enforce: ``vat`` (EU VAT, check digits by python-stdnum) or
    ``eori`` (country prefix and up to 15 characters; EORI has no check digit); without one any
    2-64 letters and digits pass.
    """

    name: ClassVar[str] = "identifier"

    def clean(self, raw: str, hint: str | None = None) -> str:
        compact = _SEPARATORS.sub("", raw).upper()
        if hint == "vat":
            try:
                return str(vat.validate(compact))
            except ValidationError as exc:
                raise InvalidValue(f"not an EU VAT number: {_message(exc)}") from None
        if hint == "eori" and not _EORI.match(compact):
            raise InvalidValue("not an EORI number (country code + up to 15 letters and digits)")
        if not compact.isalnum():
            raise InvalidValue("identifier must be letters and digits")
        if not 2 <= len(compact) <= 64:
            raise InvalidValue("identifier must have 2 to 64 characters")
        return compact
