"""The base of every request body the service accepts.

A key the model does not know is refused (422) rather than dropped: a client that misspells
``brand`` as ``brnad`` learns it at once instead of recording an outcome without its brand. Text
may not carry control characters (tabs and line breaks excepted) nor the bidirectional embedding,
override and isolate marks that make a stored value read differently from what it is
(``U+202E`` turns "exe.pdf" into "fdp.exe" on screen).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ALLOWED_CONTROLS = frozenset("\t\n\r")


def odd_character(text: str) -> str | None:
    """The first character of ``text`` that a stored value may not hold, or None."""
    for char in text:
        if char in ALLOWED_CONTROLS:
            continue
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Co", "Cs"):
            return char
    return None


def _check(value: Any) -> Any:
    if isinstance(value, str):
        odd = odd_character(value)
        if odd is not None:
            raise ValueError(f"contains a control or bidirectional character (U+{ord(odd):04X})")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
    return value


class RequestBody(BaseModel):
    """Base of request bodies: unknown keys refused, text free of control and bidi characters."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        return _check(value)
