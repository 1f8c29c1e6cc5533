"""Noise: how one party's name, phone and address come out differently in different records.

Real records of the same party disagree: a clerk types ``Zhnag``, one system transliterates
``Жуков`` as ``Zhukov`` and another as ``Jukov``, Chinese names come surname-first or not, the
company form is ``Co., Ltd.`` here and ``Company Limited`` there, phones are written with ``+86``,
``0086-`` or no country code at all. Every function here takes a random generator and returns one
such rendering; variant 0 of a party is always its clean, canonical form.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from ringfence.sim.vocab import COMPANY_FORMS, COUNTRIES

# Two real-world transliteration habits (passport-style and older/English-style).
_CYR_A = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
          "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
          "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
          "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia"}
_CYR_B = {**_CYR_A, "ж": "j", "й": "y", "х": "h", "ю": "yu", "я": "ya", "ц": "c"}


def transliterate(text: str, system: int = 0) -> str:
    """Cyrillic to Latin in one of two systems; other characters unchanged."""
    table = _CYR_A if system == 0 else _CYR_B
    out = []
    for ch in text:
        low = ch.lower()
        if low in table:
            rep = table[low]
            out.append(rep.capitalize() if ch != low else rep)
        else:
            out.append(ch)
    return "".join(out)


def fold_to(text: str, encoding: str) -> str:
    """What a system with a one-byte code page makes of ``text``: transliterated, accents dropped
    only where the code page lacks the letter."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in transliterate(text):
        try:
            ch.encode(encoding)
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


def typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip: swapped, dropped or doubled letter (never the first one)."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0]
    if len(letters) < 3:
        return text
    i = int(rng.choice(letters[:-1]))
    kind = int(rng.integers(3))
    if kind == 0 and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


@dataclass(frozen=True)
class Phone:
    """A phone number as country calling code and national significant digits."""

    cc: str
    national: str
    country: str

    def render(self, style: int, local_ok: bool) -> str:
        """The number in one of several common writings; local (no country code) writings only
        when the reader can assume the country."""
        n = self.national
        spaced = " ".join(n[i : i + 4] for i in range(0, len(n), 4))
        trunk = COUNTRIES[self.country]["trunk"]
        styles = [f"+{self.cc} {spaced}", f"00{self.cc}-{n}", f"+{self.cc}-{n[:3]}-{n[3:]}",
                  f"(+{self.cc}) {n}"]
        if local_ok:
            styles += [f"({n[:3]}) {n[3:7]} {n[7:]}".strip(), f"{trunk}{n}"]
        return styles[style % len(styles)]


def person_name(culture: str, given: str, surname: str, rng: np.random.Generator,
                noisy: bool) -> str:
    """A person's name as one record writes it."""
    if culture == "RU":
        if noisy and rng.random() < 0.5:
            given, surname = (transliterate(given, int(rng.integers(2))),
                              transliterate(surname, int(rng.integers(2))))
    elif not noisy:
        return f"{given} {surname}"
    if not noisy:
        return f"{given} {surname}"
    style = int(rng.integers(5))
    if culture == "CN":
        forms = [f"{surname} {given}", f"{given} {surname}", f"{surname.upper()} {given}",
                 f"{surname}{given.lower()}", f"{surname.upper()} {given.upper()}"]
    else:
        forms = [f"{given} {surname}", f"{surname.upper()} {given}", f"{surname}, {given}",
                 f"{given} {surname}".upper(), f"{given[0]}. {surname}"]
    name = forms[style]
    return typo(name, rng) if rng.random() < 0.2 else name


def company_name(culture: str, core: str, form: int, rng: np.random.Generator,
                 noisy: bool) -> str:
    """A company's name with its legal form; noise changes the form's writing, case, typos."""
    forms = COMPANY_FORMS.get(culture, COMPANY_FORMS["EU"])[0]
    if not noisy:
        return f"{core} {forms[form % len(forms)]}"
    if culture == "RU" and rng.random() < 0.6:
        core = transliterate(core, int(rng.integers(2)))
    name = f"{core} {forms[int(rng.integers(len(forms)))]}"
    roll = rng.random()
    if roll < 0.2:
        name = name.upper()
    elif roll < 0.4:
        name = typo(name, rng)
    elif roll < 0.5:
        name = name.replace(" ", "", 1)
    return name


_ABBREV = (("Road", "Rd"), ("Street", "St."), ("Avenue", "Ave"), ("Building", "Bldg"),
           ("straße", "str."), ("Industrial", "Ind."), ("Caddesi", "Cad."))


def street(base: str, number: int, unit: str, rng: np.random.Generator, noisy: bool) -> str:
    """A street address; noise abbreviates, reorders the number and drops the unit."""
    if not noisy:
        return f"{unit}{number} {base}" if unit else f"{number} {base}"
    text = base
    for long, short in _ABBREV:
        if long in text and rng.random() < 0.6:
            text = text.replace(long, short)
    forms = [f"{number} {text}", f"{text} {number}", f"No. {number} {text}", f"{text} No.{number}"]
    out = forms[int(rng.integers(len(forms)))]
    if unit and rng.random() < 0.6:
        out = f"{unit}{out}"
    return out.upper() if rng.random() < 0.15 else out


def email_variant(email: str, rng: np.random.Generator, noisy: bool) -> str:
    """E-mail as written; case differs between systems (cleaning lower-cases it again)."""
    if noisy and rng.random() < 0.25:
        return email.upper() if rng.random() < 0.5 else email.capitalize()
    return email


# How often a noisy rendering gets each kind of extra mess (its own random stream, ``mess``).
# Unparseable phones are not among them: they make a field problem, which the truth must name
# by row (carrier.py breaks phones where it knows the row).
MESS_RATES = {"postcode_typo": 0.05, "city_typo": 0.05, "swap_name": 0.05, "translit": 0.3,
              "missing": 0.03}  # fmt: skip
_GERMAN = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "Ae"), ("Ö", "Oe"),
           ("Ü", "Ue"))  # fmt: skip
_MISSABLE = ("street", "city", "postcode", "phone", "email")


def char_slip(text: str, rng: np.random.Generator) -> str:
    """One slip in a code or word, first character included: swap, drop, double or replace."""
    if len(text) < 2:
        return text
    i = int(rng.integers(len(text) - 1))
    kind = int(rng.integers(4))
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    pool = "0123456789" if text[i].isdigit() else "abcdefghijklmnopqrstuvwxyz"
    new = str(rng.choice(list(pool)))
    return text[:i] + (new.upper() if text[i].isupper() else new) + text[i + 1 :]


def transliterated(name: str, rng: np.random.Generator) -> str:
    """Another Latin writing of the same letters: German umlauts spelt out, or accents dropped."""
    if any(ch in name for ch, _ in _GERMAN) and rng.random() < 0.5:
        for ch, rep in _GERMAN:
            name = name.replace(ch, rep)
        return name
    folded = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def unparseable_phone(phone: str, rng: np.random.Generator) -> str:
    """A phone no library can place: far too few or too many digits, or a note instead."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    kind = int(rng.integers(3))
    if kind == 0:
        return digits[:3]
    if kind == 1:
        return f"+{digits}{int(rng.integers(10**7, 10**8))}"
    return str(rng.choice(["n/a", "ask office", "tel. unknown"]))


def mess(fields: dict[str, str | None], person: bool, rng: np.random.Generator) -> None:
    """More of what real records do, in place: typos in postcodes and cities, swapped name
    parts, other transliterations, missing fields (each at ``MESS_RATES``).
    """
    rates = MESS_RATES
    if fields.get("postcode") and rng.random() < rates["postcode_typo"]:
        fields["postcode"] = char_slip(str(fields["postcode"]), rng)
    if fields.get("city") and rng.random() < rates["city_typo"]:
        fields["city"] = char_slip(str(fields["city"]), rng)
    name = str(fields["name"])
    if person and " " in name and rng.random() < rates["swap_name"]:
        first, _, rest = name.partition(" ")
        fields["name"] = f"{rest} {first}"
    elif not name.isascii() and rng.random() < rates["translit"]:
        fields["name"] = transliterated(name, rng)
    for key in _MISSABLE:
        if rng.random() < rates["missing"]:
            fields[key] = None
