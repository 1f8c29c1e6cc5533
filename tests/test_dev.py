"""``python3 dev.py test`` runs the suite on worker processes unless told otherwise."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ringfence_dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parallel_by_default_capped_at_four(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = _dev()
    monkeypatch.delenv("RINGFENCE_TEST_WORKERS", raising=False)
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 16)
    assert dev._test_args(["tests/store"]) == ["-n", "4", "--dist", "loadgroup", "tests/store"]
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 2)
    assert dev._test_args([])[:2] == ["-n", "2"]


def test_the_callers_choice_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    dev = _dev()
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 8)
    for chosen in (["-n", "3"], ["-n3"], ["--numprocesses=2"], ["-p", "no:xdist"], ["--pdb"],
                   ["-x", "-s"], ["--capture=no"], ["--trace", "tests/act"]):
        assert dev._test_args(chosen) == chosen
    monkeypatch.setenv("RINGFENCE_TEST_WORKERS", "1")
    assert dev._test_args(["-k", "name"]) == ["-k", "name"]
    monkeypatch.setenv("RINGFENCE_TEST_WORKERS", "3")
    assert dev._test_args(["--no-header"])[:2] == ["-n", "3"]
