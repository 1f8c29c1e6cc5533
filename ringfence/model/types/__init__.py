"""Value types: one small class per kind of value, all with the ``ValueType`` interface.

``registry`` maps a type name (as used in the record declarations and mapping files) to its
shared instance.
"""

from ringfence.model.types.base import InvalidValue, ValueType
from ringfence.model.types.contact import EmailType, PhoneType
from ringfence.model.types.identifiers import BankAccountType, GtinType, IbanType, IdentifierType
from ringfence.model.types.places import CountryType, HsCodeType
from ringfence.model.types.quantities import (
    BirthDateType,
    CountType,
    CurrencyType,
    DateType,
    FlagType,
    NumberType,
    RateType,
    SignedNumberType,
)
from ringfence.model.types.text import EnumType, KeyType, NameType, TextType

text = TextType()
name = NameType()
key = KeyType()
country = CountryType()
hs_code = HsCodeType()
phone = PhoneType()
email = EmailType()
gtin = GtinType()
iban = IbanType()
bank_account = BankAccountType()
identifier = IdentifierType()
date = DateType()
birth_date = BirthDateType()
number = NumberType()
signed_number = SignedNumberType()
rate = RateType()
count = CountType()
currency = CurrencyType()
flag = FlagType()

registry: dict[str, ValueType] = {
    t.name: t
    for t in (
        text,
        name,
        key,
        country,
        hs_code,
        phone,
        email,
        gtin,
        iban,
        bank_account,
        identifier,
        date,
        birth_date,
        number,
        signed_number,
        rate,
        count,
        currency,
        flag,
    )
}

__all__ = [
    "EnumType",
    "InvalidValue",
    "ValueType",
    "registry",
]
