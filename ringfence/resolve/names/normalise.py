"""Name normalisation for matching: the same party written differently folds to one string.

``normalise_name("ZHANG Wei")`` and ``normalise_name("Wei Zhang")`` both give ``"wei zhang"``;
``normalise_name("Müller GmbH & Co. KG")`` gives ``"muller"``. The result is for comparing
names, never for showing them: it drops information (accents, order, legal form) on purpose.
"""

from __future__ import annotations

import re
import unicodedata

# Legal-form words that partners add or leave out at will; keeping them would make
# "Acme Ltd" and "ACME Limited" look like different names. Written after punctuation removal,
# so "S.A.R.L." arrives here as "sarl" and "Co.,Ltd" as "co" + "ltd".
COMPANY_FORMS = frozenset(
    {
        "ab", "ag", "bv", "co", "company", "corp", "corporation", "gmbh", "inc",
        "incorporated", "kg", "kft", "limited", "llc", "llp", "lp", "ltd", "nv", "oy",
        "plc", "pte", "pty", "sa", "sarl", "sas", "spa", "sl", "slu", "spzoo", "sro", "srl",
        "zoo",
    }
)  # fmt: skip
# Legal forms that stay several words once folded ("Sp. z o. o." -> "sp z o o", "SP Z OO",
# "S. L. U."): dropped as a whole run at the end of a name only, never word by word ("z"
# or "s a" may be a name's own words or initials).
SPACED_FORMS = (
    ("sp", "z", "oo"), ("sp", "z", "o", "o"), ("s", "l", "u"), ("s", "r", "l"), ("s", "r", "o"),
)  # fmt: skip

# Dots and apostrophes join what they sit in ("J.P." -> "jp", "O'Brien" -> "obrien"); any other
# non-alphanumeric character separates words.
_JOINERS = re.compile(r"[.'’`´]")
_SEPARATORS = re.compile(r"[^\w]|_", re.UNICODE)


def fold_text(raw: str | None) -> str:
    """Fold text for comparison: NFKD, accents dropped, case-folded, punctuation to spaces.

    Whitespace is collapsed; the word order is kept. Empty or ``None`` gives ``""``.
    """
    if not raw:
        return ""
    # Case-fold on both sides of NFKD: folding can produce combining marks ("İ" -> "i" + U+0307)
    # that NFKD must see, and NFKD can produce capitals ("ℕ" -> "N"). Combining marks are what
    # NFKD split off accented letters ("é" -> "e" + U+0301); dropping them drops the accents.
    decomposed = unicodedata.normalize("NFKD", raw.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _JOINERS.sub("", bare.casefold())
    return " ".join(_SEPARATORS.sub(" ", text).split())


def drop_spaced_forms(words: list[str]) -> list[str]:
    """The words of a folded name without a legal form of ``SPACED_FORMS`` at its end (kept
    when nothing else would be left)."""
    for form in SPACED_FORMS:
        if len(words) > len(form) and tuple(words[-len(form) :]) == form:
            return words[: -len(form)]
    return words


def name_tokens(raw: str | None) -> list[str]:
    """The sorted words of a name, legal forms dropped (kept when nothing else is left)."""
    words = drop_spaced_forms(fold_text(raw).split())
    meaningful = [w for w in words if w not in COMPANY_FORMS]
    return sorted(meaningful or words)


def normalise_name(raw: str | None) -> str:
    """One comparable string per name: folded, legal forms dropped, words sorted.

    >>> normalise_name("ZHANG Wei") == normalise_name("Wei Zhang")
    True
    """
    return " ".join(name_tokens(raw))
