"""The navigation: which pages a caller's organisation kind and role get a link to.

This only decides what the menu offers, so nobody is shown a page that would answer 403; the
backend views enforce access on every request whatever the menu says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

ANY = frozenset({"*"})


class CallerLike(Protocol):
    """The two attributes of ``ringfence.service.context.Caller`` the menu depends on."""

    @property
    def organisation_kind(self) -> str: ...

    @property
    def role(self) -> str | None: ...


@dataclass(frozen=True)
class NavItem:
    """One menu entry: ``key`` marks the active page, ``roles``/``kinds`` who sees it."""

    key: str
    label: str
    href: str
    roles: frozenset[str] = ANY
    kinds: frozenset[str] = ANY

    def shown_to(self, caller: CallerLike) -> bool:
        """Whether ``caller`` gets this entry (an API-key caller counts as an analyst)."""
        role = caller.role or "analyst"
        role_ok = self.roles is ANY or role in self.roles
        kind_ok = self.kinds is ANY or caller.organisation_kind in self.kinds
        return role_ok and kind_ok


_STAFF = frozenset({"admin", "analyst", "officer", "investigator"})
_INSPECTING_KINDS = frozenset({"customs", "carrier"})

NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("dashboard", "Dashboard", "/dashboard"),
    NavItem(
        "queue",
        "Inspection queue",
        "/queue",
        roles=frozenset({"admin", "analyst", "officer"}),
        kinds=_INSPECTING_KINDS,
    ),
    NavItem(
        "listings",
        "Listings",
        "/listings/queue",
        roles=frozenset({"admin", "analyst", "investigator"}),
        kinds=frozenset({"marketplace"}),
    ),
    NavItem("screen", "Screening", "/screen", roles=_STAFF),
    NavItem("entities", "Entities", "/entities", roles=_STAFF),
    NavItem("watchlist", "Watchlist", "/watchlist", roles=_STAFF),
    NavItem("seizures", "Seizures", "/seizures"),
    NavItem(
        "brand-portal",
        "Brand portal",
        "/brand-portal",
        roles=frozenset({"admin", "brand_user"}),
        kinds=frozenset({"brand"}),
    ),
    NavItem("cases", "Cases", "/cases"),
    NavItem("alerts", "Alerts", "/alerts", roles=_STAFF),
    NavItem("ingest", "Ingest", "/ingest", roles=frozenset({"admin", "analyst"})),
    NavItem("sharing", "Sharing", "/sharing", roles=frozenset({"admin", "analyst"})),
    NavItem("audit", "Audit", "/audit", roles=frozenset({"admin"})),
)


def nav_for(caller: CallerLike) -> list[NavItem]:
    """The menu entries ``caller`` is shown, in menu order."""
    return [item for item in NAV_ITEMS if item.shown_to(caller)]


def home_for(caller: CallerLike) -> str:
    """The page a caller lands on after login: officers their queue, others the dashboard."""
    entries = {item.key: item for item in nav_for(caller)}
    if caller.role == "officer" and "queue" in entries:
        return entries["queue"].href
    return "/dashboard"
