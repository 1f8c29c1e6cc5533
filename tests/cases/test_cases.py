"""Cases from the command line: open, add, note, status, evidence with its chain of custody,
and ``case verify`` catching tampering with a stored file, the custody record or the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from ringfence.cases.vault import stored_path
from ringfence.cli.main import app
from ringfence.ingest.pipeline import ingest_files
from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

PARTIES = "id,name,country,role\nP1,Shenzhen Bright Trading,CN,shipper\n"


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path / "data"))
    settings = Settings(data_dir=tmp_path / "data")
    (tmp_path / "parties.csv").write_text(PARTIES, encoding="utf-8")
    ingest_files(settings, "parties", [tmp_path / "parties.csv"], organisation="ipr-center")
    return settings


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _case_with_evidence(world: Settings, tmp_path: Path) -> tuple[str, int]:
    code, out = run("case", "open", "--title", "Bright Trading ring", "--json")
    assert code == 0, out
    case = json.loads(out)["id"]
    evidence = tmp_path / "test-buy.jpg"
    evidence.write_bytes(b"\xff\xd8 a photo of the test buy")
    code, out = run(
        "case", "evidence", case, str(evidence), "--kind", "test_buy", "--custodian", "Officer A"
    )
    assert code == 0, out
    code, out = run("case", "custody", case, "1", "--to", "Lab B", "--why", "authenticity test")
    assert code == 0, out
    return case, 1


def test_a_case_collects_items_notes_and_evidence_with_its_custody(
    world: Settings, tmp_path: Path
) -> None:
    case, _ = _case_with_evidence(world, tmp_path)
    resolve_parties(world)
    engine = open_engine(world)
    try:
        Lake(world).register(engine, "entity_mentions")
        entity = engine.query("SELECT entity_id FROM entity_mentions").column(0)[0].as_py()
    finally:
        engine.close()
    code, out = run("case", "add", case, "--entity", entity, "--note", "the shipper")
    assert (code, out.strip()) == (0, f"added {case}: entity {entity}")
    assert run("case", "add", case, "--entity", entity)[1].startswith("already in")
    code, out = run("case", "add", case, "--seller", "nope")
    assert code == 3 and "no seller 'nope'" in out and "Traceback" not in out
    assert run("case", "add", case)[0] == 2
    assert run("case", "note", case, "the seller admitted it on the phone")[0] == 0
    code, out = run("case", "status", case, "referred", "--reason", "to the prosecutor")
    assert (code, out.strip()) == (0, f"{case} is referred")
    assert run("case", "status", case, "archived")[0] == 2
    code, out = run("case", "show", case, "--json")
    shown = json.loads(out)
    assert (shown["id"], shown["status"], shown["organisation"]) == (case, "referred", "ipr-center")
    assert [n["text"] for n in shown["notes"]] == ["the seller admitted it on the phone"]
    (item,) = shown["evidence"]
    assert item["custodian"] == "Lab B" and item["kind"] == "test_buy"
    assert [(s["from"], s["to"]) for s in item["custody"]] == [
        (None, "Officer A"),
        ("Officer A", "Lab B"),
    ]
    assert [(i["kind"], i["ref"], i["note"]) for i in shown["items"]] == [
        ("entity", entity, "the shipper")
    ]
    assert [h["action"] for h in shown["history"]] == [
        "case.open",
        "evidence.add",
        "evidence.custody",
        "case.add",
        "case.note",
        "case.status",
    ]
    listed = json.loads(run("case", "list", "--json", "--status", "referred")[1])
    assert [c["id"] for c in listed] == [case]
    code, out = run("case", "verify", case)
    assert code == 0 and "intact" in out


def test_verify_detects_a_changed_evidence_file(world: Settings, tmp_path: Path) -> None:
    case, _ = _case_with_evidence(world, tmp_path)
    shown = json.loads(run("case", "show", case, "--json")[1])
    path = stored_path(world, shown["evidence"][0]["sha256"])
    path.chmod(0o640)
    path.write_bytes(path.read_bytes() + b"edited")
    code, out = run("case", "verify", case)
    assert code == 1 and "SHA-256" in out


def test_verify_detects_a_custody_record_changed_behind_the_audit_chain(
    world: Settings, tmp_path: Path
) -> None:
    case, _ = _case_with_evidence(world, tmp_path)
    with OperationalStore.open(world) as store, store.engine.begin() as connection:
        connection.execute(text("UPDATE case_evidence SET custodian = 'Someone Else'"))
    code, out = run("case", "verify", case)
    assert code == 1 and "'Someone Else' is not the last one on the chain ('Lab B')" in out


def test_verify_detects_an_edited_audit_entry(world: Settings, tmp_path: Path) -> None:
    case, _ = _case_with_evidence(world, tmp_path)
    with OperationalStore.open(world) as store, store.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))  # an attacker with SQL
        rows = connection.execute(
            text("SELECT seq, detail FROM audit_log WHERE action = 'evidence.custody'")
        ).all()
        ((seq, detail),) = rows
        changed = json.loads(detail) if isinstance(detail, str) else dict(detail)
        changed["to"] = "Somebody"
        connection.execute(
            text("UPDATE audit_log SET detail = :d WHERE seq = :s"),
            {"d": json.dumps(changed), "s": seq},
        )
    code, out = run("case", "verify", case)
    assert code == 1 and "audit chain" in out
