"""Red team, investigator features (issue 13), as an organisation probing another's data.

I1: entity search by name matched the names in the screening index (every organisation's party
records, aliases included) and then showed any hit the caller could read at all. A partner that
shares its entities with only some fields (say the country, not the name) thereby answered
name guesses: searching "Zorblaxion Holdings" listed the entity (name hidden, "name identical"),
so the withheld name was learnt by asking. The same held for an entity two organisations
co-own: a name only the other's record holds found it. A name now matches only the names the
caller may read (the gated entity row's name and its readable party records' names)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.ingest.pipeline import ingest_files
from ringfence.resolve.pipeline import resolve_parties
from ringfence.service.app import create_app
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from tests.service.world import lake_rows

API = "/api/v1"
ME, PARTNER = "ipr-center", "other-org"
MINE = "id,name,country,phone,role\nP1,Shenzhen Bright Trading,CN,+8613800000001,shipper\n"
THEIRS = (
    "id,name,country,phone,role\n"
    "Q1,Zorblaxion Holdings,MT,+35621000111,shipper\n"
    "Q2,Rotterdam Forwarding BV,NL,,consignee\n"
)
SECRET = "Zorblaxion Holdings"


@pytest.fixture()
def partner_world(settings: Settings, tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    """Two organisations; the partner shares its entities' countries, not their names."""
    keys = {}
    with OperationalStore.open(settings) as store:
        for org in (ME, PARTNER):
            store.ensure_organisation(org, org, "partner")
            user = store.create_user(
                organisation=org, email=f"a@{org}.test", role="analyst", display_name="A"
            )
            keys[org] = store.create_api_key(org, user)
        store.create_sharing_agreement(owner=PARTNER, recipient=ME, dataset="entities",
                                       fields=["country"], actor="test")  # fmt: skip
    for org, text in ((ME, MINE), (PARTNER, THEIRS)):
        path = tmp_path / f"{org}.csv"
        path.write_text(text, encoding="utf-8")
        ingest_files(settings, "parties", [path], organisation=org)
    resolve_parties(settings)
    return settings, keys


def test_i1_a_withheld_name_is_not_learnt_by_searching_for_it(
    partner_world: tuple[Settings, dict[str, str]],
) -> None:
    settings, keys = partner_world
    hidden = lake_rows(settings, "entity_mentions",
                       f"SELECT entity_id FROM entity_mentions WHERE organisation = '{PARTNER}' "
                       "AND source_key LIKE '%Q1'")[0]["entity_id"]  # fmt: skip
    with TestClient(create_app(settings)) as client:
        mine = {"Authorization": f"Bearer {keys[ME]}"}
        # The agreement holds: the entity is readable, its country shown, its name not.
        by_country = client.get(f"{API}/entities", params={"country": "MT"}, headers=mine)
        assert by_country.status_code == 200, by_country.text
        (row,) = [h for h in by_country.json()["hits"] if h["entity_id"] == hidden]
        assert row["name"] is None and row["country"] == "MT"
        own = client.get(f"{API}/entities", params={"name": "Shenzhen Bright Tradng"},
                         headers=mine)  # fmt: skip
        assert [h["name"] for h in own.json()["hits"]] == ["Shenzhen Bright Trading"]
        for guess in (SECRET, "Zorblaxion Holding", "Zorblaxion"):
            found = client.get(f"{API}/entities", params={"name": guess}, headers=mine)
            assert found.status_code == 200
            assert hidden not in found.text, (guess, found.json())
            page = client.get("/entities", params={"name": guess}, headers=mine)
            assert page.status_code == 200 and hidden not in page.text
        # The partner itself still finds its own entity by name.
        theirs = {"Authorization": f"Bearer {keys[PARTNER]}"}
        found = client.get(f"{API}/entities", params={"name": SECRET}, headers=theirs)
        assert hidden in [h["entity_id"] for h in found.json()["hits"]]


def test_i2_one_organisations_long_watch_check_does_not_hold_another_s_alerts(
    partner_world: tuple[Settings, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """I2: checks ran one at a time in the whole process (one lock), and a check reads every
    watch's links (0.7-0.9 s a watch, bench/watch_check.py): an organisation with its 500
    watches held every other organisation's alerts page and ``GET /alerts`` for minutes after
    each ingest. Checks of different organisations no longer wait for each other."""
    from ringfence.investigate import check

    settings, _ = partner_world
    app = create_app(settings)
    services = app.state.services
    release, started = threading.Event(), threading.Event()
    real = check.check_watches

    def slow(services: Any, organisation: str | None = None, **kw: Any) -> check.CheckReport:
        if organisation == PARTNER:
            started.set()
            release.wait(30)
        return real(services, organisation, **kw)

    monkeypatch.setattr(check, "check_watches", slow)
    long = threading.Thread(target=check.check_if_changed, args=(services, PARTNER))
    long.start()
    try:
        assert started.wait(10)
        done = threading.Event()
        other = threading.Thread(
            target=lambda: (check.check_if_changed(services, ME), done.set()), daemon=True
        )
        other.start()
        assert done.wait(5), "another organisation's check waited for the partner's"
    finally:
        release.set()
        long.join(30)
        services.store.close()


HIDDEN_ORG = "hidden-org"
CROWD = "id,name,country,phone,role\n" + "".join(
    f"H{i},Quentor Trading,{c},+3162000{i:04d},shipper\n"
    for i, c in enumerate(("NL", "DE", "FR", "BE", "PL"))
)
# Names nobody else has, so that "quentor" stays a rare word (screening discounts common ones).
FILLER_NAMES = [f"{a} {b} Logistics" for a in ("Amber", "Birch", "Cobalt", "Dune", "Ember", "Fjord",
                "Garnet", "Harbor") for b in ("North", "South", "East", "West", "Upper", "Lower",
                "Inner", "Outer")]  # fmt: skip
MINE_TOO = (
    "id,name,country,phone,role\nM1,Quentor Trading Malta,MT,+35621999111,shipper\n"
    + "".join(f"F{i},{n},GB,+4420700{i:05d},consignee\n" for i, n in enumerate(FILLER_NAMES))
)


def test_i4_entities_one_may_not_read_do_not_crowd_out_ones_own(
    settings: Settings, tmp_path: Path
) -> None:
    """I4: a name search screened only ``limit * 4`` candidates and then dropped those the
    caller may not read, so better-scoring entities of an organisation sharing nothing pushed
    the caller's own entity out (limit=1: no hits at all, limit=25: its own entity), and the
    difference told that hidden entities of that name exist. The whole candidate pool is now
    screened before the gate."""
    with OperationalStore.open(settings) as store:
        for org in (ME, HIDDEN_ORG):
            store.ensure_organisation(org, org, "partner")
        user = store.create_user(organisation=ME, email="a@me.test", role="analyst",
                                 display_name="A")  # fmt: skip
        key = store.create_api_key(ME, user)
    for org, text in ((ME, MINE_TOO), (HIDDEN_ORG, CROWD)):
        path = tmp_path / f"{org}.csv"
        path.write_text(text, encoding="utf-8")
        ingest_files(settings, "parties", [path], organisation=org)
    resolve_parties(settings)
    with TestClient(create_app(settings)) as client:
        mine = {"Authorization": f"Bearer {key}"}
        wide = client.get(f"{API}/entities", params={"name": "Quentor Trading", "limit": 25},
                          headers=mine).json()["hits"]  # fmt: skip
        assert [h["name"] for h in wide] == ["Quentor Trading Malta"]
        narrow = client.get(f"{API}/entities", params={"name": "Quentor Trading", "limit": 1},
                            headers=mine).json()["hits"]  # fmt: skip
        assert narrow == wide


EXIT_DURING_CHECK = """
import sys, time
from ringfence.investigate.check import unread_alerts
from ringfence.service.context import Services
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
store = OperationalStore.open(Settings(data_dir=sys.argv[1], database_url=sys.argv[2] or None))
services = Services(store.settings, store)
unread_alerts(services, sys.argv[3])  # starts the background check
time.sleep(float(sys.argv[4]))
"""


@pytest.mark.parametrize("after", [0.2, 0.5, 1.0])
def test_i5_leaving_while_a_background_check_runs_does_not_abort_the_process(
    partner_world: tuple[Settings, dict[str, str]], after: float
) -> None:
    """I5: the menu badge's background check ran in a daemon thread; a process leaving while it
    read the lake (a server stopping after a page view, pytest after the investigate tests)
    died with 'terminate called ... FATAL: exception not rethrown', exit 134. The check now
    finishes before the process leaves."""
    settings, _ = partner_world
    with OperationalStore.open(settings) as store:
        entity = lake_rows(settings, "entity_mentions",
                           f"SELECT entity_id FROM entity_mentions WHERE organisation = '{ME}'"
                           )[0]["entity_id"]  # fmt: skip
        from ringfence.investigate.watch_store import WatchStore

        WatchStore.for_store(store).add_watch(ME, entity, actor="test")
    args = [str(settings.data_dir), settings.database_url or "", ME, str(after)]
    done = subprocess.run([sys.executable, "-c", EXIT_DURING_CHECK, *args],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])


@pytest.mark.parametrize(("fields", "shown"), [(["title", "status"], False), (["*"], True)])
def test_i6_a_partners_case_shows_on_an_entity_only_if_its_items_are_shared(
    partner_world: tuple[Settings, dict[str, str]], fields: list[str], shown: bool
) -> None:
    """I6: the entity page listed every case holding the entity (or its shipments) that the
    gate let the caller see as a case-list row, so a partner sharing only its cases' titles
    and status told, through the entity page, which of the caller's entities its case holds:
    the case's items, which it had not shared. A partner's case is listed only when the
    agreement shares its items."""
    settings, keys = partner_world
    entity = lake_rows(settings, "entity_mentions",
                       f"SELECT entity_id FROM entity_mentions WHERE organisation = '{ME}'"
                       )[0]["entity_id"]  # fmt: skip
    with OperationalStore.open(settings) as store:
        case = store.open_case(PARTNER, "Operation Quiet Harbour", actor="test")
        store.add_case_item(case.id, "entity", entity, actor="test")
        store.create_sharing_agreement(owner=PARTNER, recipient=ME, dataset="cases",
                                       fields=fields, actor="test")  # fmt: skip
    with TestClient(create_app(settings)) as client:
        mine = {"Authorization": f"Bearer {keys[ME]}"}
        listed = client.get(f"{API}/cases", headers=mine).json()["cases"]
        assert [c["title"] for c in listed] == ["Operation Quiet Harbour"]  # the agreement
        links = client.get(f"{API}/entities/{entity}/links", headers=mine)
        assert links.status_code == 200, links.text
        assert ("Operation Quiet Harbour" in links.text) is shown, links.json()["cases"]
        page = client.get(f"/entities/{entity}", headers=mine)
        assert page.status_code == 200
        assert ("Operation Quiet Harbour" in page.text) is shown


def test_i7_requests_waiting_for_a_running_check_give_up_their_thread(
    partner_world: tuple[Settings, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """I7: ``GET /alerts`` and the alerts page waited, without limit, for a check of the
    organisation already under way (500 watches: minutes, and any organisation's ingest starts
    one). Each waiting request held one of the service's worker threads, so a few dozen such
    requests from one organisation stalled every organisation's requests. A request now waits
    at most ``CHECK_WAIT_SECONDS`` and then shows the alerts stored so far."""
    from ringfence.investigate import check

    settings, _ = partner_world
    services = create_app(settings).state.services
    release, started = threading.Event(), threading.Event()
    real = check.check_watches

    def slow(services: Any, organisation: str | None = None, **kw: Any) -> check.CheckReport:
        started.set()
        release.wait(30)
        return real(services, organisation, **kw)

    monkeypatch.setattr(check, "check_watches", slow)
    monkeypatch.setattr(check, "CHECK_WAIT_SECONDS", 0.5, raising=False)
    long = threading.Thread(target=check.check_if_changed, args=(services, ME))
    long.start()
    try:
        assert started.wait(10)
        done = threading.Event()
        waiter = threading.Thread(
            target=lambda: (check.check_if_changed(services, ME), done.set()), daemon=True
        )
        waiter.start()
        assert done.wait(5), "a request waited for the whole running check"
    finally:
        release.set()
        long.join(30)
        services.store.close()
