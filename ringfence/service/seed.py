"""Demo access to the simulated world: one user per role each organisation needs, the
standing sharing agreements of the joint operation, and the brands' approved registrations.

``seed_demo_access`` is idempotent: run again, it keeps organisations, users and agreements and
only gives every demo user a fresh password (returned, since passwords are stored hashed).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

DEMO_DOMAIN = "demo.ringfence.test"
SEED_ACTOR = "seed"

# Roles per organisation kind: who works there in the operation.
ROLES_BY_KIND = {
    "customs": ("admin", "officer", "analyst"),
    "carrier": ("admin", "analyst"),
    "marketplace": ("admin", "investigator"),
    "ipcrime": ("admin", "investigator"),
    "brand": ("admin", "brand_user"),
    "partner": ("admin", "analyst"),
}
# What a watchlist entry shows other partners: who it is, never the internal notes/evidence.
WATCHLIST_IDENTIFIERS = [
    "schema_",
    "name",
    "street",
    "city",
    "postcode",
    "country",
    "phone",
    "email",
    "identifier",
    "bank_account",
    "website",
    "brand",
    "confirmed_at",
]
ENTITY_SUMMARY = ["name", "schema", "country", "watchlisted", "network_risk", "mention_count"]
SEIZURE_FACTS = [
    "date",
    "label",
    "positive",
    "result",
    "goods_found",
    "brand",
    "units",
    "value",
    "currency",
    "origin_country",
]
# Which organisations know a party: shared by customs and carriers with a marketplace, so its
# dashboard can show its sellers seen at the border (each owner shares only its own part).
BORDER_SIGHTINGS = ["organisations"]
HOLD_FACTS = ["shipment_ref", "shipment_organisation", "date", "label", "positive", "result"]


@dataclass(frozen=True)
class DemoLogin:
    """A demo user and the password it was just given."""

    organisation: str
    kind: str
    role: str
    email: str
    password: str


def _pairs(
    owners: list[str],
    recipients: list[str],
    dataset: str,
    fields: list[str],
    purpose: str,
    row_filter: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One agreement per (owner, recipient) pair of different organisations."""
    return [
        {
            "owner": owner,
            "recipient": recipient,
            "dataset": dataset,
            "fields": fields,
            "row_filter": row_filter or {},
            "purpose": purpose,
        }
        for owner in owners
        for recipient in recipients
        if owner != recipient
    ]


def _agreements(kinds: dict[str, str]) -> list[dict[str, Any]]:
    """The joint operation's standing agreements among the organisations present."""
    of_kind = {k: [slug for slug, kind in kinds.items() if kind == k] for k in set(kinds.values())}
    customs, carriers = of_kind.get("customs", []), of_kind.get("carrier", [])
    markets, ipcrime = of_kind.get("marketplace", []), of_kind.get("ipcrime", [])
    brands = of_kind.get("brand", [])
    operation = customs + carriers + markets + ipcrime
    screening, targeting = "screen parties against confirmed counterfeiters", "risk-target parcels"
    investigating = "coordinate IP-crime investigations"
    out = _pairs(markets + ipcrime, operation, "watchlist", WATCHLIST_IDENTIFIERS, screening)
    out += _pairs(operation, operation, "entities", ENTITY_SUMMARY, "resolve parties together")
    for dataset in ("shipments", "parties"):
        out += _pairs(carriers, customs + ipcrime, dataset, ["*"], targeting)
    for dataset in ("outcomes", "seizures", "recorded_outcomes"):
        out += _pairs(customs, ipcrime, dataset, ["*"], investigating)
        out += _pairs(
            customs, carriers, dataset, HOLD_FACTS, "a carrier sees holds on its own parcels",
            {"shipment_organisation": "$recipient"},
        )  # fmt: skip
    for dataset in ("sellers", "listings"):
        out += _pairs(markets, ipcrime, dataset, ["*"], investigating)
    out += _pairs(
        customs + carriers, markets, "entities", BORDER_SIGHTINGS,
        "a marketplace sees which of its sellers appear in declarations and manifests",
    )  # fmt: skip
    out += _pairs(
        customs, brands, "seizures", SEIZURE_FACTS, "a brand sees seizures of its own goods",
        {"brand": "$recipient_brands"},
    )  # fmt: skip
    out += _pairs(
        markets, brands, "pageview_measure", ["*"],
        "a brand sees the page-view measure of listings claiming its own brands",
        {"brand": "$recipient_brands"},
    )  # fmt: skip
    return out


def seed_demo_access(store: OperationalStore) -> list[DemoLogin]:
    """Users for every organisation of the store and the standing agreements; the logins."""
    organisations = store.organisations()
    kinds = {o.slug: o.kind for o in organisations}
    existing = {u.email for u in store.users()}
    logins = []
    for organisation in organisations:
        for role in ROLES_BY_KIND.get(organisation.kind, ("admin",)):
            email = f"{role.replace('_', '-')}@{organisation.slug}.{DEMO_DOMAIN}"
            password = secrets.token_urlsafe(12)  # 16 characters: passes the password policy
            if email in existing:
                store.set_password(email, password)
            else:
                store.create_user(
                    organisation=organisation.slug,
                    email=email,
                    role=role,
                    password=password,
                    display_name=f"{organisation.name} {role.replace('_', ' ')}",
                )
            logins.append(DemoLogin(organisation.slug, organisation.kind, role, email, password))
    held = {
        (a.owner, a.recipient, a.dataset, tuple(a.fields), repr(sorted(a.row_filter.items())))
        for a in store.sharing_agreements()
    }
    for agreement in _agreements(kinds):
        key = (
            agreement["owner"],
            agreement["recipient"],
            agreement["dataset"],
            tuple(agreement["fields"]),
            repr(sorted(agreement["row_filter"].items())),
        )
        if key not in held:
            store.create_sharing_agreement(**agreement, actor=SEED_ACTOR)
    register_demo_brands(store, [o.slug for o in organisations if o.kind == "brand"])
    return logins


def register_demo_brands(store: OperationalStore, brand_organisations: list[str]) -> list[int]:
    """Register and approve the simulated world's trademarks for its brand organisations.

    The simulator's brand register (who owns which brand, and its known misspellings) stands
    in for the trademark check an operator does before approving; a brand's scope never comes
    from its own ``brands`` feed. Registrations already held are kept; returns the new ids.
    """
    from ringfence.sim.brands import BRAND_SPECS

    held = {(r.organisation, r.brand) for r in store.brand_registrations()}
    created = []
    for spec in BRAND_SPECS:
        if spec.org in brand_organisations and (spec.org, spec.name) not in held:
            registration = store.register_brand(
                spec.org,
                spec.name,
                list(spec.misspellings),
                evidence=f"simulated trademark register: {spec.owner}",
                actor=SEED_ACTOR,
            )
            store.approve_brand(registration, actor=SEED_ACTOR)
            created.append(registration)
    return created


def format_logins(logins: list[DemoLogin], url: str) -> str:
    """The demo logins as a table to print before serving."""
    lines = [f"Ringfence is serving the demo world at {url}", "", "Demo logins:"]
    width = max((len(x.email) for x in logins), default=0)
    for login in logins:
        lines.append(
            f"  {login.organisation:<16} {login.role:<13} {login.email:<{width}}  {login.password}"
        )
    return "\n".join(lines)


def serve_demo(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    echo: Callable[[str], object] = print,
) -> None:
    """Give the demo world its users and agreements, print the logins, and serve until ^C."""
    from ringfence.service.app import serve_app

    with OperationalStore.open(settings) as store:
        logins = seed_demo_access(store)
    echo(format_logins(logins, f"http://{host}:{port}/"))
    serve_app(settings, host=host, port=port)
