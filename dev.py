#!/usr/bin/env python3
"""Set up Ringfence's environment and run its main job or its tests: the README's two commands.

    python3 dev.py demo     # create .venv from the lock file (once), then run `ringfence demo`
    python3 dev.py test     # the same set-up, then run the test suite (in parallel: up to
                            # 4 worker processes; RINGFENCE_TEST_WORKERS=1 for one)
    python3 dev.py run ...  # any `ringfence` command inside the environment

Needs only Python >= 3.11. The environment is rebuilt when requirements.lock or pyproject.toml
change, so a pull that changes dependencies needs no extra step.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".ringfence-stamp"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("requirements.lock", "pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def _run(*args: str | Path) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"dev.py: command failed ({result.returncode}): {' '.join(map(str, args))}")


def ensure_environment() -> None:
    """Create .venv and install the locked dependencies plus Ringfence itself, if not current."""
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing locked dependencies into .venv (first time takes a few minutes)")
    pip = [BIN / "python", "-m", "pip", "--disable-pip-version-check"]
    # The lock is complete (uv pip compile, with uv-overrides.txt), so pip need not resolve.
    _run(*pip, "install", "--quiet", "--no-deps", "--require-hashes", "-r", "requirements.lock")
    _run(*pip, "install", "--quiet", "--no-deps", "-e", ".")
    STAMP.write_text(_fingerprint())


SERIAL_FLAGS = {"--pdb", "--trace", "-s"}


def _test_args(rest: list[str]) -> list[str]:
    """pytest's arguments: the suite runs on several worker processes (pytest-xdist; each
    folder of tests on one worker, in order: tests/conftest.py groups them) unless the caller
    chose (``-n``, ``-p no:xdist``) or ``RINGFENCE_TEST_WORKERS`` says how many (``1``: one
    process, as plain pytest)."""
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist" for a in rest)
    # A debugger or uncaptured output needs the terminal: one process.
    chosen = chosen or any(a in SERIAL_FLAGS or a.startswith("--capture=no") for a in rest)
    workers = os.environ.get("RINGFENCE_TEST_WORKERS", "").strip()
    count = int(workers) if workers.isdigit() else min(4, os.cpu_count() or 1)
    if chosen or count <= 1:
        return rest
    return ["-n", str(count), "--dist", "loadgroup", *rest]


def main(argv: list[str]) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by any python3
        sys.exit("dev.py: Ringfence needs Python 3.11 or newer")
    if not argv or argv[0] not in {"demo", "test", "run", "setup"}:
        sys.exit(__doc__)
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "setup":
        return
    if command == "test":
        args = [str(BIN / "python"), "-m", "pytest", *_test_args(rest)]
    elif command == "demo":
        args = [str(BIN / "ringfence"), "demo", *rest]
    else:
        args = [str(BIN / "ringfence"), *rest]
    os.chdir(ROOT)
    os.execv(args[0], args)


if __name__ == "__main__":
    main(sys.argv[1:])
