"""Scans of signed codes: who may register a brand's key, clone flags (two places, too often,
replayed codes), forgeries recorded as invalid, the audit trail, and listings whose seller shows
no code. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.codes import format as code_format
from ringfence.codes import keys
from ringfence.codes.listings import flagged_listings
from ringfence.codes.scans import clone_flags, record_scan, with_flags
from ringfence.errors import ForbiddenError, UserError
from ringfence.ingest.pipeline import ingest_files
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

GTIN = "04006381333931"


@pytest.fixture
def brand_world(tmp_path: Path, db_settings: Settings):  # type: ignore[no-untyped-def]
    with OperationalStore.open(db_settings) as store:
        for slug, kind in (("acme-co", "brand"), ("border", "customs"), ("port2", "customs"),
                           ("swift", "carrier"), ("bazaar", "marketplace")):  # fmt: skip
            store.ensure_organisation(slug, kind=kind)
        registration = store.register_brand("acme-co", "Acme", [], actor="test")
        store.approve_brand(registration, actor="test")
    keys.keygen("Acme", tmp_path / "acme.key", tmp_path / "acme.pub")
    private = keys.load_private(tmp_path / "acme.key")
    public = keys.load_public(tmp_path / "acme.pub")
    with OperationalStore.open(db_settings) as store:
        store.register_code_key("acme-co", "Acme", public.key_id, keys.b64(public.raw),
                                actor="test", gtins=[GTIN])  # fmt: skip
    return db_settings, private, public, tmp_path


def _flags(store: OperationalStore, settings: Settings, scan_id: int) -> list[str]:
    seen = [s.to_dict() for s in store.code_scans()]
    row = next(s for s in seen if s["id"] == scan_id)
    with_flags([row], seen, settings.code_max_scans)
    return row["flags"]


def test_only_the_brand_owner_registers_keys(brand_world) -> None:
    settings, _, _public, tmp_path = brand_world
    keys.keygen("Acme", tmp_path / "m.key", tmp_path / "m.pub")
    mallory = keys.load_public(tmp_path / "m.pub")
    with OperationalStore.open(settings) as store, pytest.raises(ForbiddenError):
        store.register_code_key("bazaar", "Acme", mallory.key_id, keys.b64(mallory.raw),
                                actor="test")  # fmt: skip


def test_supply_chain_path_is_clean_clones_are_flagged(brand_world) -> None:
    settings, private, _, _ = brand_world
    genuine, copied = code_format.issue(private, GTIN, 2)
    with OperationalStore.open(settings) as store:
        path = [("border", "Felixstowe"), ("swift", "parcel-1"), ("bazaar", "L1")]
        ids = [record_scan(store, org, genuine, place, actor="t").id for org, place in path]
        assert [_flags(store, settings, i) for i in ids] == [[], [], []]
        # The copied code: one border, then another border; and two listings.
        record_scan(store, "border", copied, "Felixstowe", actor="t")
        second = record_scan(store, "port2", copied, "Rotterdam", actor="t")
        assert _flags(store, settings, second.id) == ["two_places"]
        # The same place again (a replay at one desk) is not a second place...
        again = record_scan(store, "bazaar", genuine, "l1", actor="t")
        assert _flags(store, settings, again.id) == []
        # ...but scanned more than code_max_scans times it is flagged too_often.
        for _ in range(settings.code_max_scans):
            last = record_scan(store, "bazaar", genuine, "L1", actor="t")
        assert _flags(store, settings, last.id) == ["too_often"]
        actions = [e.action for e in store.audit_entries()]
        assert actions.count("code.scan") == 3 + 2 + 1 + settings.code_max_scans
        assert store.verify_audit().ok


def test_forgeries_are_recorded_invalid(brand_world) -> None:
    settings, private, _, tmp_path = brand_world
    keys.keygen("Acme", tmp_path / "f.key", tmp_path / "f.pub")
    forged = code_format.issue(keys.load_private(tmp_path / "f.key"), GTIN, 1)[0]
    genuine = code_format.issue(private, GTIN, 1)[0]
    tampered = genuine[:30] + ("x" if genuine[30] != "x" else "y") + genuine[31:]
    with OperationalStore.open(settings) as store:
        for code in (forged, tampered, "not a code", "A" * 5000, "\x00" * 104, "\x1b[2J" * 26):
            scan = record_scan(store, "border", code, "Dover", actor="t")
            assert not scan.valid and scan.serial is None and scan.reason
            assert _flags(store, settings, scan.id) == ["invalid"]
        with pytest.raises(UserError, match="place"):
            record_scan(store, "border", genuine, " ", actor="t")
        with pytest.raises(UserError, match="scans are recorded by"):
            record_scan(store, "acme-co", genuine, "HQ", actor="t")


def test_clone_flags_count_only_the_scans_given() -> None:
    scan = {"valid": True, "brand": "Acme", "gtin": GTIN, "serial": "ab", "kind": "marketplace"}
    two = [{**scan, "organisation": "m1", "place": "L1"}, {**scan, "organisation": "m2",
                                                          "place": "L1"}]  # fmt: skip
    assert clone_flags(two, 5)[("Acme", GTIN, "ab")] == ["two_places"]
    assert clone_flags(two[:1], 5)[("Acme", GTIN, "ab")] == []


def test_listing_without_codes_is_flagged(brand_world) -> None:
    settings, private, _, tmp_path = brand_world
    listings = tmp_path / "listings.csv"
    listings.write_text(
        "id,seller,title,brand,gtin,status\n"
        f"L1,S1,Acme shoe,Acme,{GTIN},active\n"  # shows a genuine code
        f"L2,S2,Acme shoe,ACME,{GTIN},active\n"  # shows nothing
        f"L3,S3,Acme shoe,Acme,{GTIN},removed\n"  # gone
        "L4,S4,Acme cap,Acme,4006381333948,active\n"  # a product the key does not protect
        f"L5,S5,Acme shoe,Acme,{GTIN},active\n"  # shows a cloned code
        f"L6,S6,Acme shoe,Acme,{GTIN},active\n"  # shows the same cloned code
    )
    ingest_files(settings, "listings", [listings], organisation="bazaar")
    genuine, cloned = code_format.issue(private, GTIN, 2)
    with OperationalStore.open(settings) as store:
        record_scan(store, "bazaar", genuine, "L1", actor="t")
        record_scan(store, "bazaar", cloned, "L5", actor="t")
        record_scan(store, "bazaar", cloned, "L6", actor="t")
        flagged = {r["listing"]: r["flag"] for r in flagged_listings(settings, store)}
    assert flagged == {"L2": "no_code_shown", "L5": "cloned_code_shown",
                       "L6": "cloned_code_shown"}  # fmt: skip


def test_cli_scan_and_register(brand_world, monkeypatch: pytest.MonkeyPatch) -> None:
    settings, private, _public, tmp_path = brand_world
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("RINGFENCE_DATABASE_URL", settings.resolved_database_url)
    code = code_format.issue(private, GTIN, 1)[0]
    runner = CliRunner()
    first = runner.invoke(app, ["codes", "scan", "--org", "border", "--place", "Dover",
                                "--json", code])  # fmt: skip
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)[0]["valid"] is True
    clone = runner.invoke(app, ["codes", "scan", "--org", "port2", "--place", "Calais", code])
    assert clone.exit_code == 1 and "two_places" in clone.stdout
    listed = runner.invoke(app, ["codes", "scans", "--json"])
    assert {tuple(r["flags"]) for r in json.loads(listed.stdout)} == {("two_places",)}
    again = runner.invoke(app, ["codes", "register-key", "--org", "acme-co", "--public-key",
                                str(tmp_path / "acme.pub")])  # fmt: skip
    assert again.exit_code == 4 and "already registered" in again.output


def test_keys_are_tried_by_the_gtin_claimed_and_revoked_keys_stop(brand_world) -> None:
    settings, private, public, _tmp_path = brand_world
    other_product = code_format.issue(private, "4006381333948", 1)[0]  # not a registered GTIN
    code = code_format.issue(private, GTIN, 1)[0]
    with OperationalStore.open(settings) as store:
        assert not record_scan(store, "border", other_product, "Dover", actor="t").valid
        assert record_scan(store, "border", code, "Dover", actor="t").valid
        store.revoke_code_key(public.key_id, actor="t")
        after = record_scan(store, "border", code, "Dover", actor="t")
        assert not after.valid and after.reason == "no registered code key verifies it"
        assert "code.key.revoke" in [e.action for e in store.audit_entries()]


def test_scans_of_a_brand_are_found_past_newer_scans_of_others(db_settings: Settings) -> None:
    """The brand portal asks for its brands' scans: newer scans of other brands (or by busy
    partners) must not push them out of the limit."""
    from ringfence.store.operational.codes import ScanDraft

    with OperationalStore.open(db_settings) as store:
        store.ensure_organisation("swift", kind="carrier")
        mine = ScanDraft("swift", "depot", "c1", True, "Acme", GTIN, "1", "k", None)
        store.record_code_scan(mine, actor="officer@swift")
        for i in range(3):
            other = ScanDraft("swift", "depot", f"o{i}", True, "Other", GTIN, str(i), "k", None)
            store.record_code_scan(other, actor="officer@swift")
        assert [s.brand for s in store.code_scans(limit=1)] == ["Other"]
        found = store.code_scans(brands=["ACME"], organisation=["swift"], limit=1)
        assert [(s.brand, s.code) for s in found] == [("Acme", "c1")]
        assert store.code_scans(brands=[], limit=5) == []
