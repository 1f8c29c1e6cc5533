"""What earlier notices say about a new one: the complainant's record and bursts, the seller's
upheld notices. Days are integers (days since 1970); only what was known on the filing day
counts: notices filed up to that day, decisions made before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ringfence.complaints.validity import BURST_DAYS


@dataclass(frozen=True)
class Notice:
    """One earlier notice as the history needs it."""

    complainant: str
    seller: str
    filed: int
    decision: str  # pending, upheld, rejected, withdrawn
    decided: int | None = None


class Related:
    """Seller accounts joined by links (shared device, payment, IP, ...), as components."""

    def __init__(self, links: Iterable[tuple[str, str]] = ()) -> None:
        """Union the pairs of ``links``."""
        self._parent: dict[str, str] = {}
        for a, b in links:
            ra, rb = self.group(a), self.group(b)
            if ra != rb:
                self._parent[ra] = rb

    def group(self, seller: str) -> str:
        """A representative of the seller's component (the seller itself when unlinked)."""
        root = seller
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while seller != root:
            seller, self._parent[seller] = self._parent.get(seller, root), root
        return root


class History:
    """Earlier notices, added in filing order, and the questions a new notice asks of them."""

    def __init__(self, related: Related | None = None) -> None:
        """An empty history; ``related`` groups linked seller accounts."""
        self.related = related or Related()
        self._by_complainant: dict[str, list[Notice]] = defaultdict(list)
        self._by_seller: dict[str, list[Notice]] = defaultdict(list)

    def add(self, notice: Notice) -> None:
        """Put a notice on record (with its decision, if any: decisions count only later)."""
        self._by_complainant[notice.complainant.casefold()].append(notice)
        self._by_seller[notice.seller].append(notice)

    def burst(self, complainant: str, seller: str, day: int) -> int:
        """Unrelated sellers (linked accounts count once) the complainant filed against within
        ``BURST_DAYS`` up to ``day``, this notice's seller included."""
        groups = {self.related.group(seller)}
        for n in self._by_complainant.get(complainant.casefold(), []):
            if day - BURST_DAYS < n.filed <= day:
                groups.add(self.related.group(n.seller))
        return len(groups)

    def record(self, complainant: str, day: int) -> tuple[int, int]:
        """(decided, rejected) notices of the complainant decided before ``day``."""
        decided = rejected = 0
        for n in self._by_complainant.get(complainant.casefold(), []):
            if n.decided is not None and n.decided < day and n.decision in ("upheld", "rejected"):
                decided += 1
                rejected += n.decision == "rejected"
        return decided, rejected

    def seller_upheld(self, seller: str, day: int) -> int:
        """Notices against the seller upheld before ``day``."""
        return sum(
            1
            for n in self._by_seller.get(seller, [])
            if n.decision == "upheld" and n.decided is not None and n.decided < day
        )
