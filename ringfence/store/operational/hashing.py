"""Hashing of secrets with the standard library only: passwords with scrypt, API keys with SHA-256.

Passwords are low-entropy, so they get a slow, salted, memory-hard hash. API keys are 256 random
bits, so a single SHA-256 is already infeasible to invert and keeps key lookup cheap; the short
random prefix in the clear key finds the row without scanning every hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
KEY_PREFIX_BYTES = 6
KEY_SECRET_BYTES = 32
KEY_MARK = "rf"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)


def hash_password(password: str) -> str:
    """A self-describing scrypt hash ``scrypt$n$r$p$salt$hash`` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by ``hash_password`` (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:  # malformed stored hash: treat as no match rather than crash a login
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


# A hash of a random password nobody knows, with the same scrypt cost as real ones: checking a
# login of an unknown user (or one without a password) against it takes as long as a real check,
# so response times do not tell which e-mails have accounts.
DUMMY_PASSWORD_HASH = (
    "scrypt$16384$8$1$d7J+F2d/nONi85/15o8unw==$GJMsbqrLE5v/e/4c+hGm9DnoP+50D14fFoc6PVS2d3I="
)


def spend_password_check(password: str) -> None:
    """Take the time of one password check without any account (see ``DUMMY_PASSWORD_HASH``)."""
    verify_password(password, DUMMY_PASSWORD_HASH)


def new_api_key() -> tuple[str, str]:
    """A fresh clear API key ``rf_<prefix>_<secret>`` and its lookup prefix."""
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    return f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(KEY_SECRET_BYTES)}", prefix


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of a clear key, or None if the key is not in Ringfence's format."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK or len(parts[1]) != 2 * KEY_PREFIX_BYTES:
        return None
    return parts[1]


def hash_api_key(key: str) -> str:
    """The hex SHA-256 stored for an API key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    """Whether ``key`` hashes to ``stored_hash`` (constant-time compare)."""
    return hmac.compare_digest(hash_api_key(key), stored_hash)
