"""Value types: known values clean as a customs officer would expect; junk never crashes."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.model import types
from ringfence.model.feeds import value_type
from ringfence.model.types import InvalidValue
from ringfence.model.types.contact import is_unverified_phone, phone_or_unverified

GOOD = [
    ("country", "DE", "DE"),
    ("country", "deu", "DE"),
    ("country", "Germany", "DE"),
    ("country", "UK", "GB"),
    ("phone", "+49 30 1234567", "+49301234567"),
    ("phone", "0086-138-0013-8000", "+8613800138000"),
    ("email", " <Info@Example.COM> ", "info@example.com"),
    ("gtin", "4006381333931", "04006381333931"),
    ("hs_code", "6403.99", "640399"),
    ("hs_code", "42021", "042021"),
    ("iban", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("bank_account", "de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("identifier", "nl-123.456", "NL123456"),
    ("date", "2024-02-29", dt.date(2024, 2, 29)),
    ("number", "1,234.5", 1234.5),
    ("count", "12.0", 12),
    ("rate", "7.8123", 7.8123),
    ("currency", "eur", "EUR"),
    ("flag", "Yes", True),
    ("name", "  ACME   Trading\tLtd ", "ACME Trading Ltd"),
]

BAD = [
    ("country", "Atlantis"),
    ("country", "XX"),
    ("phone", "call me"),
    ("phone", "12"),
    ("email", "not-an-email"),
    ("gtin", "4006381333932"),
    ("hs_code", "99x"),
    ("hs_code", "990000"),
    ("iban", "DE00 0000"),
    ("date", "2024-02-30"),
    ("date", "31/01/2024"),
    ("number", "-5"),
    ("number", "nan"),
    ("count", "1.5"),
    ("rate", "0"),
    ("rate", "-1.2"),
    ("currency", "EURO"),
    ("flag", "maybe"),
    ("name", "---"),
]


@pytest.mark.parametrize(("type_name", "raw", "expected"), GOOD)
def test_clean_known_values(type_name: str, raw: str, expected: object) -> None:
    assert value_type(type_name).clean(raw) == expected


@pytest.mark.parametrize(("type_name", "raw"), BAD)
def test_reject_known_bad_values_with_reason(type_name: str, raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        value_type(type_name).clean(raw)
    assert str(info.value)


def test_hints_change_interpretation() -> None:
    assert types.date.clean("31.01.2024", "%d.%m.%Y") == dt.date(2024, 1, 31)
    assert types.phone.clean("030 1234567", "DE") == "+49301234567"
    assert types.number.clean("1.234,50", "comma") == 1234.5
    with pytest.raises(InvalidValue):
        types.identifier.clean("DE123", "vat")


@settings(max_examples=200, deadline=None)
@given(type_name=st.sampled_from(sorted(types.registry)), raw=st.text(max_size=40))
def test_any_text_cleans_or_gives_a_reason(type_name: str, raw: str) -> None:
    try:
        value_type(type_name).clean(raw)
    except InvalidValue as exc:
        assert str(exc)


@settings(max_examples=100, deadline=None)
@given(
    type_name=st.sampled_from(sorted(types.registry)),
    values=st.lists(st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["DE", "1", ""]))),
)
def test_clean_column_agrees_with_clean(type_name: str, values: list[str | None]) -> None:
    vtype = value_type(type_name)
    cleaned, reasons = vtype.clean_column(pa.array(values, type=pa.string()))
    assert len(cleaned) == len(values) == len(reasons)
    for raw, value, reason in zip(values, cleaned.to_pylist(), reasons.to_pylist(), strict=True):
        if raw is None or not raw.strip():
            assert value is None and reason is None
            continue
        try:
            assert value == vtype.clean(raw)
            assert reason is None
        except InvalidValue:
            assert value is None and reason


def _parser_e164(text: str, region: str) -> str:
    """What the full phonenumbers parser makes of a number (the reference for the fast path)."""
    import phonenumbers

    text = text.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return "invalid"
    if not phonenumbers.is_possible_number(number):
        return "invalid"
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _ours(text: str, region: str) -> str:
    try:
        return str(types.phone.clean(text, region or None))
    except InvalidValue:
        return "invalid"


def test_phone_fast_path_agrees_with_the_parser_on_every_regions_examples() -> None:
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for fmt in (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL):
                text = phonenumbers.format_number(example, fmt)
                for hint in (region, ""):
                    assert _ours(text, hint) == _parser_e164(text, hint), (text, hint)
                    checked += 1
    assert checked > 5_000


@settings(max_examples=500, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=3, max_size=17),
    plus=st.booleans(),
    region=st.sampled_from(["", "NL", "DE", "CN", "US", "GB", "IT", "BR", "AR", "FR", "IN", "RU"]),
)
def test_phone_fast_path_agrees_with_the_parser_on_any_digits(
    digits: str, plus: bool, region: str
) -> None:
    text = ("+" if plus else "") + digits
    assert _ours(text, region) == _parser_e164(text, region)


@pytest.mark.parametrize(
    ("raw", "country", "stored"),
    [
        ("+33 995 900 8351", "FR", "~+339959008351"),  # impossible: kept unverified
        ("0034-0049680172", "ES", "~+340049680172"),
        ("030 1234567", "DE", "+49301234567"),  # local number, the row's country
        ("030 1234567", None, "~0301234567"),  # local number, no country: unverified
        ("(0) 30-12 34 56", None, "~030123456"),
        ("n/a", "DE", None),  # not a phone at all: nothing kept
        ("tel 123456", None, None),
        ("1234", None, None),  # too few digits to mean anything
    ],
)
def test_phone_or_unverified(raw: str, country: str | None, stored: str | None) -> None:
    assert phone_or_unverified(raw, country) == stored
    assert is_unverified_phone(stored) == (stored is not None and stored.startswith("~"))


def test_only_phones_keep_a_refused_value() -> None:
    assert types.phone.salvage("+33 995 900 8351") == "~+339959008351"
    assert types.email.salvage("john.doe@example") is None
    assert types.country.salvage("Narnia") is None


def test_a_screening_query_phone_is_cleaned_as_ingestion_stores_it() -> None:
    from ringfence.resolve.screen.clean import clean_query

    assert clean_query({"name": "A", "phone": "+33 995 900 8351"})["phone"] == "~+339959008351"
    assert clean_query({"name": "A", "phone": "030 1234567", "country": "DE"})["phone"] == (
        "+49301234567"
    )


def test_an_unverified_phone_cleans_to_itself() -> None:
    """Lake rows re-ingested (seizures promoted to the watchlist) keep their unverified phones."""
    stored = phone_or_unverified("+33 995 900 8351", "FR")
    assert stored is not None
    assert types.phone.clean(stored) == stored
    assert phone_or_unverified(stored, "DE") == stored
    assert phone_or_unverified("~12", None) is None
