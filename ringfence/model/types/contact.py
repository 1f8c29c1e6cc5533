"""Phone numbers (E.164) and e-mail addresses."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

import phonenumbers

from ringfence.model.types.base import InvalidValue, ValueType


class PhoneType(ValueType):
    """A phone number in E.164 form (``+4930123456``).

    The hint is the ISO country to assume for numbers written without a country code (the row's
    own ``country`` at ingestion). A number that is not possible in its country is refused; an
    optional field then keeps it unverified: ``~`` and its digits, for exact matching only (a
    value already in that form stays as it is).
    """

    name: ClassVar[str] = "phone"

    def clean(self, raw: str, hint: str | None = None) -> str:
        text = raw.strip()
        if _UNVERIFIED_FORM.match(text):  # stored unverified, read back (a lake export)
            return text
        if not any(ch.isdigit() for ch in text):
            raise InvalidValue("phone number has no digits")
        if text.startswith("00"):
            text = "+" + text[2:]
        fast = _plain_e164(text, (hint or "").upper())
        if fast is not None:
            return fast
        try:
            number = phonenumbers.parse(text, (hint or "").upper() or None)
        except phonenumbers.NumberParseException as exc:
            raise InvalidValue("not a phone number" + _phone_reason(exc)) from None
        if not phonenumbers.is_possible_number(number):
            raise InvalidValue("not a possible phone number")
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def salvage(self, raw: str, hint: str | None = None) -> str | None:
        """The unverified form of a number ``clean`` refused, or None if it is not one at all.

        See ``unverified_phone``.
        """
        return unverified_phone(raw)


UNVERIFIED = "~"
"""Prefix of an unverified phone: never E.164 (which starts with ``+``), so it only ever equals
the same digits written the same way, and nothing mistakes it for a checked number."""
_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s\-./()]+$")
_UNVERIFIED_FORM = re.compile(r"^~\+?\d{5,17}$")


def unverified_phone(raw: str) -> str | None:
    """Digits of a phone-like value kept for exact matching only: ``~+339959008351``.

    Written internationally (``+`` or ``00``), the value is ``~+`` and the digits after that
    prefix; written nationally, ``~`` and the digits as written. Values with letters or other
    signs, or with fewer than 5 or more than 17 digits, are not kept (None).
    """
    text = raw.strip()
    if not _PHONE_CHARACTERS.match(text):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if not 5 <= len(digits) <= 17:
        return None
    return UNVERIFIED + ("+" if international else "") + digits


def is_unverified_phone(value: str | None) -> bool:
    """Whether a stored phone is an unverified one (see ``unverified_phone``)."""
    return bool(value) and str(value).startswith(UNVERIFIED)


def phone_or_unverified(raw: str, country: str | None = None) -> str | None:
    """E.164 of ``raw`` (``country`` the default region), else its unverified form, else None.

    What ingestion stores for an optional phone; for cleaning a query the way the lake holds it.
    """
    try:
        return PhoneType().clean(raw, country)
    except InvalidValue:
        return unverified_phone(raw)


_FORMATTING = re.compile(r"[\s\-./()]")


_Simple = tuple[str, str | None, frozenset[int], re.Pattern[str], re.Pattern[str] | None]


@lru_cache(maxsize=512)
def _simple_metadata(region: str) -> _Simple | None:
    """(country code, trunk prefix, possible lengths, number pattern, international dialling
    prefix) of a region whose numbers need no rule beyond dropping a plain trunk prefix; None
    for the others (carrier codes, prefix-transform rules): only the full parser handles them."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.general_desc is None or meta.national_prefix_transform_rule:
        return None
    prefix = meta.national_prefix
    if meta.national_prefix_for_parsing not in (None, prefix):
        return None
    pattern = re.compile(meta.general_desc.national_number_pattern or "\\d+")
    idd = re.compile(meta.international_prefix) if meta.international_prefix else None
    lengths = frozenset(meta.general_desc.possible_length)
    return str(meta.country_code), prefix, lengths, pattern, idd


def _plain_e164(text: str, region: str) -> str | None:
    """E.164 of a plainly written number without the full parser, or None to use the parser.

    The full parser costs ~30 µs a number and dominates ingesting carrier manifests (hundreds of
    thousands of distinct consignee phones). Plain international (+CC ...) and national numbers
    of regions with simple trunk-prefix rules are converted here, and only when the result has a
    possible length and matches the region's number pattern; a test checks that this agrees with
    the parser on every region's example numbers.
    """
    compact = _FORMATTING.sub("", text)
    international = compact.startswith("+")
    digits = compact[1:] if international else compact
    if not digits.isdigit() or not 4 <= len(digits) <= 17:
        return None
    if international:
        for size in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size]))
            if regions:
                region = regions[0]
                break
        else:
            return None
    meta = _simple_metadata(region) if region else None
    if meta is None:
        return None
    code, prefix, lengths, pattern, idd = meta
    if international:
        if not digits.startswith(code):
            return None
        national = digits[len(code):]
    elif idd is not None and idd.match(digits):
        return None  # dialled with the region's international prefix: the parser's job
    else:
        national = digits[len(prefix):] if prefix and digits.startswith(prefix) else digits
    if len(national) not in lengths or not pattern.fullmatch(national):
        return None
    return f"+{code}{national}"


def _phone_reason(exc: phonenumbers.NumberParseException) -> str:
    if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
        return " (no country code and no default country)"
    return ""


# Deliberately permissive: a real mailbox check is impossible offline; this catches garbage.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


class EmailType(ValueType):
    """An e-mail address, lower-cased, with ``mailto:`` and angle brackets removed."""

    name: ClassVar[str] = "email"

    def clean(self, raw: str, hint: str | None = None) -> str:
        text = raw.strip().strip("<>").strip()
        if text.lower().startswith("mailto:"):
            text = text[7:]
        text = text.lower()
        if not _EMAIL.match(text):
            raise InvalidValue("not an e-mail address")
        return text
