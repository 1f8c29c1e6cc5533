"""Who is calling and what they call with: the ``Caller`` and the shared ``Services``.

Every route receives a ``Caller`` (from an API key or a browser session) and the ``Services`` kept
on ``app.state``; views take both, so the same function serves the JSON API and the HTML pages.
The caller comes from ``callers``; ``Services`` keeps its memos (``memos``) and derived indexes
(``indexes``) in modules of their own. Everything is importable from here as before.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ringfence.errors import AuthError
from ringfence.service.callers import (
    API_PREFIX,
    CSRF_FIELD,
    CSRF_HEADER,
    ORGANISATION_KEY_ROLE,
    SESSION_COOKIE,
    UNSAFE_METHODS,
    Caller,
    caller_for_user,
    optional_caller,
    require_caller,
)
from ringfence.service.indexes import DerivedIndexes
from ringfence.service.lake_pool import LakePool
from ringfence.service.memos import MEMO_SIZE, Memos
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tables import Organisation

if TYPE_CHECKING:
    from ringfence.resolve.screen import ScreeningIndex
    from ringfence.service.entity_table import EntityTable, RiskTable

__all__ = [
    "API_PREFIX",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "DERIVED",
    "MEMO_SIZE",
    "ORGANISATION_KEY_ROLE",
    "SESSION_COOKIE",
    "UNSAFE_METHODS",
    "Caller",
    "Services",
    "caller_for_user",
    "get_services",
    "optional_caller",
    "ready",
    "require_caller",
]


# The indexes ``Services`` derives from the lake: accessor name → the attribute caching it.
_ATTRIBUTES = {
    "screening_index": "_screening",
    "scorer": "_scorer",
    "entity_owners": "_entity_owners",
    "shipment_owners": "_shipment_owners",
    "network": "_network",
    "network_risk": "_network_risk",
    "entity_table": "_entity_table",
    "risk_table": "_risk_table",
}
DERIVED = tuple(_ATTRIBUTES)


@dataclass
class Services(Memos, DerivedIndexes):
    """What every request shares: settings, the operational store, lazily built heavy objects.

    Each derived index is built once (one lock per index, so building one never holds up
    readers of another) and dropped when new data lands. Building can take a minute on a large
    lake: handlers on the event loop call ``await ready(services, ...)`` first, which builds
    what is missing in a worker thread, so the server keeps answering meanwhile.
    """

    settings: Settings
    store: OperationalStore
    _lock: threading.Lock = field(default_factory=threading.Lock)  # guards ``_generation``
    _locks: dict[str, threading.Lock] = field(
        default_factory=lambda: {name: threading.Lock() for name in DERIVED}
    )
    _generation: int = 0  # bumped when data lands: a build started before is not kept
    rewarm: bool = False  # a served app builds stale indexes again at once (warm_in_background)
    _warming: bool = False
    _warm_again: bool = False
    _screening: ScreeningIndex | None = None
    _scorer: Any = None
    _entity_owners: dict[str, list[str]] | None = None
    _shipment_owners: dict[str, str] | None = None
    _network: Any = None
    jobs: Any = None  # the app's ``JobRunner`` (set by ``create_app``)
    # The audit chain's last check (``audit.Verified``) and when its whole-chain check ran
    # (``views.audit.chain_report``).
    audit_verified: tuple[Any, float] | None = None
    _network_risk: dict[str, float] | None = None
    _organisations: dict[str, Organisation] = field(default_factory=dict)
    _entity_table: EntityTable | None = None
    _risk_table: RiskTable | None = None
    _memos: dict[str, OrderedDict[Hashable, Any]] = field(default_factory=dict)
    lake_pool: LakePool = field(init=False)  # open engines over the lake (``sharing.query_lake``)

    def __post_init__(self) -> None:
        self.lake_pool = LakePool(self.settings)
        # Data that landed before this process started is in what it builds: only a later
        # ingest (a newer stamp) makes its indexes stale. Starting from 0 instead made the first
        # request of every served app drop the indexes it had just warmed.
        self._derived_stamp = self._current_stamp()

    def _cached(self, name: str, attribute: str, build: Callable[[], Any]) -> Any:
        """The cached ``attribute``, built under its own lock when missing (None: not kept)."""
        value = getattr(self, attribute)
        if value is not None:
            return value
        with self._locks[name]:
            value = getattr(self, attribute)
            if value is not None:
                return value
            generation = self._generation
            value = build()
            with self._lock:
                if value is not None and generation == self._generation:
                    setattr(self, attribute, value)
            return value

    def is_built(self, *names: str) -> bool:
        """Whether the derived indexes ``names`` (accessor names) are all built."""
        return all(getattr(self, _ATTRIBUTES[name]) is not None for name in names)

    def build(self, *names: str) -> None:
        """Build the derived indexes ``names`` (blocking: call from a worker thread)."""
        for name in names:
            getattr(self, name)()

    def warm_in_background(self) -> None:
        """Build every derived index in a background thread, now and (``rewarm``) again each
        time new data makes them stale, so no page waits seconds for them.

        One warming thread at a time: data landing while it runs makes it go round once more.
        """
        self.rewarm = True
        with self._lock:
            self._warm_again = True
            if self._warming:
                return
            self._warming = True
        threading.Thread(target=self._warm_loop, name="warm", daemon=True).start()

    def _warm_loop(self) -> None:
        while True:
            with self._lock:
                if not self._warm_again:
                    self._warming = False
                    return
                self._warm_again = False
            for name in DERIVED:
                try:
                    self.build(name)
                except Exception as exc:  # an empty lake, a missing model: the first use says why
                    logging.getLogger(__name__).info("not warmed: %s (%s)", name, exc)

    _derived_stamp: int = 0

    def _stamp_path(self) -> Path:
        return self.settings.data_dir / "derived.stamp"

    def _current_stamp(self) -> int:
        try:
            return self._stamp_path().stat().st_mtime_ns
        except OSError:
            return 0

    def refresh_derived(self) -> None:
        """Forget cached indexes if another server process (``--workers``) saw new data land.

        One ``stat`` per request: ``forget_derived`` in any process touches the stamp file.
        """
        stamp = self._current_stamp()
        if stamp and stamp != self._derived_stamp:
            self._derived_stamp = stamp
            self.forget_derived(tell_others=False)

    def forget_derived(self, tell_others: bool = True) -> None:
        """Drop cached indexes after new data lands (an ingest), so they are rebuilt.

        Never waits for a build under way (this runs on the event loop): a build that started
        before is handed to its caller but not kept. A served app (``rewarm``) starts building
        them again in the background at once.
        """
        if tell_others:
            path = self._stamp_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            os.utime(path)  # a fresh time even if the file existed
            self._derived_stamp = path.stat().st_mtime_ns
        with self._lock:
            self._generation += 1
            for attribute in _ATTRIBUTES.values():
                setattr(self, attribute, None)
            self._memos.clear()
        if self.rewarm:
            self.warm_in_background()

    def organisation(self, slug: str) -> Organisation:
        """The organisation ``slug`` (cached; organisations are never renamed)."""
        if slug not in self._organisations:
            for organisation in self.store.organisations():
                self._organisations[organisation.slug] = organisation
        if slug not in self._organisations:
            raise AuthError(f"unknown organisation {slug!r}")
        return self._organisations[slug]


async def ready(services: Services, *names: str) -> None:
    """Make sure the derived indexes ``names`` are built before a handler on the event loop
    uses them: a missing one is built in a worker thread (once, under its lock) while the loop
    goes on answering other requests."""
    if not services.is_built(*names):
        await run_in_threadpool(services.build, *names)


async def get_services(request: Request) -> Services:
    """FastAPI dependency: the app's ``Services`` (async: no thread hop for a lookup)."""
    services: Services = request.app.state.services
    services.refresh_derived()
    return services
