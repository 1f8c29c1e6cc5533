"""The heavy indexes ``Services`` derives from the lake, each built on first use under its own
lock (``Services._cached``) and dropped when new data lands."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from ringfence.errors import UserError
from ringfence.settings import Settings
from ringfence.store.lake import Lake

if TYPE_CHECKING:
    from ringfence.resolve.screen import ScreeningIndex
    from ringfence.service.entity_table import EntityTable, RiskTable


class DerivedIndexes:
    """The accessors of the derived indexes (``context.DERIVED``), for ``Services``."""

    settings: Settings

    def _cached(self, name: str, attribute: str, build: Callable[[], Any]) -> Any:
        raise NotImplementedError  # ``Services._cached``

    def screening_index(self) -> ScreeningIndex:
        """The screening index, loaded on first use (it holds every resolved entity)."""

        def build() -> ScreeningIndex:
            from ringfence.resolve.screen import ScreeningIndex

            return ScreeningIndex.load(self.settings)

        index: ScreeningIndex = self._cached("screening_index", "_screening", build)
        return index

    def scorer(self) -> Any:
        """The online shipment scorer (``ringfence.score.online``), loaded on first use.

        ``None`` when that module is not available; callers then fall back to batch scoring.
        """

        def build() -> Any:
            try:
                from ringfence.score import online
            except ImportError:
                return None
            return online.OnlineScorer.load(self.settings)

        return self._cached("scorer", "_scorer", build)

    def entity_owners(self) -> dict[str, list[str]]:
        """Entity id → organisations whose mentions make it up (loaded once, for the policy)."""

        def build() -> dict[str, list[str]]:
            owners: dict[str, list[str]] = {}
            for part in Lake(self.settings).parts("entities"):
                table = pq.read_table(part, columns=["entity_id", "organisations"])
                ids = table.column("entity_id").to_pylist()
                orgs = table.column("organisations").to_pylist()
                owners.update(zip(ids, (o or [] for o in orgs), strict=True))
            return owners

        owners: dict[str, list[str]] = self._cached("entity_owners", "_entity_owners", build)
        return owners

    def shipment_owners(self) -> dict[str, str]:
        """Shipment id → supplying organisation (loaded once; for the policy's fast path)."""

        def build() -> dict[str, str]:
            owners: dict[str, str] = {}
            for part in Lake(self.settings).parts("shipments"):
                table = pq.read_table(part, columns=["id", "organisation"])
                ids = table.column("id").to_pylist()
                owners.update(zip(ids, table.column("organisation").to_pylist(), strict=True))
            return owners

        owners: dict[str, str] = self._cached("shipment_owners", "_shipment_owners", build)
        return owners

    def network(self) -> Any:
        """The entity network (``ringfence.resolve.network.load.Network``) or None if empty."""

        def build() -> Any:
            from ringfence.resolve.network.load import load_network
            from ringfence.store.engine import open_engine

            engine = open_engine(self.settings)
            try:
                return load_network(self.settings, engine)
            except UserError:
                return None
            finally:
                engine.close()

        return self._cached("network", "_network", build)

    def network_risk(self) -> dict[str, float]:
        """Entity id → network risk (empty before ``ringfence network risk`` has run)."""

        def build() -> dict[str, float]:
            risk: dict[str, float] = {}
            for part in Lake(self.settings).parts("network_risk"):
                table = pq.read_table(part, columns=["entity_id", "network_risk"])
                ids = table.column("entity_id").to_pylist()
                risk.update(zip(ids, table.column("network_risk").to_pylist(), strict=True))
            return risk

        risk: dict[str, float] = self._cached("network_risk", "_network_risk", build)
        return risk

    def entity_table(self) -> EntityTable:
        """Every resolved entity's row with its per-owner parts (before the policy gate)."""

        def build() -> EntityTable:
            from ringfence.service.entity_table import EntityTable

            return EntityTable.load(self.settings)

        table: EntityTable = self._cached("entity_table", "_entity_table", build)
        return table

    def risk_table(self) -> RiskTable:
        """Every entity's ``network_risk`` row (risk, nearest seed, hops), found by id."""

        def build() -> RiskTable:
            from ringfence.service.entity_table import RiskTable

            return RiskTable.load(self.settings)

        table: RiskTable = self._cached("risk_table", "_risk_table", build)
        return table
