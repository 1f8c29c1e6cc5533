"""The name's block keys before they are keyed: Soundex codes of its words, one per word and
one per pair of words, each with the country; and the ones a file holds too often to send
(``PprlParams.name_key_max_share``, docs/pprl.md round 21).

A key's count across a file is what a frequency attack reads: "J500|gb" held by a thousand
records of a few thousand is "john" (or "joan"). A key held by more than a share of the file's
records (and by more than ``MIN_WITHHELD``) is left out; a pair key of two common words is
usually rare enough to stay, so "john smith" still meets "jon smith".
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

# A key held by this many records of a file or fewer is always sent: in a small file every
# count is small and a frequency attack is at the blind guess anyway.
MIN_WITHHELD = 10
# With ``name_key_max_share`` the encodings hold, per record, how many of its block keys are its
# name's one-word keys and its name's keys: their count alone no longer tells.
WORD_KEY_COUNT = "word_key_count"
NAME_KEY_COUNT = "name_key_count"

_SOUNDEX = {ch: str(d) for d, letters in enumerate(
    ("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")) for ch in letters}  # fmt: skip


def soundex(word: str) -> str:
    """American Soundex of an ASCII word ("robert" -> "R163"); other scripts: first 2 letters."""
    letters = [ch for ch in word.lower() if ch in _SOUNDEX]
    if not letters or not word.isascii():
        return word[:2]
    digits = []
    last = _SOUNDEX[letters[0]]
    for ch in letters[1:]:
        code = _SOUNDEX[ch]
        if code != "0" and code != last:
            digits.append(code)
        if ch not in "hw":  # h and w do not separate equal codes; vowels do
            last = code
    return (letters[0].upper() + "".join(digits) + "000")[:4]


def name_codes(words: Sequence[str], limit: int) -> list[str]:
    """The Soundex codes a name's block keys are made of: one per distinct code of its words
    of two letters or more, sorted, at most ``limit`` (``PprlParams.block_words``)."""
    return sorted({soundex(w) for w in words if len(w) >= 2})[:limit]


def name_key_texts(words: Sequence[str], country: str | None, limit: int) -> list[str]:
    """What a name's block keys key, in their order: one text per code (``name_codes``), then
    one per pair of codes, each with the country ("J500|gb", "J500+S530|gb")."""
    codes = name_codes(words, limit)
    combos = codes + [f"{a}+{b}" for a, b in itertools.combinations(codes, 2)]
    return [f"{combo}|{country or ''}" for combo in combos]


def over_shared(texts: Sequence[Sequence[str]], max_share: float) -> frozenset[str]:
    """The key texts held by more than ``max_share`` of the records (``texts``: each record's
    ``name_key_texts``) and by more than ``MIN_WITHHELD`` of them; none when ``max_share``
    is 0."""
    if not max_share:
        return frozenset()
    counts = Counter(text for record in texts for text in set(record))
    limit = max(max_share * len(texts), MIN_WITHHELD)
    return frozenset(text for text, count in counts.items() if count > limit)


def is_word_text(text: str) -> bool:
    """Whether a key text is one word's (not a pair's)."""
    return "+" not in text.split("|", 1)[0]
