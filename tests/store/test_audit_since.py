"""Checking the audit chain from a verified point (the audit page between whole checks):
only the entries after it are recomputed, but a removal before it, a renumbering, or a change
to its last entry still shows; an entry altered earlier shows at the next whole check, which
the service runs every ``RINGFENCE_AUDIT_FULL_CHECK_SECONDS``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ringfence.service.context import Services
from ringfence.service.views.audit import chain_report
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.audit import Verified
from tests.store.test_audit import _drop_append_only_triggers, _raw


@pytest.fixture
def store(db_settings: Settings) -> Iterator[OperationalStore]:
    with OperationalStore.open(db_settings) as opened:
        for i in range(1, 6):
            opened.audit("ingest.run", f"user{i}", "acme", {"run": i})
        yield opened


def _point(store: OperationalStore) -> Verified:
    report = store.verify_audit()
    assert report.ok and report.verified is not None
    assert (report.verified.seq, report.verified.entries) == (5, 5)
    return report.verified


def test_the_entries_after_a_verified_point_are_checked(store: OperationalStore) -> None:
    since = _point(store)
    for i in range(6, 9):
        store.audit("ingest.run", f"user{i}", "acme", {"run": i})
    report = store.verify_audit(since=since)
    assert report.ok and report.entries == 8 and report.verified is not None
    assert report.verified == store.verify_audit().verified  # as the whole check ends
    _drop_append_only_triggers(store)
    _raw(store, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 7")
    assert not store.verify_audit(since=since).ok


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM audit_log WHERE seq = 2",  # removed before the point
        "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3",  # renumbered across it
        "UPDATE audit_log SET hash = 'x' WHERE seq = 5",  # its last entry changed
    ],
)
def test_the_part_before_the_point_is_held_to_it(store: OperationalStore, sql: str) -> None:
    since = _point(store)
    store.audit("ingest.run", "user6", "acme", {"run": 6})
    _drop_append_only_triggers(store)
    _raw(store, sql)
    assert not store.verify_audit(since=since).ok


def test_an_entry_altered_before_the_point_shows_at_the_whole_check(
    store: OperationalStore,
) -> None:
    since = _point(store)
    _drop_append_only_triggers(store)
    _raw(store, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    assert store.verify_audit(since=since).ok  # the price of not recomputing it
    assert not store.verify_audit().ok


def test_the_page_checks_the_whole_chain_every_so_often(
    store: OperationalStore, db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    real = store.verify_audit

    def spy(anchor: Any = None, since: Verified | None = None) -> Any:
        calls.append(since)
        return real(anchor, since)

    monkeypatch.setattr(store, "verify_audit", spy)
    services = Services(db_settings.model_copy(update={"audit_full_check_seconds": 3600}), store)
    assert chain_report(services).entries == 5
    store.audit("ingest.run", "user6", "acme", {"run": 6})
    assert chain_report(services).entries == 6
    assert calls[0] is None and calls[1] is not None and calls[1].seq == 5
    services.settings = db_settings.model_copy(update={"audit_full_check_seconds": 0})
    assert chain_report(services).entries == 6 and calls[2] is None  # every view: the whole
    _drop_append_only_triggers(store)
    _raw(store, "DELETE FROM audit_log WHERE seq = 6")
    assert not chain_report(services).ok and services.audit_verified is None
