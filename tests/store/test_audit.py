"""The audit log: hash chain, tamper detection, database-enforced append-only, concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import exc, text

from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.audit import entry_hash


@pytest.fixture
def store(db_settings: Settings):
    with OperationalStore.open(db_settings) as opened:
        for i in range(1, 6):
            opened.audit("ingest.run", f"user{i}", "acme", {"run": i, "file": f"f{i}.csv"})
        yield opened


def _raw(store: OperationalStore, sql: str, **params: object) -> None:
    with store.engine.begin() as connection:
        connection.execute(text(sql), params)


def _drop_append_only_triggers(store: OperationalStore) -> None:
    """What an attacker with database access would do first."""
    if store.engine.dialect.name == "postgresql":
        _raw(store, "DROP TRIGGER audit_log_no_change ON audit_log")
    else:
        _raw(store, "DROP TRIGGER audit_log_no_update")
        _raw(store, "DROP TRIGGER audit_log_no_delete")


def _messages(store: OperationalStore) -> list[str]:
    report = store.verify_audit()
    assert not report.ok
    return [str(p) for p in report.problems]


def test_appended_entries_form_a_valid_chain(store: OperationalStore) -> None:
    report = store.verify_audit()
    assert report.ok and report.entries == 5 and report.problems == []
    entries = store.audit_entries()
    assert [e.seq for e in entries] == [5, 4, 3, 2, 1]
    assert entries[0].prev_hash == entries[1].hash
    assert entries[-1].detail == {"run": 1, "file": "f1.csv"}
    assert [e.seq for e in store.audit_entries(limit=2)] == [5, 4]


def test_empty_log_verifies(db_settings: Settings) -> None:
    with OperationalStore.open(db_settings) as store:
        report = store.verify_audit()
    assert report.ok and report.entries == 0


def test_update_and_delete_are_refused_by_the_database(store: OperationalStore) -> None:
    for sql in (
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 5",
        "DELETE FROM audit_head",
    ):
        with pytest.raises(exc.DBAPIError, match="append-only"):
            _raw(store, sql)
    assert store.verify_audit().ok


def test_altered_detail_is_detected(store: OperationalStore) -> None:
    _drop_append_only_triggers(store)
    cast = "CAST(:detail AS JSON)" if store.engine.dialect.name == "postgresql" else ":detail"
    _raw(store, f"UPDATE audit_log SET detail = {cast} WHERE seq = 3", detail='{"run": 99}')
    assert _messages(store) == ["entry 3: altered: its content does not match its hash"]


def test_removed_middle_entry_is_detected(store: OperationalStore) -> None:
    _drop_append_only_triggers(store)
    _raw(store, "DELETE FROM audit_log WHERE seq = 2")
    problems = _messages(store)
    assert "entry 2: missing: entry 2 was removed" in problems
    assert any(p.startswith("entry 3: previous-hash link broken") for p in problems)


def test_removed_last_entries_are_detected_via_the_head(store: OperationalStore) -> None:
    _drop_append_only_triggers(store)
    _raw(store, "DELETE FROM audit_log WHERE seq >= 4")
    problems = _messages(store)
    assert len(problems) == 1 and problems[0].startswith("entry 4: missing: entries 4..5")


def test_inserted_entry_is_detected(store: OperationalStore) -> None:
    _drop_append_only_triggers(store)
    # Make room at seq 3 in two steps, so no step collides with the primary key.
    _raw(store, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3")
    _raw(store, "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 100")
    _raw(
        store,
        "INSERT INTO audit_log "
        "(seq, at, actor, organisation, action, detail, prev_hash, hash, key_id) "
        "SELECT 3, at, 'mallory', organisation, action, detail, hash, hash, key_id "
        "FROM audit_log WHERE seq = 2",
    )
    problems = _messages(store)
    # The forged entry, every renumbered entry after it and the head all disagree.
    assert "entry 3: altered: its content does not match its hash" in problems
    assert "entry 4: altered: its content does not match its hash" in problems
    assert "entry 6: the last entry does not match the head record" in problems


def test_forged_entry_appended_behind_the_heads_back_is_detected(
    store: OperationalStore,
) -> None:
    last = store.audit_entries(limit=1)[0]
    key = store.audit_key()  # even someone holding the key is caught by the head record
    assert key is not None
    forged = entry_hash(
        seq=6,
        at=last.at,
        actor="mallory",
        organisation="acme",
        action="ingest.run",
        detail={},
        prev_hash=last.hash,
        key=key,
    )
    # A perfectly chained entry, but written without moving the head record.
    detail = "CAST('{}' AS JSON)" if store.engine.dialect.name == "postgresql" else "'{}'"
    _raw(
        store,
        "INSERT INTO audit_log "
        "(seq, at, actor, organisation, action, detail, prev_hash, hash, key_id) "
        f"VALUES (6, :at, 'mallory', 'acme', 'ingest.run', {detail}, :prev, :hash, :key_id)",
        at=last.at,
        prev=last.hash,
        hash=forged,
        key_id=key.key_id,
    )
    assert _messages(store) == ["entry 6: the last entry does not match the head record"]


def test_concurrent_appends_do_not_fork_the_chain(db_settings: Settings) -> None:
    stores = [OperationalStore.open(db_settings) for _ in range(4)]  # as separate processes would
    errors: list[BaseException] = []

    def append_many(worker: int, store: OperationalStore) -> None:
        try:
            for i in range(10):
                store.audit("concurrent", f"worker{worker}", None, {"i": i})
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=append_many, args=(n, s)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == []
    with OperationalStore.open(db_settings) as store:
        report = store.verify_audit()
        assert report.ok, report.problems
        assert report.entries == 40
        assert sorted(e.seq for e in store.audit_entries()) == list(range(1, 41))
