"""Flagging listings reads only the scans that judge them (``codes.listings.judging_scans``): a
marketplace's own scans (at one listing, for a notice) and every scan of the units they show,
never every scan recorded, with the same flags as judging on every scan. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ringfence.codes import format as code_format
from ringfence.codes import keys
from ringfence.codes.listings import flagged_listings
from ringfence.codes.scans import MAX_SCANS, record_scan
from ringfence.ingest.pipeline import ingest_files
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

GTIN = "04006381333931"
MARKETS = ("bazaar", "market2")


@pytest.fixture
def scanned(tmp_path: Path, db_settings: Settings) -> Settings:
    """Two marketplaces' listings of a protected product and scans of their codes: shown
    (letter case of the place aside), cloned between listings, cloned at two customs offices,
    and shown at another marketplace's listing of the same id."""
    with OperationalStore.open(db_settings) as store:
        for slug, kind in (("acme-co", "brand"), ("border", "customs"), ("port2", "customs"),
                           *((m, "marketplace") for m in MARKETS)):  # fmt: skip
            store.ensure_organisation(slug, kind=kind)
        store.approve_brand(store.register_brand("acme-co", "Acme", [], actor="t"), actor="t")
    keys.keygen("Acme", tmp_path / "k", tmp_path / "p")
    public = keys.load_public(tmp_path / "p")
    for market in MARKETS:
        path = tmp_path / f"{market}.csv"
        path.write_text("id,seller,title,brand,gtin,status\n" + "".join(
            f"{n},S{n},Acme shoe,Acme,{GTIN},active\n" for n in ("L1", "L2", "L3", "L4", "L5")
        ))  # fmt: skip
        ingest_files(db_settings, "listings", [path], organisation=market)
    codes = code_format.issue(keys.load_private(tmp_path / "k"), GTIN, 4)
    with OperationalStore.open(db_settings) as store:
        store.register_code_key("acme-co", "Acme", public.key_id, keys.b64(public.raw),
                                actor="t", gtins=[GTIN])  # fmt: skip
        for org, code, place in (
            ("bazaar", codes[0], "l1"), ("bazaar", codes[1], "L2"), ("bazaar", codes[1], "L3"),
            ("bazaar", codes[2], "L4"), ("border", codes[2], "Dover"),
            ("port2", codes[2], "Calais"), ("market2", codes[3], "L1"),
            ("market2", "not-a-code", "L2"),
        ):  # fmt: skip
            record_scan(store, org, code, place, actor="t")
    return db_settings


def _spied(store: OperationalStore, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    read = store.code_scans

    def spy(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return read(**kwargs)

    monkeypatch.setattr(store, "code_scans", spy)
    return calls


def _key(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["organisation"], r["listing"], r["flag"]) for r in rows]


def test_bounded_reads_flag_as_every_scan_does(
    scanned: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OperationalStore.open(scanned) as store:
        everything = _key(flagged_listings(scanned, store))
        assert ("bazaar", "L1", "no_code_shown") not in everything  # shown as "l1"
        assert ("bazaar", "L4", "cloned_code_shown") in everything  # two customs offices
        assert ("market2", "L2", "no_code_shown") in everything  # an invalid code shows none
        calls = _spied(store, monkeypatch)
        for market in MARKETS:
            mine = [k for k in everything if k[0] == market]
            assert _key(flagged_listings(scanned, store, organisation=market)) == mine
            for listing in ("L1", "L2", "L3", "L4", "L5"):
                one = [k for k in mine if k[1] == listing]
                got = flagged_listings(scanned, store, organisation=market, listing=listing)
                assert _key(got) == one, (market, listing)
    assert calls
    for call in calls:  # each read is of one organisation's scans or of named units
        assert call.get("organisation") in MARKETS or call.get("serials"), call
        assert len(call.get("serials") or []) <= 200


def test_a_notice_reads_the_scans_at_its_listing_only(
    scanned: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OperationalStore.open(scanned) as store:
        calls = _spied(store, monkeypatch)
        flagged_listings(scanned, store, organisation="bazaar", listing="L1")
    assert calls[0]["places"] == ["L1"] and calls[0]["organisation"] == "bazaar"
    # the one unit shown at L1 ("l1"), for its clone flags: not L2-L4's units
    assert [len(c["serials"]) for c in calls[1:]] == [1]


def test_the_operator_view_reads_one_marketplace_at_a_time(
    scanned: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ringfence codes listings`` (every marketplace's flagged listings) read every scan
    recorded at once; it now judges each marketplace on its judging scans, with the flags
    judging on every scan gives."""
    with OperationalStore.open(scanned) as store:
        every = [s.to_dict() for s in store.code_scans(limit=MAX_SCANS)]
        reference = _key(flagged_listings(scanned, store, every))
        assert {k[0] for k in reference} == set(MARKETS)
        calls = _spied(store, monkeypatch)
        assert _key(flagged_listings(scanned, store)) == reference
    assert calls
    for call in calls:  # never every scan: one marketplace's, or named units'
        assert call.get("organisation") in MARKETS or call.get("serials"), call


def test_the_cli_answers_the_bounded_view(
    scanned: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from ringfence.cli.main import app

    with OperationalStore.open(scanned) as store:
        every = [s.to_dict() for s in store.code_scans(limit=MAX_SCANS)]
        reference = flagged_listings(scanned, store, every)
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(scanned.data_dir))
    if scanned.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", scanned.database_url)
    result = CliRunner().invoke(app, ["codes", "listings", "--json"])
    assert result.exit_code == 0, result.output
    assert _key(json.loads(result.stdout)) == _key(reference)


def test_the_cli_refuses_a_limit_out_of_range(
    scanned: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ringfence codes scans --limit -1`` listed every scan on SQLite (LIMIT -1 is none there)
    and failed on PostgreSQL; 0 listed nothing. Now both are one line, exit 2."""
    from typer.testing import CliRunner

    from ringfence.cli.main import app

    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(scanned.data_dir))
    if scanned.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", scanned.database_url)
    for limit in ("-1", "0", "10000001"):
        result = CliRunner().invoke(app, ["codes", "scans", "--limit", limit, "--json"])
        assert result.exit_code == 2, (limit, result.output)
        assert "--limit must be 1 to 10,000,000" in result.output
        assert "Traceback" not in result.output
    fine = CliRunner().invoke(app, ["codes", "scans", "--limit", "2", "--json"])
    assert fine.exit_code == 0, fine.output
    assert len(json.loads(fine.stdout)) == 2
