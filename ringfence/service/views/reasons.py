"""Score reasons as their reader may see them.

The scorer words a party's chain of links to the nearest confirmed counterfeiter
(``Network path from the shipper: shares phone ... with ..., who ...``) from every
organisation's records: link values (phones, e-mails, product codes, address spellings) and
seed reasons the reader may not be granted. Reasons leave the service only through ``gate``,
which rebuilds that sentence from the entity profile's gated network (``gated_seed_path``: node
names and link values through the policy gate) at read time, for fresh scores and for reasons
stored on inspection tasks alike. When the gated network cannot show the whole path, only the
number of links remains.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ringfence.score.features import PARTY_KEYS
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.entities import gated_seed_path

PATH_PREFIX = "Network path from the "

Reasons = Mapping[str, list[Any]]


def gate(
    services: Services,
    caller: Caller,
    policy: sharing.Policy,
    items: list[tuple[str, Reasons]],
) -> list[dict[str, list[Any]]]:
    """Each (shipment id, label → reasons) of ``items`` as ``caller`` may see it: every
    network path rebuilt from the gated network; other reasons pass unchanged (they word the
    shipment's own features and the rules that fired)."""
    wanted = {(sid, role) for sid, by_label in items for role in _roles(by_label)}
    texts = _paths(services, caller, policy, wanted) if wanted else {}
    return [
        {label: _rebuilt(sid, list(found), texts) for label, found in by_label.items()}
        for sid, by_label in items
    ]


def _role_of(reason: Any) -> str | None:
    if not isinstance(reason, str) or not reason.startswith(PATH_PREFIX):
        return None
    role = reason[len(PATH_PREFIX) :].split(":", 1)[0]
    return role if role in PARTY_KEYS else ""


def _roles(by_label: Reasons) -> set[str]:
    return {
        role
        for items in by_label.values()
        for reason in items
        if (role := _role_of(reason)) is not None
    }


def _rebuilt(sid: str, items: list[Any], texts: dict[tuple[str, str], str | None]) -> list[Any]:
    out = []
    for reason in items:
        role = _role_of(reason)
        if role is None:
            out.append(reason)
        elif (text := texts.get((sid, role))) is not None:
            out.append(f"{PATH_PREFIX}{role}: {text}")
    return out


def _paths(
    services: Services, caller: Caller, policy: sharing.Policy, wanted: set[tuple[str, str]]
) -> dict[tuple[str, str], str | None]:
    """(shipment, role) → the gated path text of that party's entity (None: say nothing)."""
    roles = sorted({role for _, role in wanted if role})
    ids = sorted({sid for sid, _ in wanted})
    if not roles:
        return {}
    rows = _party_refs(services, ids, roles)
    refs = {(r["id"], role): r[role] for r in rows for role in roles if r[role]}
    entity_of = _entities(services, sorted(set(refs.values())))
    seen: dict[str, str | None] = {}
    fingerprint = policy.fingerprint()
    for entity in sorted({entity_of[m] for m in refs.values() if m in entity_of}):
        # Kept per policy fingerprint and entity until new data lands (``Services.memo``):
        # the gated path depends on nothing else, and building it reads the lake.
        found = services.memo(
            "gated_seed_path",
            (fingerprint, entity),
            partial(gated_seed_path, services, caller, policy, entity),
        )
        if found is None or found.hops is None:
            seen[entity] = None
        elif found.path is not None:
            seen[entity] = found.path
        else:
            plural = "" if found.hops == 1 else "s"
            seen[entity] = f"{found.hops} link{plural} from the nearest seed (not shared with you)"
    return {key: seen.get(entity_of.get(ref, "")) for key, ref in refs.items()}


def _party_refs(services: Services, ids: list[str], roles: list[str]) -> list[dict[str, Any]]:
    """Per shipment of ``ids``: its id and the party mention of each role (as ``role``).

    From the online scorer's in-memory shipments when it holds them all (scoring just read
    them there); otherwise from the lake."""
    scorer = services.scorer() if services.is_built("scorer") else None
    held = getattr(scorer, "shipments", None)
    if held is not None and all(held.has(i) for i in ids):
        records = held.records(ids)
        return [
            {"id": r["id"], **{role: r.get(PARTY_KEYS[role]) for role in roles}} for r in records
        ]
    columns = ", ".join(f"{PARTY_KEYS[role]} AS {role}" for role in roles)
    return sharing.query_lake(
        services,
        ("shipments",),
        f"SELECT id, {columns} FROM shipments WHERE id IN {sharing.sql_list(ids)}",
    )


def _entities(services: Services, mentions: list[str]) -> dict[str, str]:
    """Party mention id → resolved entity id."""
    if not mentions:
        return {}
    network = services.network()
    if network is not None and network.resolved:
        table = network.mentions.filter(
            pc.is_in(network.mentions.column("mention_id"), pa.array(mentions))
        )
        return dict(
            zip(
                table.column("mention_id").to_pylist(),
                table.column("entity_id").to_pylist(),
                strict=True,
            )
        )
    sql = (
        "SELECT mention_id, entity_id FROM entity_mentions "
        f"WHERE mention_id IN {sharing.sql_list(mentions)}"
    )
    return {
        r["mention_id"]: r["entity_id"]
        for r in sharing.query_lake(services, ("entity_mentions",), sql)
    }
