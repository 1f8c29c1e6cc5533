"""The brand portal's data as JSON: my products and authorised sellers, my complaints and their
outcomes, my seizures at the border, my codes.

"My" brands are the caller's approved brand registrations (names and aliases, as
``$recipient_brands``). Every lake row passes the policy gate (``sharing.read``), every store row
``sharing.visible``: a brand sees its own products feed, the seizures customs shares with it,
its own notices and code keys, and the scans of its codes it may read.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ringfence.codes.service import newest_readable
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import jsonable
from ringfence.service.views.complaints import gated, privileges

PRODUCT_FIELDS = ("id", "organisation", "brand", "name", "gtin", "price_min", "price_max",
                  "currency", "authorised_sellers")  # fmt: skip
SEIZURE_FIELDS = (
    "id", "organisation", "date", "brand", "goods_found", "units", "value", "currency", "label",
    "origin_country", "port", "shipment_organisation",
)  # fmt: skip


def _brands(services: Services, caller: Caller) -> list[str]:
    return sorted(services.store.approved_brand_names(caller.organisation), key=str.casefold)


def _where_brand(names: list[str]) -> str:
    return f"lower(brand) IN {sharing.sql_list(n.casefold() for n in names)}"


def products(services: Services, caller: Caller) -> dict[str, Any]:
    """My products (as the gate shows them) and, per authorised seller, its products."""
    names = _brands(services, caller)
    rows = sharing.read(services, caller, "products", where=_where_brand(names),
                        order_by="brand, name") if names else []  # fmt: skip
    out = [{k: v for k, v in jsonable(r).items() if k in PRODUCT_FIELDS} for r in rows]
    sellers: Counter[str] = Counter()
    for row in out:
        sellers.update(set(row.get("authorised_sellers") or []))
    return {"organisation": caller.organisation, "brands": names, "products": out,
            "authorised_sellers": [{"seller": s, "products": n}
                                   for s, n in sorted(sellers.items())]}  # fmt: skip


def complaints(services: Services, caller: Caller) -> dict[str, Any]:
    """My notices with their outcomes, counts by status, and my self-service record."""
    rows = services.store.brand_complaints(organisation=caller.organisation)
    shown = gated(services, caller, rows)
    return {"organisation": caller.organisation, "brands": _brands(services, caller),
            "counts": dict(sorted(Counter(str(r.get("status")) for r in shown).items())),
            "privileges": privileges(services, caller)["marketplaces"],
            "complaints": shown}  # fmt: skip


def seizures(services: Services, caller: Caller, limit: int) -> dict[str, Any]:
    """Border seizures of my brands' goods that I may read, newest first."""
    names = _brands(services, caller)
    rows = sharing.read(services, caller, "seizures", where=_where_brand(names),
                        order_by="date DESC", limit=limit) if names else []  # fmt: skip
    out = [{k: v for k, v in jsonable(r).items() if k in SEIZURE_FIELDS} for r in rows]
    return {"organisation": caller.organisation, "brands": names, "seizures": out}


def codes(services: Services, caller: Caller, limit: int) -> dict[str, Any]:
    """My registered code keys and the scans of my brands' codes I may read."""
    names = {n.casefold() for n in _brands(services, caller)}
    keys = [k for k in services.store.code_keys() if k.organisation == caller.organisation]
    key_rows = [{"key_id": k.key_id, "brand": k.brand, "gtins": k.gtins,
                 "registered_at": k.registered_at.isoformat()} for k in keys]  # fmt: skip
    # The limit counts only scans of my brands the gate passes: busy partners' other scans
    # must not push mine out (red team, like M4 on /codes/scans; ``newest_readable``).
    scans = newest_readable(services, caller, limit, brands=sorted(names))
    shown = [jsonable(s) for s in sharing.visible(services, caller, "code_scans", scans)]
    return {"organisation": caller.organisation, "keys": key_rows, "scans": shown}


PORTAL_LIMIT = 200  # seizures and code scans the portal page shows


def portal(services: Services, caller: Caller, limit: int = PORTAL_LIMIT) -> dict[str, Any]:
    """The whole brand portal, as its page shows it: products, complaints, seizures, codes
    (each as its own route answers; ``limit`` seizures and code scans)."""
    return {
        "organisation": caller.organisation,
        "products": products(services, caller),
        "complaints": complaints(services, caller),
        "seizures": seizures(services, caller, limit),
        "codes": codes(services, caller, limit),
    }
