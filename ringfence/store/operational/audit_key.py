"""The audit chain's secret key, kept in a file outside the database.

Entry hashes are HMAC-SHA256 under this key, so someone who can rewrite the database (triggers
dropped) but cannot read the key file cannot recompute a valid chain after changing an entry.
The file (``RINGFENCE_AUDIT_KEY_FILE``, default ``audit.key`` in the data directory) is created on
first use with mode 0600, holding 32 random bytes in hex and, on a second line
``unkeyed_entries_until N``, the last entry written before the chain was keyed (older stores):
an unkeyed entry after that one is a rewrite, not history. It is created under a temporary name
and linked into place, so server processes starting together all end up with the same key.
Servers on several hosts sharing one PostgreSQL store must be given the same key file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ringfence.errors import StoreError
from ringfence.settings import Settings

KEY_BYTES = 32
KEY_ID_CHARS = 16
UNKEYED_MARK = "unkeyed_entries_until"


@dataclass(frozen=True)
class AuditKey:
    """The secret and its public id (the start of its SHA-256), recorded with every entry.

    ``unkeyed_until`` is the last entry written before the key existed (0 for a keyed chain).
    """

    secret: bytes
    key_id: str
    unkeyed_until: int = 0

    @classmethod
    def from_secret(cls, secret: bytes, unkeyed_until: int = 0) -> AuditKey:
        """The key with its id derived from the secret."""
        return cls(secret, hashlib.sha256(secret).hexdigest()[:KEY_ID_CHARS], unkeyed_until)


def key_path(settings: Settings) -> Path:
    """Where the audit key lives for these settings."""
    return settings.audit_key_file or settings.data_dir / "audit.key"


def load_audit_key(path: Path, last_seq: Callable[[], int]) -> AuditKey:
    """Read the key file, creating it (mode 0600) if it does not exist yet.

    ``last_seq`` gives the chain's last sequence number; it is asked only when the key is
    created, and recorded as the end of the unkeyed entries.
    """
    if not path.exists():
        _create(path, last_seq())
    try:
        lines = path.read_text(encoding="ascii").split("\n")
        secret = bytes.fromhex(lines[0].strip())
        unkeyed_until = 0
        for line in lines[1:]:
            mark, _, value = line.strip().partition(" ")
            if mark == UNKEYED_MARK:
                unkeyed_until = int(value)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StoreError(f"{path}: cannot read the audit key: {exc}") from None
    if len(secret) < 16:
        raise StoreError(f"{path}: the audit key is too short (want {KEY_BYTES} bytes in hex)")
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise StoreError(f"{path}: the audit key is readable by other users; run chmod 600 {path}")
    return AuditKey.from_secret(secret, unkeyed_until)


def _create(path: Path, unkeyed_until: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(f"{secrets.token_hex(KEY_BYTES)}\n{UNKEYED_MARK} {unkeyed_until}\n")
            handle.flush()
            os.fsync(handle.fileno())
        # Fails if another process created the key first: then that one is used.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
