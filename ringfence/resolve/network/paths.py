"""Path text: why an entity is near a seed, as a chain of shared identifiers and trade links.

Built hop level by hop level with Arrow string kernels (one vectorised pass per level), e.g.
``shares phone +8615887696628 with Jun Chen, who shares e-mail a@b.cn with ZHANG Wei
(watchlisted by ipr-center)``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.resolve.network.graph import Graph

KIND_LABELS = {
    "phone": "phone",
    "email": "e-mail",
    "bank_account": "bank account",
    "identifier": "identifier",
    "website": "website",
    "address": "address",
    "product": "product GTIN",
    "relation": "stated relation",
}


# A stated relation read from either end: (from its source, from its target).
RELATION_WORDS = {
    "ownership": ("owns", "is owned by"),
    "directorship": ("directs", "is directed by"),
    "family": ("is family of", "is family of"),
    "associate": ("is an associate of", "is an associate of"),
    "employment": ("works for", "employs"),
    "membership": ("is a member of", "has as a member"),
    "representation": ("represents", "is represented by"),
    "unknown": ("is linked to", "is linked to"),
}


def relation_text(kind: str | None, from_source: bool, other: str) -> str:
    """One stated relation as words: ``owns Petrov Trading OOO``."""
    words = RELATION_WORDS.get(kind or "", RELATION_WORDS["unknown"])
    return f"{words[0] if from_source else words[1]} {other}"


def hop_text(
    graph: Graph, names: pa.Array, ent: np.ndarray, link: np.ndarray, nxt: np.ndarray
) -> pa.Array:
    """One hop as text: ``shares <kind> <value> with <name>`` for an identifier, or
    ``sent N shipments as <role> to <role> <name>`` (or ``received ... from``) for trade."""
    links = graph.links.take(pa.array(link))
    kind = links.column("kind")
    other = pc.fill_null(names.take(pa.array(nxt)), "(unnamed)")
    label = pc.fill_null(_map(kind, KIND_LABELS), "identifier")
    shares = _join("shares ", label, " ", pc.fill_null(links.column("value"), ""), " with ", other)
    is_src = pa.array(links.column("src").to_numpy(zero_copy_only=False) == ent)
    my_role = pc.if_else(is_src, links.column("src_role"), links.column("dst_role"))
    their_role = pc.if_else(is_src, links.column("dst_role"), links.column("src_role"))
    count = links.column("shipments").cast(pa.string())
    plural = pc.if_else(pc.equal(links.column("shipments"), 1), "", "s")
    # The link's source holds the earlier role (seller, shipper ... consignee): it sent.
    verb = pc.if_else(is_src, "sent ", "received ")
    direction = pc.if_else(is_src, " to ", " from ")
    traded = _join(
        verb,
        count,
        " shipment",
        plural,
        " as ",
        pc.fill_null(my_role, "party"),
        direction,
        pc.fill_null(their_role, "party"),
        " ",
        other,
    )
    related = pa.array(
        [
            relation_text(k, bool(src), str(o)) if kd == "relation" else None
            for kd, k, src, o in zip(
                kind.to_pylist(),
                links.column("value").to_pylist(),
                is_src.to_pylist(),
                other.to_pylist(),
                strict=True,
            )
        ],
        pa.string(),
    )
    stated = pc.if_else(pc.equal(kind, "relation"), related, shares)
    return pc.if_else(pc.equal(kind, "trade"), traded, stated)


def build_paths(
    graph: Graph,
    names: pa.Array,
    steps: np.ndarray,
    pred: np.ndarray,
    seed_text: pa.Array,
    max_hops: int = 6,
) -> pa.Array:
    """Path text for every entity: the seed's reason for seeds, the chain for the others.

    ``steps``/``pred`` come from a BFS started at the seeds; ``seed_text`` holds the reason for
    each entity that is a seed (null elsewhere). Entities further than ``max_hops`` get a short
    summary instead of the whole chain.
    """
    n = graph.n_entities
    hops = np.where(steps[:n] >= 0, steps[:n] // 2, -1)
    text = pa.array(seed_text).cast(pa.string()).to_numpy(zero_copy_only=False).astype(object)
    text[hops != 0] = None
    for level in range(1, min(int(hops.max(initial=0)), max_hops) + 1):
        ent = np.flatnonzero(hops == level)
        link = pred[ent]
        nxt = pred[link]
        hop = hop_text(graph, names, ent, link - n, nxt)
        rest = pa.array(text[nxt], pa.string())
        joiner = pa.array(np.where(hops[nxt] == 0, " (", ", who "), pa.string())
        closer = pa.array(np.where(hops[nxt] == 0, ")", ""), pa.string())
        text[ent] = _join(hop, joiner, rest, closer).to_numpy(zero_copy_only=False)
    far = np.flatnonzero(hops > max_hops)
    if far.size:
        text[far] = [f"{h} links from the nearest seed" for h in hops[far]]
    return pa.array(text, pa.string())


def _join(*parts: object) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _map(values: pa.ChunkedArray | pa.Array, mapping: dict[str, str]) -> pa.Array:
    keys = pa.array(list(mapping))
    return pa.array(list(mapping.values())).take(pc.index_in(values, value_set=keys))
