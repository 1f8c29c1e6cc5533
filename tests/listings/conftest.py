"""A simulated marketplace, ingested, with a seller-risk model: what listing tests score."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.ingest.pipeline import ingest_files
from ringfence.marketplace.service import train_sellers
from ringfence.settings import Settings
from ringfence.sim.run import simulate
from ringfence.store.operational import OperationalStore
from tests.service.conftest import built_lake, scratch_world  # noqa: F401 - fixtures

FEEDS = ("sellers", "seller_links", "seller_outcomes", "listings", "complaints", "products")


@pytest.fixture(scope="package")
def market(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    """(the simulated world's folder, settings of a data directory with its marketplace and a
    trained seller model)."""
    root = tmp_path_factory.mktemp("listings")
    out = root / "world"
    summary = simulate(out, seed=3, days=35, scale=0.5)
    settings = Settings(data_dir=root / "data", database_url=None)
    with OperationalStore.open(settings) as store:  # before ingest names it a partner
        store.ensure_organisation("bazaar", "Bazaar", "marketplace")
    for feed in summary.feeds:
        if feed["kind"] in FEEDS:
            ingest_files(settings, feed["kind"], [out / feed["path"]], mapping=feed["mapping"])
    train_sellers(settings)
    return out, settings
