"""Countries (ISO 3166-1 alpha-2) and customs HS codes."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

import pycountry

from ringfence.model.types.base import InvalidValue, ValueType

# Codes that customs and carrier data use although ISO does not assign them to a country.
_EXTRA_CODES = {"XK": "XK", "EU": "EU", "UK": "GB", "EL": "GR"}


@lru_cache(maxsize=4096)
def _lookup_country(text: str) -> str | None:
    key = text.strip()
    if key.upper() in _EXTRA_CODES:
        return _EXTRA_CODES[key.upper()]
    try:
        return str(pycountry.countries.lookup(key).alpha_2)
    except LookupError:
        pass
    if len(key) <= 3:
        return None  # an unknown code, not a name: fuzzy search would turn "XX" into Malta
    try:
        matches = pycountry.countries.search_fuzzy(key)
    except LookupError:
        return None
    return str(matches[0].alpha_2) if len(matches) == 1 else None


class CountryType(ValueType):
    """A country as an ISO 3166-1 alpha-2 code; accepts alpha-3, numeric codes and names."""

    name: ClassVar[str] = "country"

    def clean(self, raw: str, hint: str | None = None) -> str:
        text = raw.strip()
        if not text:
            raise InvalidValue("empty")
        code = _lookup_country(text)
        if code is None:
            raise InvalidValue("not a country code or name")
        return code


_HS_DIGITS = re.compile(r"[\s.\-]")


class HsCodeType(ValueType):
    """A Harmonized System code: 4 to 10 digits, separators removed (``6403.99`` → ``640399``)."""

    name: ClassVar[str] = "hs_code"

    def clean(self, raw: str, hint: str | None = None) -> str:
        digits = _HS_DIGITS.sub("", raw)
        if not digits.isdigit():
            raise InvalidValue("HS code must be digits")
        if len(digits) % 2 == 1 and len(digits) in (5, 7, 9):
            digits = "0" + digits  # a leading zero lost by a spreadsheet
        if not 4 <= len(digits) <= 10:
            raise InvalidValue("HS code must have 4 to 10 digits")
        chapter = int(digits[:2])
        if not 1 <= chapter <= 97:
            raise InvalidValue(f"HS chapter {digits[:2]} does not exist")
        return digits
