"""Look-alike brand names: one key for every spelling a reader would take for the same brand.

A brand's scope is the names of its approved registrations, matched ignoring case. A second
organisation registering ``NIKE Inc.``, ``Ni ke``, ``Níke`` or ``Nіke`` (a Cyrillic ``і``) beside
an approved ``Nike`` would see every seizure recorded under that spelling. ``brand_key`` folds
such variants into one key — Unicode compatibility forms, case, accents, common homoglyphs
(Cyrillic and Greek letters, digits and symbols that look like letters, ``rn`` for ``m``),
spacing and punctuation, and company-form words such as ``Inc.`` or ``GmbH`` — so a registration
that looks like another organisation's can be flagged and refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Characters a reader takes for a Latin letter (after case folding and accent stripping).
_CONFUSABLE = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "һ": "h", "і": "i", "ї": "i",
        "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ь": "b",
        # Greek
        "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "c", "σ": "o",
        # Latin look-alikes, digits and symbols
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ß": "ss", "æ": "ae", "œ": "oe",
        "ɡ": "g", "ɑ": "a", "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
        "8": "b", "@": "a", "$": "s", "|": "i", "!": "i", "€": "e",
        # i and l are one letter to the eye in many fonts
        "l": "i",
    }
)  # fmt: skip
_DIGRAPHS = (("rn", "m"), ("vv", "w"))
# Words that say what kind of company owns the name, not which brand it is.
_COMPANY_FORMS = (
    "inc incorporated corp corporation co company ltd limited llc llp plc gmbh ag kg sa sas "
    "sarl srl spa bv nv oy ab as aps pty pvt kk the group holding holdings international intl "
    "brand brands trademark tm"
)


def _fold(text: str) -> str:
    """Compatibility forms, case and accents folded; homoglyphs mapped to Latin letters."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.translate(_CONFUSABLE)


_FORMS = frozenset(_fold(word) for word in _COMPANY_FORMS.split())


def brand_key(name: str) -> str:
    """The key under which look-alike spellings of a brand name meet (``Nike``, ``NIKE Inc.``,
    ``N i k e``, ``Níke`` and ``N1ke`` all give ``nike``); never empty for a non-blank name."""
    words = [w for w in re.split(r"[^0-9a-z]+", _fold(name)) if w]
    core = [w for w in words if w not in _FORMS] or words  # "The Co." stays itself
    key = "".join(core)
    for pair, single in _DIGRAPHS:
        key = key.replace(pair, single)
    return key or unicodedata.normalize("NFKC", name).casefold().strip()


def lookalikes(names: Iterable[str], others: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs (one of ``names``, one of ``others``) whose keys are equal, in ``names`` order."""
    by_key: dict[str, str] = {}
    for other in others:
        by_key.setdefault(brand_key(other), other)
    return [(name, by_key[brand_key(name)]) for name in names if brand_key(name) in by_key]


def clash_message(name: str, other: str, organisation: str) -> str:
    """Why ``name`` cannot be approved beside ``organisation``'s registered ``other``."""
    if name.casefold() == other.casefold():
        return f"{name!r} is already a registered brand of {organisation}"
    return f"{name!r} looks like {other!r}, already a registered brand of {organisation}"
