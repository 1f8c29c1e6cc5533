"""The unit code: GTIN, serial and an Ed25519 signature, packed and written as base64url.

Layout (78 bytes, so exactly 104 base64url characters with no left-over bits):

====== ======= ==========================================================================
bytes  field   meaning
====== ======= ==========================================================================
0-5    gtin    the GTIN-14 as a 48-bit unsigned big-endian integer (GTIN-14 < 2**47)
6-13   serial  64 random bits, unique within an issued batch
14-77  sig     Ed25519 over ``DOMAIN + brand + NUL + bytes 0-13``
====== ======= ==========================================================================

The brand is not carried in the code: it is part of what is signed, and the verifier takes it
from the brand's public key file, so a code verifies only as the brand that signed it. The
format's version is its length; another layout would have another length.
"""

from __future__ import annotations

import binascii
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from ringfence.codes.keys import PrivateKey, PublicKey, b64, unb64
from ringfence.errors import InputFileError, LimitError, UserError
from ringfence.model.types import InvalidValue
from ringfence.model.types import gtin as gtin_type

DOMAIN = b"ringfence unit code v1\x00"
PAYLOAD_BYTES = 14
SIGNATURE_BYTES = 64
CODE_BYTES = PAYLOAD_BYTES + SIGNATURE_BYTES
CODE_CHARS = 104  # base64url of CODE_BYTES: 78 * 8 / 6
MAX_INPUT_CHARS = 256  # anything longer is refused unread (no decoding of megabytes)
MAX_COUNT = 1_000_000
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class CodeCheck:
    """What verifying one code found; brand, gtin and serial only when it is valid."""

    code: str
    valid: bool
    brand: str | None = None
    gtin: str | None = None
    serial: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_gtin(value: str) -> str:
    """The GTIN as 14 digits; ``UserError`` if it is not a GTIN with a valid check digit."""
    try:
        return gtin_type.clean(str(value).strip())
    except InvalidValue as exc:
        raise UserError(f"--gtin {value!r}: {exc}") from None


def _message(brand: str, payload: bytes) -> bytes:
    return DOMAIN + brand.encode("utf-8") + b"\x00" + payload


def issue(key: PrivateKey, gtin: str, count: int) -> list[str]:
    """``count`` new codes for one GTIN of the key's brand, with distinct random serials."""
    if not 1 <= count <= MAX_COUNT:
        raise LimitError(f"--count must be 1 to {MAX_COUNT:,}, not {count}")
    number = int(clean_gtin(gtin)).to_bytes(6, "big")
    serials: set[bytes] = set()
    while len(serials) < count:
        serials.add(secrets.token_bytes(8))
    codes = []
    for serial in serials:
        payload = number + serial
        signature = key.key.sign(_message(key.brand, payload))
        codes.append(b64(payload + signature))
    return codes


def shown(code: str) -> str:
    """The code as results echo (and scans store) it: cut after ``MAX_INPUT_CHARS`` characters,
    anything unprintable (NUL, control characters) replaced by U+FFFD."""
    cut = code if len(code) <= MAX_INPUT_CHARS else code[:MAX_INPUT_CHARS] + "…"
    return "".join(c if c.isprintable() else "\ufffd" for c in cut)


def malformed(code: str) -> CodeCheck | None:
    """The invalid result for a string that cannot be a code at all; None if it could be one."""
    text = code.strip()
    if len(text) != CODE_CHARS:
        return CodeCheck(shown(code), False, reason=f"not {CODE_CHARS} characters long")
    if not _ALPHABET.issuperset(text):
        return CodeCheck(shown(code), False, reason="characters outside base64url")
    return None


def verify(code: str, key: PublicKey) -> CodeCheck:
    """Check one code against a brand's public key; never raises on any input."""
    bad = malformed(code)
    if bad is not None:
        return bad
    text = code.strip()
    try:
        data = unb64(text)
    except (binascii.Error, ValueError):
        return CodeCheck(shown(code), False, reason="not base64url")
    payload, signature = data[:PAYLOAD_BYTES], data[PAYLOAD_BYTES:]
    try:
        key.key.verify(signature, _message(key.brand, payload))
    except InvalidSignature:
        reason = f"signature does not verify with {key.brand}'s key"
        return CodeCheck(shown(code), False, reason=reason)
    gtin = f"{int.from_bytes(payload[:6], 'big'):014d}"
    return CodeCheck(text, True, key.brand, gtin, payload[6:].hex())


def claimed_gtin(code: str) -> str | None:
    """The GTIN a well-formed code *claims* (unverified), to pick the keys worth trying;
    None when it is not even well-formed."""
    if malformed(code) is not None:
        return None
    return f"{int.from_bytes(unb64(code.strip())[:6], 'big'):014d}"


def read_codes(lines: list[str], file: str) -> list[str]:
    """Codes from the lines of a file (blank lines skipped); ``InputFileError`` naming the row
    of a line too long to be a code."""
    codes = []
    for row, line in enumerate(lines, start=1):
        text = line.strip()
        if len(text) > MAX_INPUT_CHARS:
            raise InputFileError(f"longer than {MAX_INPUT_CHARS} characters", file=file, row=row)
        if text:
            codes.append(text)
    return codes
