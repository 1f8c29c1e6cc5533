"""The entity network as cytoscape elements, with the path to the nearest seed marked.

The profile's edges form the breadth-first tree the backend searched from the entity, so the
path to the nearest confirmed counterfeiter is the tree path from that seed back to the root.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Protocol


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


def network_elements(
    nodes: Sequence[NodeLike], edges: Sequence[EdgeLike], root: str, seed: str | None
) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape ``{"nodes": [...], "edges": [...]}`` with ``on_path`` flags for highlighting."""
    path = path_to_seed(edges, root, seed)
    on_path = set(path)
    path_links = set(itertools.pairwise(path))
    drawn_nodes = [
        {
            "data": {
                "id": node.entity_id,
                "label": node.name or node.entity_id,
                "risk": float(node.network_risk or 0.0),
                "watchlisted": bool(node.watchlisted),
                "focus": node.entity_id == root,
                "on_path": node.entity_id in on_path,
                "href": f"/entities/{node.entity_id}",
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
                "on_path": (edge.source, edge.target) in path_links,
            }
        }
        for edge in edges
    ]
    return {"nodes": drawn_nodes, "edges": drawn_edges}
