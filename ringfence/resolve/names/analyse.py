"""A name as a sanctions matcher reads it: Latin letters, honorifics and legal forms set apart.

``analyse("ООО «Ромашка»", "org")`` gives tokens ``("romashka",)`` with legal form ``{"llc"}``;
``analyse("Mr. J. Smith", "person")`` gives ``("j", "smith")`` (the honorific dropped). Scripts
other than Latin are transliterated (rigour's spellings for Cyrillic and Greek, ICU's through
normality for Chinese, Arabic, Hebrew and the rest), so "Путин" and "Putin" meet as ``putin``.
Legal forms are rewritten to rigour's generic classes ("Ltd", "Limited", "GmbH", "OOO", "Co.,
Ltd" all become ``llc``) and kept apart from the name words: they neither make two different
companies alike nor two spellings of one company different.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rigour.names import remove_obj_prefixes, remove_person_prefixes, replace_org_types_compare
from rigour.text.translit import ascii_text

from ringfence.resolve.names.normalise import COMPANY_FORMS, drop_spaced_forms, fold_text

# Kinds of named thing; a schema maps to one (schemas.py).
PERSON, ORG, THING, ANY = "person", "org", "thing", "any"

# Generic classes rigour rewrites legal forms to, plus the words names.py always dropped.
LEGAL_WORDS = COMPANY_FORMS | frozenset(
    {"llc", "jsc", "lp", "llp", "plc", "gp", "coop", "ooo", "zao", "oao", "pao", "ao", "tov"}
)  # fmt: skip
# Of those, the generic classes: two different ones speak (a little) against a match.
LEGAL_FORMS = frozenset({"llc", "jsc", "lp", "llp", "plc", "gp", "coop", "ag", "sa", "nv", "bv"})
_ORG_PREFIXES = frozenset({"the"})
# Words of a name that count (a "name" of a thousand words is not one; comparing all of them
# would cost the square of that).
MAX_WORDS = 24


@dataclass(frozen=True)
class Analysed:
    """A name ready for comparison: its words in order, its legal forms and where it came from."""

    raw: str
    tokens: tuple[str, ...]
    legal: frozenset[str]
    latin: bool  # written in Latin letters originally (no transliteration needed)
    # May be a person's name (schema Person or unknown, no legal form): nicknames apply.
    person: bool = False

    @property
    def letters(self) -> int:
        """How many letters the name words have."""
        return sum(len(t) for t in self.tokens)


def latinise(raw: str) -> str:
    """The name in ASCII Latin letters (fast path for text already in ASCII)."""
    return raw if raw.isascii() else ascii_text(raw)


@lru_cache(maxsize=200_000)
def analyse(raw: str | None, kind: str = ANY) -> Analysed:
    """Analyse one name for comparison (cached: screening sees the same names again and again)."""
    text = (raw or "").strip()
    latin = text.isascii() or all(
        not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text
    )
    ascii_form = latinise(text)
    if kind in (PERSON, ANY):
        ascii_form = remove_person_prefixes(ascii_form)
    elif kind == THING:
        ascii_form = remove_obj_prefixes(ascii_form)  # "MV", "M/V", "SS"
    legal: set[str] = set()
    if kind == ORG:  # not for ANY: rigour reads "Li Na" as a company form "fin"
        ascii_form = replace_org_types_compare(ascii_form, generic=True)
    words = fold_text(ascii_form).split()
    if kind in (ORG, ANY):
        words = drop_spaced_forms(words)
        kept = [w for w in words if w not in LEGAL_WORDS and w not in _ORG_PREFIXES]
        legal = {w for w in words if w in LEGAL_FORMS}
        words = kept or words
    words = words[:MAX_WORDS]
    person = kind in (PERSON, ANY) and not legal
    return Analysed(
        raw=text, tokens=tuple(words), legal=frozenset(legal), latin=latin, person=person
    )
