"""Red team, referral bundles: an evidence file is copied to ``evidence/<sha256>-<name>``, and
the 65 characters of the hash plus a long name (a 200-character file name, or 255 Arabic letters
uploaded through the API: 510 bytes) passed the file system's 255-byte limit, so ``case export
--bundle`` ended in an ``OSError`` traceback and the case could not be referred at all; an --out
that cannot be written ended the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cases.referral import write_referral
from ringfence.cases.service import add_evidence_file
from ringfence.cases.vault import sha256_of
from ringfence.cli.main import app
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from tests.cases.test_referral import world  # noqa: F401 - the simulated, resolved world

LONG_NAMES = ["p" * 200 + ".jpg", "ص" * 251 + ".jpg"]


def test_long_evidence_names_still_bundle(world: Settings, tmp_path: Path) -> None:  # noqa: F811
    photo = tmp_path / "photo.jpg"
    with OperationalStore.open(world) as store:
        store.ensure_organisation("ipr-center")
        case = store.open_case("ipr-center", "Long names", actor="test").id
        for n, name in enumerate(LONG_NAMES):
            photo.write_bytes(b"\xff\xd8 goods %d" % n)
            add_evidence_file(world, store, case, photo, kind="photo", custodian="Officer A",
                              actor="test", file_name=name)  # fmt: skip
        manifest = write_referral(world, store, case, tmp_path / "c.jsonl", tmp_path / "bundle")
    for item in manifest["evidence"]:
        stored = tmp_path / "bundle" / item["file"]
        assert len(stored.name.encode("utf-8")) <= 255
        assert stored.name.startswith(item["sha256"] + "-") and stored.suffix == ".jpg"
        assert sha256_of(stored) == item["sha256"]


def test_an_unwritable_out_is_one_error_line(
    world: Settings,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(world.data_dir))
    with OperationalStore.open(world) as store:
        store.ensure_organisation("ipr-center")
        case = store.open_case("ipr-center", "Nowhere to write", actor="test").id
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for args in (["--out", str(blocker / "c.jsonl")],
                 ["--out", str(tmp_path / "c.jsonl"), "--bundle", str(blocker / "b")]):  # fmt: skip
        result = CliRunner().invoke(app, ["case", "export", case, *args])
        assert result.exit_code == 2, result.output
        assert "cannot write" in result.output
        assert isinstance(result.exception, SystemExit)  # typer.Exit, not a traceback


def test_a_file_named_to_read_backwards_is_refused_by_the_cli(
    world: Settings,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A test buyer's file named ``gpj\\u202e.exe`` reads ``exe.jpg`` in every listing of the
    case and in the referral; the CLI took it as named, with no check at all."""
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(world.data_dir))
    with OperationalStore.open(world) as store:
        store.ensure_organisation("ipr-center")
        case = store.open_case("ipr-center", "Names", actor="test").id
    for name in ("gpj\u202e.exe", "photo\x1b[2J.jpg"):
        named = tmp_path / name
        named.write_bytes(b"\xff\xd8 bought")
        args = ["case", "evidence", case, str(named), "--custodian", "Officer A"]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "control or bidirectional character" in result.output
    with OperationalStore.open(world) as store:
        assert store.case_contents(case)[3] == []
