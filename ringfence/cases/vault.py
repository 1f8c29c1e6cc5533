"""Evidence files stored content-addressed: ``<data_dir>/evidence/<sha[:2]>/<sha256>``.

A file is copied in while its SHA-256 is computed, then moved into place under its hash, so the
same bytes are stored once and a stored file's name is the hash it must still have.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from ringfence.errors import InputFileError, LimitError
from ringfence.settings import Settings

CHUNK = 1 << 20


def vault_dir(settings: Settings) -> Path:
    """The folder evidence files are stored in."""
    return settings.data_dir / "evidence"


def stored_path(settings: Settings, sha256: str) -> Path:
    """Where the file with this SHA-256 is kept."""
    return vault_dir(settings) / sha256[:2] / sha256


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store_file(settings: Settings, source: Path, limit: int | None = None) -> tuple[str, int]:
    """Copy ``source`` into the vault; returns its SHA-256 and size in bytes.

    ``limit``: the most bytes accepted (``LimitError`` past it, nothing stored).
    """
    if not source.is_file():
        raise InputFileError("no such file", file=str(source))
    folder = vault_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as read:
            while chunk := read.read(CHUNK):
                size += len(chunk)
                if limit is not None and size > limit:
                    raise LimitError(
                        f"{source.name}: evidence files are at most {limit} bytes "
                        "(limit RINGFENCE_MAX_UPLOAD_BYTES)"
                    )
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        target = stored_path(settings, sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.unlink(temp)
        else:
            shutil.move(temp, target)
            target.chmod(0o440)  # read-only: evidence is never edited in place
        return sha, size
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
