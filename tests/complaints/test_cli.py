"""``ringfence complaints ...``: one-line refusals (another brand, control characters, blank or
oversize text, a marketplace that is not one) that store nothing; a notice filed with its
evidence file kept by hash, decided, counter-noticed and reinstated."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.store.operational import OperationalStore
from tests.complaints.conftest import listings_of, of_kind
from tests.service.world import World


@pytest.fixture
def cli(scratch_world: World, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    settings = scratch_world.settings
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("RINGFENCE_DATABASE_URL", raising=False)
    return CliRunner()


def _run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["complaints", *args])
    return result.exit_code, result.output


def test_file_decide_counter_reinstate_and_refusals(
    cli: CliRunner, scratch_world: World, tmp_path: Path
) -> None:
    world = scratch_world
    market = of_kind(world, "marketplace")[0]
    listing = listings_of(world, market, "NorthPeak")[0]["listing"]
    base = ["--marketplace", market, "--listing", listing, "--brand", "NorthPeak"]
    for args, message in (
        (["--org", "brand-lumina", *base, "--reason", "fake"], "not an approved brand"),
        (["--org", "brand-northpeak", *base, "--reason", "a\u202eb"], "bidirectional"),
        (["--org", "brand-northpeak", *base, "--reason", "a\x07b"], "control"),
        (["--org", "brand-northpeak", *base, "--reason", "  "], "may not be blank"),
        (["--org", "brand-northpeak", *base, "--reason", "x" * 501], "longer than 500"),
        (
            [
                "--org",
                "brand-northpeak",
                "--marketplace",
                "customs-nl",
                "--listing",
                listing,
                "--brand",
                "NorthPeak",
                "--reason",
                "fake",
            ],
            "no marketplace",
        ),
        (["--org", "brand-northpeak", *base, "--reason", "fake", "--take-down"], "not earned"),
    ):
        code, output = _run(cli, "file", *args)
        assert code != 0 and message in output and "Traceback" not in output, output
    with OperationalStore.open(world.settings) as store:
        assert store.brand_complaints() == []

    evidence = tmp_path / "test-buy.jpg"
    evidence.write_bytes(b"photo of the fake")
    code, output = _run(cli, "file", "--org", "brand-northpeak", *base, "--reason", "fake",
                        "--evidence-file", str(evidence), "--json")  # fmt: skip
    assert code == 0, output
    notice = json.loads(output)["complaint"]
    sha = hashlib.sha256(b"photo of the fake").hexdigest()
    assert (notice["evidence_name"], notice["evidence_sha256"]) == ("test-buy.jpg", sha)
    kept = world.settings.data_dir / "complaints" / "evidence" / sha
    assert kept.read_bytes() == b"photo of the fake"
    cid = str(notice["id"])

    code, output = _run(cli, "decide", cid, "upheld", "--org", "brand-lumina", "--reason", "r")
    assert code != 0 and f"no complaint {cid}" in output  # not the marketplace it was sent to
    code, output = _run(cli, "decide", cid, "upheld", "--org", market, "--reason", "fake",
                        "--json")  # fmt: skip
    assert code == 0, output
    assert json.loads(output)["action"]["kind"] == "take_down"
    code, output = _run(cli, "counter-notice", cid, "--org", market, "--statement",
                        "invoices from the brand's distributor")  # fmt: skip
    assert code == 0, output
    code, output = _run(cli, "reinstate", cid, "--org", market, "--reason", "invoices genuine",
                        "--json")  # fmt: skip
    assert code == 0, output
    assert json.loads(output)["complaint"]["status"] == "rejected"
    code, output = _run(cli, "list", "--org", "brand-northpeak", "--json")
    assert code == 0 and [c["status"] for c in json.loads(output)] == ["rejected"]
    code, output = _run(cli, "list", "--org", market)
    assert code == 0 and output.startswith(f"#{cid}\trejected\tNorthPeak\t{market}/{listing}")
    code, output = _run(cli, "privilege", "--org", "brand-northpeak", "--marketplace", market)
    record = json.loads(output)
    assert (record["earned"], record["decided"], record["upheld"]) == (False, 1, 0)
