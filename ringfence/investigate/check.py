"""Checking watched entities: what links to each now, as its organisation may see it, against
what the watch recorded before; the difference becomes alerts.

A watch's first check (when it is added) records the baseline without alerts. Later checks run
after data lands (``ringfence ingest``, ``ringfence resolve``, an upload through the service) or
on demand (``ringfence watch check``). Each watch is checked with the policy of the organisation
that owns it, so an alert names only what that organisation could open anyway.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path

from ringfence.errors import NotFoundError, RingfenceError
from ringfence.investigate.linked import linked
from ringfence.investigate.tables import EntityWatch
from ringfence.investigate.watch_store import WatchStore
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.store.lake import Lake

# The datasets whose change can link something new to an entity.
WATCHED_DATASETS = ("entity_mentions", "parties", "sellers", "watchlist", "shipments",
                    "outcomes", "listings")  # fmt: skip
CHECK_ACTOR = "system:watch-check"
# One check of an organisation's watches at a time per process (two would race to record);
# organisations do not wait for each other (a check of 500 watches takes minutes).
_CHECKING: dict[str, threading.Lock] = {}
_STARTING = threading.Lock()
CHECK_WAIT_SECONDS = 20.0  # how long a request waits for a check under way
_RUNNING: set[str] = set()  # organisations whose background check is under way
log = logging.getLogger(__name__)


@dataclasses.dataclass
class CheckReport:
    """What one check found: watches checked, new alerts, entities no longer readable."""

    watches: int = 0
    alerts: int = 0
    unreadable: int = 0


def lake_stamp(services: Services) -> str:
    """A fingerprint of the lake parts a check reads: it changes whenever data lands."""
    lake = Lake(services.settings)
    parts: list[str] = []
    for name in WATCHED_DATASETS:
        for part in lake.parts(name):
            path = Path(part)
            try:
                parts.append(f"{path.name}:{path.stat().st_mtime_ns}")
            except OSError:
                continue
    return "|".join(parts)


def organisation_caller(services: Services, organisation: str) -> Caller:
    """The organisation itself as a caller (a check reads as its policy allows, no role)."""
    org = services.organisation(organisation)
    return Caller(
        organisation=org.slug,
        organisation_kind=org.kind,
        user_id=None,
        email=None,
        role=None,
        display_name=org.name or org.slug,
    )


def check_watch(
    services: Services, watch: EntityWatch, *, baseline: bool = False, actor: str = CHECK_ACTOR
) -> int:
    """Check one watch; the number of new links recorded (alerts unless ``baseline``).
    An entity the organisation may no longer read records nothing (-1)."""
    caller = organisation_caller(services, watch.organisation)
    policy = sharing.Policy.load(services, caller)
    try:
        found = linked(services, caller, watch.entity_id, policy=policy)
    except NotFoundError:
        return -1
    keys = found.keys() | _neighbours(services, caller, watch.entity_id)
    store = WatchStore.for_store(services.store)
    return store.record_links(watch.id, sorted(keys), alert=not baseline, actor=actor)


def _neighbours(services: Services, caller: Caller, entity_id: str) -> set[tuple[str, str]]:
    """Entities one link away that the caller may see (a new one is a new link)."""
    from ringfence.service.views.entities import entity_profile

    try:
        profile = entity_profile(services, caller, entity_id, hops=1)
    except NotFoundError:
        return set()
    return {("link", n.entity_id) for n in profile.nodes if n.entity_id != entity_id}


def check_watches(
    services: Services, organisation: str | None = None, *, actor: str = CHECK_ACTOR
) -> CheckReport:
    """Check every watch (or one organisation's); what it found."""
    report = CheckReport()
    for watch in WatchStore.for_store(services.store).watches(organisation):
        found = check_watch(services, watch, actor=actor)
        report.watches += 1
        if found < 0:
            report.unreadable += 1
        else:
            report.alerts += found
    return report


def check_if_changed(services: Services, organisation: str) -> CheckReport | None:
    """Check ``organisation``'s watches when the lake changed since its last check in this
    process (the service calls this before showing alerts); None when nothing changed."""
    stamp = lake_stamp(services)
    seen: dict[str, str] = services.__dict__.setdefault("_watch_stamps", {})
    if seen.get(organisation) == stamp:
        return None
    with _STARTING:
        lock = _CHECKING.setdefault(organisation, threading.Lock())
    # A check already under way may take minutes (500 watches): wait a while, then show what
    # is stored rather than hold one of the service's worker threads until it ends.
    if not lock.acquire(timeout=CHECK_WAIT_SECONDS):
        return None
    try:
        if seen.get(organisation) == stamp:
            return None
        report = check_watches(services, organisation)
        seen[organisation] = stamp
    finally:
        lock.release()
    return report


def _check_quietly(services: Services, organisation: str) -> None:
    try:
        check_if_changed(services, organisation)
    except RingfenceError as exc:  # logged; the badge still shows what is stored
        log.warning("checking the watches of %s failed: %s", organisation, exc)
    finally:
        with _STARTING:
            _RUNNING.discard(organisation)


def unread_alerts(services: Services, organisation: str) -> int:
    """The organisation's unread alerts for the menu's badge. If data landed since its last
    check, a check starts in the background (it reads every watch's links through the gate:
    about a second per watch on a busy machine, too long to hold a page); the badge counts it
    on the next page, the alerts page waits for it."""
    store = WatchStore.for_store(services.store)
    if store.has_watches(organisation) and _changed(services, organisation):
        with _STARTING:
            start = organisation not in _RUNNING
            _RUNNING.add(organisation)
        if start:  # not a daemon: a process leaving mid-check would abort inside DuckDB
            threading.Thread(
                target=_check_quietly, args=(services, organisation), daemon=False
            ).start()
    return store.unread_count(organisation)


def _changed(services: Services, organisation: str) -> bool:
    seen: dict[str, str] = services.__dict__.setdefault("_watch_stamps", {})
    return seen.get(organisation) != lake_stamp(services)
