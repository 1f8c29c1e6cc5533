"""Phone numbers (E.164) and e-mail addresses."""

from __future__ import annotations

import re
from typing import ClassVar

import phonenumbers

from ringfence.model.types.base import InvalidValue, ValueType


class PhoneType(ValueType):
    """A phone number in E.164 form (``+4930123456``).

    The hint is the ISO country to assume for numbers written without a country code.
    """

    name: ClassVar[str] = "phone"

    def clean(self, raw: str, hint: str | None = None) -> str:
        text = raw.strip()
        if not any(ch.isdigit() for ch in text):
            raise InvalidValue("phone number has no digits")
        if text.startswith("00"):
            text = "+" + text[2:]
        try:
            number = phonenumbers.parse(text, (hint or "").upper() or None)
        except phonenumbers.NumberParseException as exc:
            raise InvalidValue("not a phone number" + _phone_reason(exc)) from None
        if not phonenumbers.is_possible_number(number):
            raise InvalidValue("not a possible phone number")
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


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
