"""One seller of the caller's marketplace: its risk and reasons, listings, the actions taken on
it and its listings, and the accounts it is linked to (``seller_links``: shared device, payment,
IP, warehouse...), each linked account with its own risk.

Only the marketplace's own staff read it (``listings.require_marketplace_staff``), and only of
its own sellers: another marketplace's seller is reported exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from ringfence.errors import NotFoundError, RingfenceError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import PAGE_SIZE
from ringfence.service.views.listings import require_marketplace_staff
from ringfence.service.views.tablequery import TableQuery, apply

MAX_LISTINGS = 500
MAX_LINKS = 200
LISTING_FIELDS = ("title", "brand", "gtin", "price", "currency", "status", "listed_at")
COLUMNS = ("listing", *LISTING_FIELDS)


Scores = dict[tuple[str, str], tuple[float, str]]


def _scores(services: Services) -> Scores:
    """Every seller's (score, reasons) by (marketplace, seller id) from the latest seller model
    ({} before one is trained). Keyed by the id alone, another marketplace's seller of the same
    id showed on one's own seller's page (red team M2)."""
    from ringfence.marketplace.service import models_root, seller_risks

    latest = max((p.parent.name for p in models_root(services.settings).glob("*/manifest.json")),
                 default="")  # fmt: skip
    if not latest:
        return {}

    def compute() -> Scores:
        try:
            table = seller_risks(services.settings).to_pylist()
        except RingfenceError:  # no dated facts to score from
            return {}
        return {(str(r["organisation"]), str(r["seller"])): (float(r["score"]), str(r["reasons"]))
                for r in table}  # fmt: skip

    scores: Scores = services.memo("seller_scores", latest, compute)
    return scores


def seller_profile(
    services: Services,
    caller: Caller,
    seller: str,
    query: TableQuery | None = None,
    page_size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """The caller's seller ``seller`` (its id as in the sellers file); ``NotFoundError`` else.
    ``listings`` is one page of its listings filtered and sorted by ``query`` (``table`` and
    ``paging`` say how), as the list pages' tables."""
    require_marketplace_staff(caller)
    policy = sharing.Policy.load(services, caller)
    own = f"organisation = {sharing.sql_text(caller.organisation)}"
    sellers = sharing.read(services, caller, "sellers", where=own, policy=policy)
    key_of = {str(s["id"]): str(s.get("source_key") or s["id"]) for s in sellers}
    ids = [i for i, k in key_of.items() if k == seller]
    if not ids:
        raise NotFoundError(f"no seller {seller[:200]!r} of {caller.organisation}")
    scores = _scores(services)
    listings = sharing.read(
        services, caller, "listings", policy=policy, limit=MAX_LISTINGS, order_by="source_key",
        where=f"{own} AND seller_ref IN {sharing.sql_list(ids)}",
    )  # fmt: skip
    links = _links(services, caller, policy, own, ids, key_of)
    linked = sorted(
        {k for link in links for k in (link["seller"], link["other_seller"])} - {seller}
    )
    actions = [
        a.to_dict() for a in services.store.listing_actions(caller.organisation, seller=seller)
    ]
    score, reasons = scores.get((caller.organisation, seller), (None, None))
    rows = [{"listing": str(r.get("source_key"))} | {f: r.get(f) for f in LISTING_FIELDS}
            for r in listings]  # fmt: skip
    page, paging, state = apply(rows, query or TableQuery(), COLUMNS, page_size)
    return {
        "organisation": caller.organisation,
        "seller": seller,
        "score": score,
        "reasons": reasons,
        "scored": bool(scores),
        "listings": page,
        "paging": paging,
        "table": state,
        "actions": sharing.visible(services, caller, "listing_actions", actions, policy),
        "links": links,
        "linked_sellers": [
            {"seller": k, "score": scores.get((caller.organisation, k), (None, None))[0]}
            for k in linked
        ],
    }


def _links(
    services: Services,
    caller: Caller,
    policy: sharing.Policy,
    own: str,
    ids: list[str],
    key_of: dict[str, str],
) -> list[dict[str, Any]]:
    """The seller's links to other accounts, either way round, strongest first."""
    where = f"{own} AND (seller_ref IN {sharing.sql_list(ids)} OR other_seller_ref IN "
    where += f"{sharing.sql_list(ids)})"
    rows = sharing.read(services, caller, "seller_links", where=where, policy=policy)
    out = []
    for row in rows:
        a, b = key_of.get(str(row.get("seller_ref"))), key_of.get(str(row.get("other_seller_ref")))
        if a is None or b is None:
            continue
        date = row.get("date")
        out.append({"seller": a, "other_seller": b, "kind": str(row.get("kind") or "link").lower(),
                    "weight": row.get("weight"), "date": str(date) if date else None})  # fmt: skip
    out.sort(key=lambda r: (-float(r["weight"] or 1.0), str(r["kind"]), str(r["other_seller"])))
    return out[:MAX_LINKS]
