"""Party identities: who exists in the world, with clean identifiers, and their noisy renderings."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

import numpy as np
from stdnum import iban

from ringfence.sim import aliases
from ringfence.sim.aliases import Phone
from ringfence.sim.vocab import (
    CN_EMAIL_DOMAINS,
    CN_GIVEN,
    CN_PARKS,
    CN_SURNAMES,
    CN_TRADE_WORDS,
    COMPANY_FORMS,
    COUNTRIES,
    EMAIL_DOMAINS,
    EU_GIVEN,
    EU_SURNAMES,
    EU_TRADE_WORDS,
    RU_GIVEN,
    RU_SURNAMES,
    RU_TRADE_WORDS,
    TR_GIVEN,
    TR_SURNAMES,
    TR_TRADE_WORDS,
)

PARTY_FIELDS = ("name", "street", "city", "postcode", "country", "phone", "email", "identifier",
                "bank_account", "website")


@dataclass(frozen=True)
class Address:
    """A postal address in its clean form."""

    street: str
    number: int
    unit: str
    city: str
    postcode: str
    country: str


@dataclass(frozen=True)
class Identity:
    """One party identity: a legitimate trader, a forwarder, or one alias of a counterfeit ring.

    ``id`` is the ground-truth entity id; ``ring`` is set for ring aliases.
    """

    id: str
    kind: str
    schema: str
    culture: str
    name_parts: tuple[str, ...]
    address: Address
    phone: Phone
    email: str
    identifier: str | None = None
    bank: str | None = None
    website: str | None = None
    ring: str | None = None
    form: int = 0
    meta: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def country(self) -> str:
        return self.address.country

    def render(self, rng: np.random.Generator, noisy: bool,
               local_phone: bool = True) -> dict[str, str | None]:
        """One rendering of the identity's fields, clean (variant 0) or with noise.

        ``local_phone=False`` when the reader cannot know the country (no ISO country column),
        so the phone always carries its country code."""
        if self.schema == "Person":
            given, surname = self.name_parts[0], self.name_parts[1]
            name = aliases.person_name(self.culture, given, surname, rng, noisy)
        else:
            # Legal forms follow the country of registration; Russian rings keep their own.
            forms = self.culture if self.culture == "RU" or self.country not in COMPANY_FORMS \
                else self.country
            name = aliases.company_name(forms, self.name_parts[0], self.form, rng, noisy)
        a = self.address
        local_ok = local_phone and self.phone.country == a.country
        style = int(rng.integers(6)) if noisy else 0
        fields: dict[str, str | None] = {
            "name": name,
            "street": aliases.street(a.street, a.number, a.unit, rng, noisy),
            "city": a.city.upper() if noisy and rng.random() < 0.2 else a.city,
            "postcode": a.postcode or None,
            "country": a.country,
            "phone": self.phone.render(style, local_ok),
            "email": aliases.email_variant(self.email, rng, noisy),
            "identifier": self.identifier,
            "bank_account": self.bank,
            "website": self.website,
        }
        if noisy:
            aliases.mess(fields, self.schema == "Person", side_stream(rng, 7))
        return fields


def side_stream(rng: np.random.Generator, salt: int) -> np.random.Generator:
    """A generator seeded from ``rng``'s state without drawing from it: noise added with it
    leaves every other simulated decision as it was in a world without that noise."""
    state = repr(rng.bit_generator.state).encode()
    return np.random.default_rng([zlib.crc32(state), zlib.adler32(state), salt])


def variants(identity: Identity, k: int, rng: np.random.Generator) -> list[dict[str, str | None]]:
    """``k`` renderings of an identity: the clean one first, then noisy ones."""
    return [identity.render(rng, noisy=i > 0) for i in range(k)]


def postcode(country: str, prefix: str, rng: np.random.Generator) -> str:
    """A postcode in the country's pattern (none where the country has none)."""
    if country in ("HK", "AE"):
        return ""
    digits = "".join(str(d) for d in rng.integers(0, 10, 6))
    if country == "NL":
        return f"{prefix}{digits[:2]} {''.join(rng.choice(list('ABCEGHJKLMNPRSTVWXZ'), 2))}"
    if country == "GB":
        return f"{prefix}{digits[0]}{''.join(rng.choice(list('ABDEFGHJLNPQRSTUWXYZ'), 2))}"
    if country == "PL":
        return f"{prefix}-{digits[:3]}"
    length = {"CN": 6, "SG": 6, "VN": 6, "TR": 5, "MY": 5, "US": 5, "DE": 5, "FR": 5, "IT": 5,
              "ES": 5, "BE": 4}.get(country, 5)
    return (prefix + digits)[:length]


def make_address(country: str, rng: np.random.Generator) -> Address:
    """A random address in ``country``."""
    info = COUNTRIES[country]
    city, prefix = info["cities"][int(rng.integers(len(info["cities"])))]
    base = info["streets"][int(rng.integers(len(info["streets"])))]
    unit = ""
    if country in ("CN", "HK"):
        park = CN_PARKS[int(rng.integers(len(CN_PARKS)))]
        unit = f"Room {int(rng.integers(2, 30))}{int(rng.integers(1, 20)):02d}, {park}, "
    return Address(base, int(rng.integers(1, 300)), unit, city, postcode(country, prefix, rng),
                   country)


def make_phone(country: str, rng: np.random.Generator) -> Phone:
    """A mobile number of ``country`` that parses as possible."""
    cc, prefixes, length = COUNTRIES[country]["phone"]
    prefix = prefixes[int(rng.integers(len(prefixes)))]
    rest = "".join(str(d) for d in rng.integers(0, 10, length - len(prefix)))
    return Phone(cc, prefix + rest, country)


def make_bank(country: str, rng: np.random.Generator) -> str:
    """A bank account: an IBAN with valid check digits in IBAN countries, else a local number."""
    digits = "".join(str(d) for d in rng.integers(0, 10, 24))
    bban = {"NL": "ABNA" + digits[:10], "DE": digits[:18], "BE": digits[:12],
            "TR": digits[:5] + "0" + digits[6:22], "AE": digits[:19]}.get(country)
    if bban is None:
        return digits[: 16 if country == "CN" else 12]
    check = iban.calc_check_digits(f"{country}00{bban}")
    return f"{country}{check}{bban}"


def person_parts(culture: str, rng: np.random.Generator) -> tuple[str, str]:
    """A (given name, surname) pair typical of ``culture``."""
    given, sur = {"CN": (CN_GIVEN, CN_SURNAMES), "HK": (CN_GIVEN, CN_SURNAMES),
                  "RU": (RU_GIVEN, RU_SURNAMES), "TR": (TR_GIVEN, TR_SURNAMES),
                  "AE": (TR_GIVEN, TR_SURNAMES)}.get(culture, (EU_GIVEN, EU_SURNAMES))
    return str(rng.choice(given)), str(rng.choice(sur))


def company_core(culture: str, place: str, rng: np.random.Generator, country: str = "") -> str:
    """A company name without its legal form, e.g. ``Shenzhen Haoyun Trading``."""
    words = {"CN": CN_TRADE_WORDS, "HK": CN_TRADE_WORDS, "RU": RU_TRADE_WORDS,
             "TR": TR_TRADE_WORDS, "AE": TR_TRADE_WORDS}.get(culture, EU_TRADE_WORDS)
    key = country if country in COMPANY_FORMS and culture != "RU" else culture
    activity = COMPANY_FORMS.get(key, COMPANY_FORMS["EU"])[1]
    word, act = str(rng.choice(words)), str(rng.choice(activity))
    return f"{place} {word} {act}" if culture in ("CN", "RU") else f"{word} {act}"


def _slug(text: str) -> str:
    return "".join(ch for ch in aliases.fold_to(text, "ascii").lower() if ch.isalnum())[:14]


# The mailboxes already given out in the world being built (``unique_mailboxes``).
_MAILBOXES: ContextVar[set[str] | None] = ContextVar("mailboxes", default=None)


@contextmanager
def unique_mailboxes() -> Iterator[None]:
    """Within the block no two fresh identities get one mailbox.

    A provider gives an address to one holder; drawing ``luca.novak42@yahoo.com`` for two
    Luca Novaks in one town (a number from 1 to 998 and four domains) made namesakes share a
    mailbox, which real data does not show. Rings still share theirs on purpose (``share``).
    """
    token = _MAILBOXES.set(set())
    try:
        yield
    finally:
        _MAILBOXES.reset(token)


def _mailbox(local: str, number: int, domain: str) -> str:
    """``local`` + ``number`` @ ``domain``, the number raised by 1000 while the address is taken
    (the random stream is not touched, so the rest of the world stays as it was)."""
    taken = _MAILBOXES.get()
    email = f"{local}{number}@{domain}"
    while taken is not None and email in taken:
        number += 1000
        email = f"{local}{number}@{domain}"
    if taken is not None:
        taken.add(email)
    return email


def make_identity(ident: str, kind: str, culture: str, country: str, rng: np.random.Generator,
                  person: bool | None = None, ring: str | None = None) -> Identity:
    """A fresh identity with its own name, address, phone, e-mail, identifier and bank."""
    addr = make_address(country, rng)
    if person is None:
        person = rng.random() < 0.35
    if person:
        parts: tuple[str, ...] = person_parts(culture, rng)
        local = ".".join(_slug(aliases.transliterate(p)) for p in parts)
    else:
        parts = (company_core(culture, addr.city, rng, country),)
        words = parts[0].split()
        # The fanciful trade word makes the mailbox (``haoyun88@163.com``), not the city.
        skip = len(addr.city.split()) if culture in ("CN", "RU") else 0
        local = _slug(words[min(skip, len(words) - 1)]) or "info"
    domains = CN_EMAIL_DOMAINS if culture in ("CN", "HK") else EMAIL_DOMAINS
    email = _mailbox(local, int(rng.integers(1, 999)), str(rng.choice(domains)))
    eu = country in ("NL", "DE", "BE", "FR", "PL", "IT", "ES")
    identifier = f"{country}{int(rng.integers(10**8, 10**9))}" if (eu and not person) else None
    if country == "CN" and not person:
        identifier = "91440300" + "".join(rng.choice(list("0123456789ABCDEFGHJKLMNPQRTUWXY"), 10))
    website = None if person or rng.random() < 0.5 else f"www.{_slug(parts[0])}.com"
    return Identity(ident, kind, "Person" if person else "Company", culture, parts, addr,
                    make_phone(country, rng), email, identifier, make_bank(country, rng),
                    website, ring, form=int(rng.integers(4)))


def share(identity: Identity, other: Identity, what: str) -> Identity:
    """``identity`` with one identifier taken from ``other`` (an address, phone, e-mail, bank)."""
    attr = {"address": "address", "phone": "phone", "email": "email", "bank": "bank"}[what]
    return replace(identity, **{attr: getattr(other, attr)})
