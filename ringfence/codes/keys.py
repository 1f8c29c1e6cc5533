"""A brand's Ed25519 key pair for signing unit codes, kept in two small JSON files.

The private key file is created with permissions 0600 and never overwritten; the public key file
is what a brand hands to customs, carriers and marketplaces. Both name the brand, so a code is
always verified as *that* brand's code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ringfence.errors import ConflictError, InputFileError, UserError

KEY_FORMAT = "ringfence-code-key-1"
MAX_KEY_FILE_BYTES = 16_384
MAX_BRAND_CHARS = 200


def b64(data: bytes) -> str:
    """``data`` as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    """Unpadded base64url back to bytes (``binascii.Error``/``ValueError`` if it is not)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def clean_brand(brand: str) -> str:
    """The brand name trimmed; ``UserError`` if blank, too long or holding control characters."""
    cleaned = " ".join(brand.split())
    if not cleaned or len(cleaned) > MAX_BRAND_CHARS or not cleaned.isprintable():
        raise UserError(f"a brand name is 1 to {MAX_BRAND_CHARS} printable characters")
    return cleaned


@dataclass(frozen=True)
class PublicKey:
    """A brand's verifying key."""

    brand: str
    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self.key.public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw key: how the key is named in records."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def to_json(self) -> dict[str, str]:
        """The public key file's content."""
        return {"format": KEY_FORMAT, "kind": "public", "brand": self.brand, "key": b64(self.raw),
                "key_id": self.key_id}  # fmt: skip


@dataclass(frozen=True)
class PrivateKey:
    """A brand's signing key."""

    brand: str
    key: Ed25519PrivateKey

    def public(self) -> PublicKey:
        return PublicKey(self.brand, self.key.public_key())


def keygen(brand: str, private_path: Path, public_path: Path) -> PublicKey:
    """Make a key pair for ``brand``; the private file gets 0600. Existing files are refused."""
    brand = clean_brand(brand)
    if private_path.resolve() == public_path.resolve():
        raise UserError("the private and public key files must be different files")
    for path in (private_path, public_path):
        if path.exists():
            raise ConflictError(f"{path}: already exists; key files are never overwritten")
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    secret = Ed25519PrivateKey.generate()
    raw = secret.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = PrivateKey(brand, secret).public()
    private_doc = {"format": KEY_FORMAT, "kind": "private", "brand": brand, "key": b64(raw),
                   "key_id": public.key_id}  # fmt: skip
    _write_new(private_path, private_doc, 0o600)
    _write_new(public_path, public.to_json(), 0o644)
    return public


def _write_new(path: Path, doc: dict[str, str], mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise ConflictError(f"{path}: already exists; key files are never overwritten") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot create it: {exc.strerror}") from None
    os.fchmod(fd, mode)  # the umask may have taken bits away; 0600 must be exactly that
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(doc, indent=2) + "\n")


def _read_doc(path: Path, kind: str) -> tuple[dict[str, Any], bytes]:
    name = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise InputFileError(f"cannot read it: {exc.strerror}", file=name) from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InputFileError(f"larger than {MAX_KEY_FILE_BYTES} bytes: not a key file", file=name)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputFileError("not a Ringfence code key file (JSON expected)", file=name) from None
    if not isinstance(doc, dict) or doc.get("format") != KEY_FORMAT:
        raise InputFileError(f"not a Ringfence code key file ({KEY_FORMAT})", file=name)
    if doc.get("kind") != kind:
        raise InputFileError(f"holds a {doc.get('kind')} key, not a {kind} key", file=name,
                             field="kind")  # fmt: skip
    try:
        raw = unb64(str(doc.get("key", "")))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InputFileError("not a 32-byte Ed25519 key (base64url)", file=name, field="key")
    if not isinstance(doc.get("brand"), str):
        raise InputFileError("the brand is missing", file=name, field="brand")
    try:
        doc["brand"] = clean_brand(doc["brand"])
    except UserError as exc:
        raise InputFileError(exc.message, file=name, field="brand") from None
    return doc, raw


def load_private(path: Path) -> PrivateKey:
    """The private key in ``path``; ``InputFileError`` naming the file and field if it is not."""
    doc, raw = _read_doc(path, "private")
    return PrivateKey(doc["brand"], Ed25519PrivateKey.from_private_bytes(raw))


def load_public(path: Path) -> PublicKey:
    """The public key in ``path``; ``InputFileError`` naming the file and field if it is not."""
    doc, raw = _read_doc(path, "public")
    return public_from_raw(doc["brand"], raw)


def public_from_raw(brand: str, raw: bytes) -> PublicKey:
    """A public key from its brand and 32 raw bytes (as the store keeps it)."""
    return PublicKey(clean_brand(brand), Ed25519PublicKey.from_public_bytes(raw))
