"""Free text, names and enumerated codes."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import ClassVar

from ringfence.model.types.base import InvalidValue, ValueType


class TextType(ValueType):
    """Any text; whitespace is collapsed and Unicode composed (NFC)."""

    name: ClassVar[str] = "text"
    max_length: ClassVar[int] = 10_000

    def clean(self, raw: str, hint: str | None = None) -> str:
        text = " ".join(unicodedata.normalize("NFC", raw).split())
        if not text:
            raise InvalidValue("empty")
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise InvalidValue("contains control characters")
        if len(text) > self.max_length:
            raise InvalidValue(f"longer than {self.max_length} characters")
        return text


class NameType(TextType):
    """A person's or company's name as written: kept as given, only tidied."""

    name: ClassVar[str] = "name"
    max_length: ClassVar[int] = 500

    def clean(self, raw: str, hint: str | None = None) -> str:
        text = super().clean(raw, hint)
        if not any(ch.isalnum() for ch in text):
            raise InvalidValue("has no letters or digits")
        return text


class KeyType(TextType):
    """A record key or reference in its source system: case and punctuation kept."""

    name: ClassVar[str] = "key"
    max_length: ClassVar[int] = 200


class EnumType(ValueType):
    """One of a fixed set of codes, matched case-insensitively."""

    name: ClassVar[str] = "enum"

    def __init__(self, choices: Iterable[str]) -> None:
        self.choices = tuple(choices)
        self._lookup = {c.lower(): c for c in self.choices}

    def clean(self, raw: str, hint: str | None = None) -> str:
        found = self._lookup.get(raw.strip().lower())
        if found is None:
            raise InvalidValue(f"not one of {', '.join(self.choices)}")
        return found
