"""The keyed audit chain and its anchors (issue 15, finding 10).

With the append-only triggers dropped, an entry used to be rewritable with every later hash
recomputed, and ``audit verify`` said intact. Hashes are now HMACs under a key kept in a file
outside the database, and anchors handed to a witness catch even a rewrite made with the key.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from ringfence.cli.main import app as cli
from ringfence.errors import StoreError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.audit import entry_hash
from ringfence.store.operational.audit_key import AuditKey, key_path
from tests.store.test_audit import _drop_append_only_triggers, _raw


@pytest.fixture
def store(db_settings: Settings) -> Iterator[OperationalStore]:
    with OperationalStore.open(db_settings) as opened:
        for i in range(1, 6):
            opened.audit("ingest.run", f"user{i}", "acme", {"run": i})
        yield opened


def _rewrite(
    store: OperationalStore, seq: int, key: AuditKey | None, *, key_id: str | None
) -> None:
    """What an attacker with database access does: alter entry ``seq``, recompute every later
    hash with ``key`` (None: plain SHA-256), record ``key_id`` and move the head."""
    entries = sorted(store.audit_entries(), key=lambda e: e.seq)
    previous = entries[seq - 2].hash if seq > 1 else "0" * 64
    _drop_append_only_triggers(store)
    for entry in entries[seq - 1 :]:
        detail = {"run": 999} if entry.seq == seq else entry.detail
        digest = entry_hash(
            seq=entry.seq, at=entry.at, actor=entry.actor, organisation=entry.organisation,
            action=entry.action, detail=detail, prev_hash=previous, key=key,
        )  # fmt: skip
        cast = "CAST(:detail AS JSON)" if store.engine.dialect.name == "postgresql" else ":detail"
        _raw(
            store,
            f"UPDATE audit_log SET detail = {cast}, prev_hash = :prev, hash = :hash, "
            "key_id = :key_id WHERE seq = :seq",
            detail=json.dumps(detail), prev=previous, hash=digest, key_id=key_id, seq=entry.seq,
        )  # fmt: skip
        previous = digest
    _raw(store, "UPDATE audit_head SET seq = :seq, hash = :hash", seq=entries[-1].seq,
         hash=previous)  # fmt: skip


def _problems(store: OperationalStore, anchor: dict[str, object] | None = None) -> list[str]:
    return [str(p) for p in store.verify_audit(anchor).problems]


def test_entries_are_keyed_with_the_key_file(store: OperationalStore) -> None:
    key = store.audit_key()
    assert key is not None
    assert {e.key_id for e in store.audit_entries()} == {key.key_id}
    report = store.verify_audit()
    assert report.ok and report.unkeyed == 0


def test_rewrite_without_the_key_is_caught(store: OperationalStore) -> None:
    key = store.audit_key()
    assert key is not None
    _rewrite(store, 3, None, key_id=key.key_id)  # plain SHA-256, as before the chain was keyed
    assert _problems(store) == [
        f"entry {seq}: altered: its content does not match its hash" for seq in (3, 4, 5)
    ]


def test_rewrite_with_a_guessed_key_is_caught(store: OperationalStore) -> None:
    key = store.audit_key()
    assert key is not None
    guessed = AuditKey(os.urandom(32), key.key_id)  # the key id is public, the secret is not
    _rewrite(store, 2, guessed, key_id=key.key_id)
    assert len(_problems(store)) == 4


def test_downgrade_to_unkeyed_entries_is_caught(store: OperationalStore) -> None:
    _rewrite(store, 1, None, key_id=None)  # the whole chain rewritten as if it predated the key
    assert _problems(store) == [
        f"entry {seq}: unkeyed entry written after the chain was keyed" for seq in range(1, 6)
    ]


def test_an_anchor_catches_a_rewrite_made_with_the_key(store: OperationalStore) -> None:
    anchor = store.audit_anchor()
    assert (anchor["seq"], anchor["hash"]) == (5, store.audit_entries(limit=1)[0].hash)
    store.audit("later", "someone", None, {})
    assert _problems(store, anchor) == []
    _rewrite(store, 2, store.audit_key(), key_id=store.audit_key().key_id)  # type: ignore[union-attr]
    assert _problems(store) == []  # whoever holds the key can recompute the chain ...
    assert _problems(store, anchor) == [  # ... but not the witness's copy of entry 5
        "entry 5: anchored entry has another hash now (the chain was rewritten)"
    ]


def test_the_key_file_is_private_and_shared_by_every_process(
    store: OperationalStore, db_settings: Settings
) -> None:
    path = key_path(db_settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text().split()[0])) == 32
    with OperationalStore.open(db_settings) as other:  # another process opening the store
        other.audit("from another process", "b", None, {})
    assert store.verify_audit().ok
    path.chmod(0o644)
    with OperationalStore.open(db_settings) as careless, pytest.raises(StoreError, match="chmod"):
        careless.audit("x", "y", None, {})


def test_a_chain_from_before_the_key_stays_valid(db_settings: Settings) -> None:
    with OperationalStore.open(db_settings) as opened:
        opened.settings = None  # as the code before keying wrote: plain SHA-256, no key id
        for i in range(3):
            opened.audit("old", "someone", None, {"i": i})
    with OperationalStore.open(db_settings) as store:
        store.audit("new", "someone", None, {})
        report = store.verify_audit()
        assert report.ok and report.unkeyed == 3 and report.entries == 4
        assert "unkeyed_entries_until 3" in key_path(db_settings).read_text()


def test_cli_anchor_and_verify(
    store: OperationalStore, db_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(db_settings.data_dir))
    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_settings.resolved_database_url)
    runner = CliRunner()
    printed = runner.invoke(cli, ["audit", "anchor"])
    assert printed.exit_code == 0, printed.output
    anchor = json.loads(printed.output)
    assert anchor["seq"] == 5 and len(anchor["hash"]) == 64 and anchor["at"]
    saved = tmp_path / "anchor.json"
    saved.write_text(printed.output)
    verified = runner.invoke(cli, ["audit", "verify", "--anchor", str(saved)])
    assert verified.exit_code == 0 and "still holds anchored entry 5" in verified.output
    _drop_append_only_triggers(store)
    with store.engine.begin() as connection:  # the tail, anchored entry included, removed
        connection.execute(text("DELETE FROM audit_log WHERE seq >= 4"))
        connection.execute(text("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM "
                                "audit_log WHERE seq = 3)"))  # fmt: skip
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0  # consistent shorter chain
    broken = runner.invoke(cli, ["audit", "verify", "--anchor", str(saved)])
    assert broken.exit_code == 1 and "entry 5: anchored entry is missing" in broken.output
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    refused = runner.invoke(cli, ["audit", "verify", "--anchor", str(bad)])
    assert refused.exit_code == 2 and "not JSON" in refused.output
