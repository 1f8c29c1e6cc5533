"""Dates, numbers, counts, currencies and flags."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import ClassVar

import pyarrow as pa
import pycountry

from ringfence.model.types.base import InvalidValue, ValueType

_ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y%m%d")
_EARLIEST, _LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


class DateType(ValueType):
    """A calendar date. The hint is a ``strptime`` format; without one ISO forms are tried."""

    name: ClassVar[str] = "date"
    arrow_type: ClassVar[pa.DataType] = pa.date32()

    def clean(self, raw: str, hint: str | None = None) -> dt.date:
        text = raw.strip()
        for fmt in (hint,) if hint else _ISO_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            fmt_text = f"format {hint}" if hint else "an ISO date (YYYY-MM-DD)"
            raise InvalidValue(f"not a date in {fmt_text}")
        if not _EARLIEST <= parsed.date() <= _LATEST:
            raise InvalidValue("date outside 1900-2100")
        return parsed.date()


_BIRTH_DATE = re.compile(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?")
_LATEST_BIRTH_YEAR = 2100


class BirthDateType(ValueType):
    """A date of birth, whole or partial as registers and sanctions lists give it: ISO text
    ``1956-09-09``, ``1956-09`` or ``1956`` (``19560909`` read too; with a hint, a ``strptime``
    format for whole dates). Kept as text so a year alone stays a year; any year from 1 to 2100
    (historical records), unlike ``date``."""

    name: ClassVar[str] = "birth_date"
    arrow_type: ClassVar[pa.DataType] = pa.string()

    def clean(self, raw: str, hint: str | None = None) -> str:
        text = raw.strip()
        if hint:
            try:
                return dt.datetime.strptime(text, hint).date().isoformat()
            except ValueError:
                raise InvalidValue(f"not a date in format {hint}") from None
        match = _BIRTH_DATE.fullmatch(text)
        if match is None:
            raise InvalidValue("not a date of birth (YYYY-MM-DD, YYYY-MM or YYYY)")
        year, month, day = match.groups()
        if not 1 <= int(year) <= _LATEST_BIRTH_YEAR:
            raise InvalidValue(f"year outside 1-{_LATEST_BIRTH_YEAR}")
        if day is not None:
            try:
                dt.date(int(year), int(month), int(day))
            except ValueError:
                raise InvalidValue("not a calendar date") from None
            return f"{year}-{month}-{day}"
        if month is not None:
            if not 1 <= int(month) <= 12:
                raise InvalidValue("not a month (01-12)")
            return f"{year}-{month}"
        return year


_THOUSANDS = re.compile(r"(?<=\d)[ ,'](?=\d{3}\b)")


class NumberType(ValueType):
    """A non-negative decimal number; ``1 234,5`` style input needs hint ``comma``."""

    name: ClassVar[str] = "number"
    arrow_type: ClassVar[pa.DataType] = pa.float64()

    def clean(self, raw: str, hint: str | None = None) -> float:
        text = raw.strip()
        if hint == "comma":
            text = text.replace(".", "").replace(" ", "").replace(",", ".")
        else:
            text = _THOUSANDS.sub("", text)
        try:
            value = float(text)
        except ValueError:
            raise InvalidValue("not a number") from None
        if math.isnan(value) or math.isinf(value):
            raise InvalidValue("not a finite number")
        if value < 0:
            raise InvalidValue("must not be negative")
        return value


class SignedNumberType(NumberType):
    """A decimal number that may be negative (a seller's signal, e.g. a change in ratings)."""

    name: ClassVar[str] = "signed_number"

    def clean(self, raw: str, hint: str | None = None) -> float:
        text = raw.strip()
        negative = text.startswith("-")
        value = super().clean(text[1:] if negative else text, hint)
        return -value if negative else value


class RateType(NumberType):
    """A number greater than zero: an exchange rate, which divides."""

    name: ClassVar[str] = "rate"

    def clean(self, raw: str, hint: str | None = None) -> float:
        value = super().clean(raw, hint)
        if value == 0:
            raise InvalidValue("must be greater than zero")
        return value


class CountType(ValueType):
    """A whole, non-negative count (``12``, ``12.0``)."""

    name: ClassVar[str] = "count"
    arrow_type: ClassVar[pa.DataType] = pa.int64()

    def clean(self, raw: str, hint: str | None = None) -> int:
        value = NumberType().clean(raw, hint)
        if value != int(value):
            raise InvalidValue("must be a whole number")
        if value > 2**53:
            raise InvalidValue("too large")
        return int(value)


class CurrencyType(ValueType):
    """An ISO 4217 currency code (``EUR``)."""

    name: ClassVar[str] = "currency"

    def clean(self, raw: str, hint: str | None = None) -> str:
        code = raw.strip().upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            raise InvalidValue("not an ISO 4217 currency code")
        return code


_TRUE = {"1", "true", "t", "yes", "y", "x"}
_FALSE = {"0", "false", "f", "no", "n", ""}


class FlagType(ValueType):
    """A yes/no flag (``1/0``, ``true/false``, ``yes/no``)."""

    name: ClassVar[str] = "flag"
    arrow_type: ClassVar[pa.DataType] = pa.bool_()

    def clean(self, raw: str, hint: str | None = None) -> bool:
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidValue("not a yes/no flag")
