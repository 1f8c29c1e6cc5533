"""The entity network as cytoscape elements, with the path to the nearest seed marked.

The profile's edges form the breadth-first tree the backend searched from the entity, so the
path to the nearest confirmed counterfeiter is the tree path from that seed back to the root.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

# Links of one kind and value from one entity to at least this many others are drawn as one
# group node ("24 entities at <address>"), expandable in place.
GROUP_AT = 4
GROUPED_KINDS = frozenset({"address", "phone", "email", "website", "bank_account", "product"})


class NodeLike(Protocol):
    """The node fields the drawing uses (``ringfence.service.views.entities.NetworkNode``)."""

    entity_id: str
    name: str | None
    hops: int
    watchlisted: bool | None
    network_risk: float | None


class EdgeLike(Protocol):
    """The edge fields the drawing uses (``NetworkEdge``)."""

    source: str
    target: str
    kind: str | None
    value: str | None


def path_to_seed(edges: Sequence[EdgeLike], root: str, seed: str | None) -> list[str]:
    """Entity ids from ``root`` to ``seed`` along the search tree; [] when the seed is not drawn."""
    if seed is None:
        return []
    if seed == root:
        return [root]
    parent = {edge.target: edge.source for edge in edges}
    path = [seed]
    while path[-1] != root:
        step = parent.get(path[-1])
        if step is None or step in path:
            return []
        path.append(step)
    return list(reversed(path))


def shared_value_groups(
    edges: Sequence[EdgeLike], keep: set[str] | frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Entities linked to one entity by the same shared value (an address, a phone...), when
    at least ``GROUP_AT`` are: ``{"id", "source", "kind", "value", "members"}``. Only leaves of
    the search tree are folded (a member's own links stay drawn), and never an entity in
    ``keep`` (the profile's entity, the path to a seed)."""
    parents = {edge.source for edge in edges}
    by_value: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    shown: dict[tuple[str, str, str], str] = {}
    for edge in edges:
        if edge.kind not in GROUPED_KINDS or not edge.value or edge.target in keep:
            continue
        if edge.target in parents:
            continue
        key = (edge.source, edge.kind, " ".join(edge.value.casefold().split()))
        by_value[key].append(edge.target)
        shown.setdefault(key, edge.value)
    return [
        {
            "id": f"group:{i}",
            "source": source,
            "kind": kind,
            "value": shown[(source, kind, value)],
            "members": members,
        }
        for i, ((source, kind, value), members) in enumerate(sorted(by_value.items()))
        if len(members) >= GROUP_AT
    ]


def _group_elements(groups: list[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Cytoscape group nodes ("24 entities at <address>") and their links."""
    what = {"address": "at", "phone": "with phone", "email": "with e-mail"}
    nodes = [
        {
            "data": {
                "id": g["id"],
                "label": f"{len(g['members'])} entities {what.get(g['kind'], 'sharing')} "
                f"{g['value']}",
                "group": True,
                "members": g["members"],
                "kind": g["kind"],
            }
        }
        for g in groups
    ]
    links = [
        {
            "data": {
                "id": f"{g['source']}>{g['id']}",
                "source": g["source"],
                "target": g["id"],
                "label": g["kind"],
                "kind": g["kind"],
                "group_edge": True,
            }
        }
        for g in groups
    ]
    return nodes, links


def network_elements(
    nodes: Sequence[NodeLike], edges: Sequence[EdgeLike], root: str, seed: str | None
) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape ``{"nodes": [...], "edges": [...], "groups": [...], "group_edges": [...]}``
    with ``on_path`` flags for highlighting; grouped entities carry their ``in_group``."""
    path = path_to_seed(edges, root, seed)
    on_path = set(path)
    path_links = set(itertools.pairwise(path))
    groups = shared_value_groups(edges, keep=on_path | {root})
    group_of = {member: g["id"] for g in groups for member in g["members"]}
    drawn_nodes = [
        {
            "data": {
                "id": node.entity_id,
                "label": node.name or node.entity_id,
                "risk": float(node.network_risk or 0.0),
                "watchlisted": bool(node.watchlisted),
                "hops": node.hops,
                "focus": node.entity_id == root,
                "on_path": node.entity_id in on_path,
                "href": f"/entities/{node.entity_id}",
                **({"in_group": group_of[node.entity_id]} if node.entity_id in group_of else {}),
            }
        }
        for node in nodes
    ]
    drawn_edges = [
        {
            "data": {
                "id": f"{edge.source}>{edge.target}",
                "source": edge.source,
                "target": edge.target,
                "label": edge.kind or "",
                "kind": edge.kind or "link",
                "on_path": (edge.source, edge.target) in path_links,
                **({"in_group": group_of[edge.target]} if edge.target in group_of else {}),
            }
        }
        for edge in edges
    ]
    group_nodes, group_edges = _group_elements(groups)
    return {
        "nodes": drawn_nodes,
        "edges": drawn_edges,
        "groups": group_nodes,
        "group_edges": group_edges,
    }
