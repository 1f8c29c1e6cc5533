"""Entity profile: the resolved entity, its mentions, its network and its path to a seed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from ringfence.errors import NotFoundError, UserError
from ringfence.resolve.network.graph import bfs
from ringfence.resolve.network.paths import KIND_LABELS
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views import links
from ringfence.service.views.common import jsonable

MAX_NODES = 60
# Visibility is checked over this many nearest entities; a bigger neighbourhood counts its
# unchecked rest as hidden (so a path through it is never shown).
MAX_CHECKED = 5000


class NetworkNode(BaseModel):
    """An entity within ``hops`` links of the profile's entity."""

    entity_id: str
    name: str | None = None
    hops: int
    watchlisted: bool | None = None
    network_risk: float | None = None


class NetworkEdge(BaseModel):
    """A link between two entities on a shortest path from the start."""

    source: str
    target: str
    kind: str | None = None
    value: str | None = None


class SeedPath(BaseModel):
    """How the entity connects to the nearest confirmed counterfeiter (from network risk)."""

    nearest_seed: str | None
    hops: int | None
    path: str | None


class EntityProfile(BaseModel):
    """Everything the caller may see about one resolved entity."""

    entity: dict[str, Any]
    mentions: list[dict[str, Any]]
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    hidden_nodes: int = Field(description="entities in the neighbourhood the caller may not see")
    node_cap: int = Field(MAX_NODES, description="most entities a network shows")
    left_out_nodes: int = Field(
        0, description="entities within reach the caller may see, left out over node_cap"
    )
    seed_path: SeedPath | None
    network_risk: float | None
    watchlisted: bool


def entity_profile(
    services: Services, caller: Caller, entity_id: str, hops: int = 2
) -> EntityProfile:
    """The entity (404 unless the caller may read it), its mentions and network."""
    if not 1 <= hops <= 4:
        raise UserError(f"hops must be between 1 and 4, not {hops}")
    policy = sharing.Policy.load(services, caller)
    where = f"entity_id = {sharing.sql_text(entity_id)}"
    found = sharing.read(services, caller, "entities", where=where, policy=policy)
    if not found:
        raise NotFoundError(f"no entity {entity_id!r} that you may read")
    entity = jsonable(found[0])
    risk = _risk(services, entity_id)
    nodes, edges, hidden, left_out = _network(services, policy, entity_id, hops)
    return EntityProfile(
        entity=entity,
        mentions=[jsonable(m) for m in _mentions(services, caller, policy, entity_id)],
        nodes=nodes,
        edges=edges,
        hidden_nodes=hidden,
        left_out_nodes=left_out,
        seed_path=_seed_path(risk, hops, hidden, nodes, edges, entity_id),
        network_risk=None if risk is None else risk.get("network_risk"),
        watchlisted=bool(entity.get("watchlisted")),
    )


def _mentions(
    services: Services, caller: Caller, policy: sharing.Policy, entity_id: str
) -> list[dict[str, Any]]:
    """The party records behind the entity that the caller may read."""
    network = services.network()
    if network is not None and network.resolved:  # the loaded network knows every mention
        mentions = network.mentions
        chosen = pc.equal(mentions.column("entity_id"), entity_id)
        ids = mentions.filter(chosen).column("mention_id").to_pylist()
    else:
        where = f"entity_id = {sharing.sql_text(entity_id)}"
        sql = f"SELECT mention_id FROM entity_mentions WHERE {where}"
        ids = [r["mention_id"] for r in sharing.query_lake(services, ("entity_mentions",), sql)]
    if not ids:
        return []
    where_ids = f"id IN {sharing.sql_list(ids)}"
    return sharing.read(services, caller, "parties", where=where_ids, policy=policy)


def _seed_path(
    risk: dict[str, Any] | None,
    hops: int,
    hidden: int,
    nodes: list[NetworkNode],
    edges: list[NetworkEdge],
    root: str,
) -> SeedPath | None:
    """The path to the nearest seed, when showing it reveals nothing hidden.

    The path names every entity on the way to the seed; those all lie within the path's length
    of this entity, so it is shown only when that length is inside the searched neighbourhood
    and nothing in the neighbourhood is hidden from the caller. Its text is rebuilt from the
    profile's own nodes and edges, which passed the policy gate (the stored text quotes link
    values and seed reasons from every organisation's records).
    """
    if risk is None:
        return None
    path_hops = risk.get("hops")
    seed = risk.get("nearest_seed")
    shown = path_hops is not None and path_hops <= hops and not hidden
    text = _path_text(nodes, edges, root, seed) if shown else None
    return SeedPath(
        nearest_seed=seed if text is not None else None,
        hops=path_hops,
        path=text,
    )


def gated_seed_path(
    services: Services, caller: Caller, policy: sharing.Policy, entity_id: str
) -> SeedPath | None:
    """The entity's path to its nearest seed as the profile would show it to ``caller``:
    None when the caller may not read the entity or it has no network risk; the path text
    only when the profile's gated network (searched as far as the path reaches, at most 4
    links) shows every step. Score reasons quote this, never the stored path text."""
    if not sharing.read_entities(services, caller, [entity_id], policy=policy):
        return None
    risk = _risk(services, entity_id)
    if risk is None:
        return None
    hops = min(max(int(risk.get("hops") or 1), 1), 4)
    seed = risk.get("nearest_seed")
    nodes, edges, hidden, _ = _network(services, policy, entity_id, hops, valued_to=seed or "")
    return _seed_path(risk, hops, hidden, nodes, edges, entity_id)


def _path_text(
    nodes: list[NetworkNode], edges: list[NetworkEdge], root: str, seed: str | None
) -> str | None:
    """``shares phone <value> with <name>, who ...`` from the root to the seed, or None."""
    if seed is None or seed == root:
        return "a seed of the network itself" if seed == root else None
    names = {n.entity_id: n.name or "(unnamed)" for n in nodes}
    into = {e.target: e for e in edges}
    chain: list[NetworkEdge] = []
    at = seed
    while at != root:
        edge = into.get(at)
        if edge is None or len(chain) > len(edges):
            return None
        chain.append(edge)
        at = edge.source
    hops = []
    for edge in reversed(chain):
        label = KIND_LABELS.get(edge.kind or "", edge.kind or "link")
        if edge.kind == "trade":
            how = f"trades ({edge.value})" if edge.value else "trades"
        elif edge.kind == "relation":
            how = f"is related ({edge.value})" if edge.value else "is related"
        else:
            how = f"shares {label} {edge.value}" if edge.value else f"shares a {label}"
        hops.append(f"{how} with {names.get(edge.target, '(unnamed)')}")
    return ", who ".join(hops) + " (the nearest seed)"


def _risk(services: Services, entity_id: str) -> dict[str, Any] | None:
    """The entity's ``network_risk`` row (held in memory: ``Services.risk_table``)."""
    return services.risk_table().get(entity_id)


def _network(
    services: Services,
    policy: sharing.Policy,
    entity_id: str,
    hops: int,
    valued_to: str | None = None,
) -> tuple[list[NetworkNode], list[NetworkEdge], int, int]:
    """Nodes within ``hops`` (nearest first, at most ``MAX_NODES``) the policy lets through,
    the links between them, how many entities of the neighbourhood are hidden, and how many
    visible ones the cap left out. With ``valued_to``, only the links on the way from the
    entity to that one carry their value (a path's text needs no other; see ``_edges``)."""
    network = services.network()
    if network is None:
        return [], [], 0, 0
    ids = network.entities.column("entity_id").to_numpy(zero_copy_only=False)
    start = np.flatnonzero(ids == entity_id)
    if not start.size:
        return [], [], 0, 0
    search = bfs(network.graph.adjacency, start, max_steps=2 * hops)
    rows, unchecked = _neighbourhood(services, network, ids, search)
    visible_rows = policy.visible("entities", rows)
    hidden = len(rows) - len(visible_rows) + unchecked
    shown = visible_rows[:MAX_NODES]
    hops_of = {r["entity_id"]: r["hops"] for r in rows}
    nodes = [
        NetworkNode(
            entity_id=r["entity_id"],
            name=r.get("name"),
            hops=hops_of[r["entity_id"]],
            watchlisted=r.get("watchlisted"),
            network_risk=r.get("network_risk"),
        )
        for r in shown
    ]
    shown_ids = {r["entity_id"] for r in shown}
    edges = _edges(services, policy, network, ids, search, rows, shown_ids, valued_to)
    return nodes, edges, hidden, len(visible_rows) - len(shown)


def _neighbourhood(
    services: Services, network: Any, ids: np.ndarray, search: Any
) -> tuple[list[dict[str, Any]], int]:
    """Rows of the reached entities, nearest first (at most ``MAX_CHECKED``), and the rest."""
    n = network.graph.n_entities
    reached = np.flatnonzero(search.steps[:n] >= 0)
    reached = reached[np.argsort(search.steps[reached], kind="stable")]
    unchecked = max(0, len(reached) - MAX_CHECKED)
    checked = reached[:MAX_CHECKED]
    risk = services.network_risk()
    # One take for all reached entities: element-wise Arrow access cost ms per hundred rows.
    columns = network.entities.select(["name", "organisations", "watchlisted"])
    picked = columns.take(pa.array(checked, pa.int64())).to_pylist()
    rows = [
        {
            "entity_id": str(ids[i]),
            **attrs,
            "network_risk": risk.get(str(ids[i])),
            "hops": int(search.steps[i] // 2),
            "_index": int(i),
        }
        for i, attrs in zip(checked, picked, strict=True)
    ]
    return rows, unchecked


def _edges(
    services: Services,
    policy: sharing.Policy,
    network: Any,
    ids: np.ndarray,
    search: Any,
    rows: list[dict[str, Any]],
    shown: set[str],
    valued_to: str | None = None,
) -> list[NetworkEdge]:
    """The BFS tree's links between shown entities, each with its kind and the value the
    caller may see (``links.link_values``: only values of records the policy lets through).
    With ``valued_to`` only the tree path to that entity is valued (the gate's checks of link
    values are most of a profile's cost); every other link keeps its kind, without value."""
    n = network.graph.n_entities
    found = []
    for row in rows:
        link = int(search.pred[row["_index"]])
        if link < 0:
            continue
        source, target = str(ids[int(search.pred[link])]), row["entity_id"]
        if source in shown and target in shown:
            attrs = network.graph.links.slice(link - n, 1).to_pylist()[0]
            src, dst = attrs.get("src"), attrs.get("dst")
            found.append(
                links.Link(
                    source=source,
                    target=target,
                    kind=attrs.get("kind"),
                    value=_str(attrs.get("value")),
                    src=str(ids[src]) if src is not None and src >= 0 else None,
                    dst=str(ids[dst]) if dst is not None and dst >= 0 else None,
                    src_role=attrs.get("src_role"),
                    dst_role=attrs.get("dst_role"),
                )
            )
    valued = found if valued_to is None else _tree_path(found, valued_to)
    values = dict(
        zip(
            map(id, valued),
            links.link_values(services, policy, valued, network.mentions),
            strict=True,
        )
    )
    return [
        NetworkEdge(source=f.source, target=f.target, kind=f.kind, value=values.get(id(f)))
        for f in found
    ]


def _tree_path(found: list[links.Link], to: str) -> list[links.Link]:
    """The search tree's links from its root to ``to`` ([] when ``to`` is not in the tree)."""
    into = {link.target: link for link in found}
    path: list[links.Link] = []
    at = to
    while at in into and len(path) <= len(found):
        path.append(into[at])
        at = into[at].source
    return path


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
