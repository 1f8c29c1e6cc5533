"""Who is calling and what they call with: the ``Caller`` and the shared ``Services``.

Every route receives a ``Caller`` (from an API key or a browser session) and the ``Services`` kept
on ``app.state``; views take both, so the same function serves the JSON API and the HTML pages.
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

import pyarrow.parquet as pq
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ringfence.errors import AuthError, ForbiddenError, UserError
from ringfence.service.lake_pool import LakePool
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tables import Organisation, User

if TYPE_CHECKING:
    from ringfence.resolve.screen import ScreeningIndex
    from ringfence.service.entity_table import EntityTable, RiskTable

API_PREFIX = "/api/v1"
SESSION_COOKIE = "ringfence_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Caller:
    """The organisation (and, for users, the person and role) a request acts for."""

    organisation: str
    organisation_kind: str
    user_id: int | None
    email: str | None
    role: str | None
    display_name: str
    via_session: bool = False
    csrf_token: str | None = None

    @property
    def actor(self) -> str:
        """What the audit log records as the actor: the e-mail, or ``key:<org>``."""
        return self.email or f"key:{self.organisation}"

    def require_role(self, *roles: str) -> None:
        """``ForbiddenError`` unless the caller has one of ``roles``."""
        if self.role not in roles:
            raise ForbiddenError(
                f"this needs the role {' or '.join(roles)}; you are {self.role or 'a bare key'}"
            )


# A key that belongs to no user acts as an analyst of its organisation: it can read and upload,
# but decisions (outcomes) and administration need a named person.
ORGANISATION_KEY_ROLE = "analyst"


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
# Most values each memo (``Services.memo``) keeps; the least recently used go first.
MEMO_SIZE = 50_000


@dataclass
class Services:
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

    def memo(self, name: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept under ``key`` in the memo ``name`` until new data lands.

        For values derived from the lake alone, or from the lake and a caller's policy with the
        policy's ``fingerprint`` in ``key`` (so a changed agreement never meets an old value).
        At most ``MEMO_SIZE`` values per memo, least recently used dropped first.
        """
        with self._lock:
            memo = self._memos.setdefault(name, OrderedDict())
            if key in memo:
                memo.move_to_end(key)
                return memo[key]
            generation = self._generation
        value = compute()
        with self._lock:
            if generation == self._generation:
                memo = self._memos.setdefault(name, OrderedDict())
                memo[key] = value
                if len(memo) > MEMO_SIZE:
                    memo.popitem(last=False)
        return value

    def memo_many(
        self,
        name: str,
        keys: list[Hashable],
        compute: Callable[[list[Hashable]], dict[Hashable, Any]],
    ) -> dict[Hashable, Any]:
        """``memo`` for several keys at once: ``compute`` gets the keys not kept yet and
        returns their values (every one of them)."""
        found: dict[Hashable, Any] = {}
        with self._lock:
            memo = self._memos.setdefault(name, OrderedDict())
            for key in keys:
                if key in memo:
                    memo.move_to_end(key)
                    found[key] = memo[key]
            generation = self._generation
        missing = [key for key in keys if key not in found]
        if not missing:
            return found
        computed = compute(missing)
        with self._lock:
            if generation == self._generation:
                memo = self._memos.setdefault(name, OrderedDict())
                for key in missing:
                    memo[key] = computed[key]
                while len(memo) > MEMO_SIZE:
                    memo.popitem(last=False)
        found.update(computed)
        return found

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

    def screening_index(self) -> ScreeningIndex:
        """The screening index, loaded on first use (it holds every resolved entity)."""

        def build() -> ScreeningIndex:
            from ringfence.resolve.screen import ScreeningIndex

            return ScreeningIndex.load(self.settings)

        index: ScreeningIndex = self._cached("screening_index", "_screening", build)
        return index

    def scorer(self) -> Any:
        """The online shipment scorer (``ringfence.score.online``), loaded on first use.

        ``None`` when that module is not available; callers then fall back to batch scoring.
        """

        def build() -> Any:
            try:
                from ringfence.score import online
            except ImportError:
                return None
            return online.OnlineScorer.load(self.settings)

        return self._cached("scorer", "_scorer", build)

    def entity_owners(self) -> dict[str, list[str]]:
        """Entity id → organisations whose mentions make it up (loaded once, for the policy)."""

        def build() -> dict[str, list[str]]:
            owners: dict[str, list[str]] = {}
            for part in Lake(self.settings).parts("entities"):
                table = pq.read_table(part, columns=["entity_id", "organisations"])
                ids = table.column("entity_id").to_pylist()
                orgs = table.column("organisations").to_pylist()
                owners.update(zip(ids, (o or [] for o in orgs), strict=True))
            return owners

        owners: dict[str, list[str]] = self._cached("entity_owners", "_entity_owners", build)
        return owners

    def shipment_owners(self) -> dict[str, str]:
        """Shipment id → supplying organisation (loaded once; for the policy's fast path)."""

        def build() -> dict[str, str]:
            owners: dict[str, str] = {}
            for part in Lake(self.settings).parts("shipments"):
                table = pq.read_table(part, columns=["id", "organisation"])
                ids = table.column("id").to_pylist()
                owners.update(zip(ids, table.column("organisation").to_pylist(), strict=True))
            return owners

        owners: dict[str, str] = self._cached("shipment_owners", "_shipment_owners", build)
        return owners

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

    def network(self) -> Any:
        """The entity network (``ringfence.resolve.network.load.Network``) or None if empty."""

        def build() -> Any:
            from ringfence.resolve.network.load import load_network
            from ringfence.store.engine import open_engine

            engine = open_engine(self.settings)
            try:
                return load_network(self.settings, engine)
            except UserError:
                return None
            finally:
                engine.close()

        return self._cached("network", "_network", build)

    def network_risk(self) -> dict[str, float]:
        """Entity id → network risk (empty before ``ringfence network risk`` has run)."""

        def build() -> dict[str, float]:
            risk: dict[str, float] = {}
            for part in Lake(self.settings).parts("network_risk"):
                table = pq.read_table(part, columns=["entity_id", "network_risk"])
                ids = table.column("entity_id").to_pylist()
                risk.update(zip(ids, table.column("network_risk").to_pylist(), strict=True))
            return risk

        risk: dict[str, float] = self._cached("network_risk", "_network_risk", build)
        return risk

    def entity_table(self) -> EntityTable:
        """Every resolved entity's row with its per-owner parts (before the policy gate)."""

        def build() -> EntityTable:
            from ringfence.service.entity_table import EntityTable

            return EntityTable.load(self.settings)

        table: EntityTable = self._cached("entity_table", "_entity_table", build)
        return table

    def risk_table(self) -> RiskTable:
        """Every entity's ``network_risk`` row (risk, nearest seed, hops), found by id."""

        def build() -> RiskTable:
            from ringfence.service.entity_table import RiskTable

            return RiskTable.load(self.settings)

        table: RiskTable = self._cached("risk_table", "_risk_table", build)
        return table

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


def caller_for_user(services: Services, user: User, *, csrf_token: str | None = None) -> Caller:
    """The ``Caller`` of a user (session when ``csrf_token`` is given)."""
    organisation = services.organisation(user.organisation)
    return Caller(
        organisation=user.organisation,
        organisation_kind=organisation.kind,
        user_id=user.id,
        email=user.email,
        role=user.role,
        display_name=user.display_name,
        via_session=csrf_token is not None,
        csrf_token=csrf_token,
    )


def _api_key_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def _caller_from_key(services: Services, key: str) -> Caller:
    organisation, user = services.store.api_key_holder(key)
    if user is not None:
        return caller_for_user(services, user)
    kind = services.organisation(organisation).kind
    return Caller(organisation, kind, None, None, ORGANISATION_KEY_ROLE, f"{organisation} key")


async def _check_csrf(request: Request, caller: Caller) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER.lower())
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or sent != caller.csrf_token:
        raise ForbiddenError("missing or wrong CSRF token; reload the page and try again")


async def optional_caller(request: Request) -> Caller | None:
    """FastAPI dependency: the caller, or None when the request carries no credentials.

    Wrong credentials still fail (``AuthError``): only their absence gives None.
    """
    cached = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    services: Services = request.app.state.services
    key = _api_key_from(request)
    if key:
        caller = _caller_from_key(services, key)
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        user, web_session = services.store.web_session(token)
        caller = caller_for_user(services, user, csrf_token=web_session.csrf_token)
        await _check_csrf(request, caller)
    request.state.caller = caller
    return caller


async def require_caller(request: Request) -> Caller:
    """FastAPI dependency: the caller; ``AuthError`` (401) without valid credentials."""
    caller = await optional_caller(request)
    if caller is None:
        raise AuthError("log in or send an API key (Authorization: Bearer <key>)")
    return caller
