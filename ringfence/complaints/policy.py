"""Self-service removal (earned and lost by accuracy) and the repeat-infringer policy.

A brand may take a marketplace's listing down itself when, over the last
``complaint_privilege_window_days``, the marketplace decided at least
``complaint_privilege_min_decided`` of its notices and upheld at least
``complaint_privilege_min_accuracy`` of them (a notice reinstated after a counter-notice counts
as rejected; the brand's own self-service removals count only when reinstated, or using the
privilege would keep it). It is computed on every use, so it is lost the moment accuracy
falls. A seller with ``repeat_infringer_strikes`` upheld notices (here) decided within
``repeat_infringer_window_days`` is suspended through the marketplace's listing actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ringfence.listings import actions
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tables import utcnow

REPEAT_SOURCE = "repeat-infringer"


def privilege(
    settings: Settings, store: OperationalStore, organisation: str, marketplace: str
) -> dict[str, Any]:
    """Whether ``organisation`` may remove ``marketplace``'s listings itself, and its record."""
    since = utcnow() - dt.timedelta(days=settings.complaint_privilege_window_days)
    rows = store.brand_complaints(organisation=organisation, marketplace=marketplace, since=since)
    # The marketplace's judgement only: a brand's own removal counts once the marketplace
    # reinstated it (rejected), never as upheld, or each use would raise the record.
    decided = [
        r for r in rows if r.status == "rejected" or (r.status == "upheld" and not r.self_service)
    ]
    upheld = sum(r.status == "upheld" for r in decided)
    accuracy = upheld / len(decided) if decided else None
    earned = (len(decided) >= settings.complaint_privilege_min_decided and accuracy is not None
              and accuracy >= settings.complaint_privilege_min_accuracy)  # fmt: skip
    return {
        "organisation": organisation, "marketplace": marketplace, "earned": earned,
        "decided": len(decided), "upheld": upheld,
        "accuracy": None if accuracy is None else round(accuracy, 4),
        "window_days": settings.complaint_privilege_window_days,
        "min_decided": settings.complaint_privilege_min_decided,
        "min_accuracy": settings.complaint_privilege_min_accuracy,
    }  # fmt: skip


def why_not(record: dict[str, Any]) -> str:
    """Why self-service removal is not earned, in words."""
    got = f"{record['upheld']} of {record['decided']} notices decided in the last " \
          f"{record['window_days']} days upheld"  # fmt: skip
    need = f"at least {record['min_decided']} decided, {record['min_accuracy']:.0%} upheld"
    return f"self-service removal not earned at {record['marketplace']}: {got} (needs {need})"


def repeat_infringer(
    settings: Settings, store: OperationalStore, marketplace: str, seller: str | None,
    *, actor: str,
) -> dict[str, Any] | None:  # fmt: skip
    """Suspend ``seller`` when its upheld notices reach the strikes (the suspension, or None)."""
    if not seller:
        return None
    since = utcnow() - dt.timedelta(days=settings.repeat_infringer_window_days)
    rows = store.brand_complaints(marketplace=marketplace, seller=seller, since=since)
    upheld = sorted(r.id for r in rows if r.status == "upheld")
    if len(upheld) < settings.repeat_infringer_strikes:
        return None
    now = utcnow()
    for a in store.listing_actions(marketplace, seller=seller, kind="suspend"):
        if a.state(now) == "active":
            return None
    ids = ", ".join(str(i) for i in upheld[:20])
    reason = (f"repeat infringer: {len(upheld)} upheld notices in "
              f"{settings.repeat_infringer_window_days} days (complaints {ids})")  # fmt: skip
    return actions.act(settings, store, marketplace, "suspend", reason=reason, actor=actor,
                       seller=seller, source=REPEAT_SOURCE)  # fmt: skip
