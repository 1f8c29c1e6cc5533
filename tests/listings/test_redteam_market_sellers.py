"""Red team, marketplace protection (issue 11): the seller profile (``/sellers/{seller}``).

M2: the profile's risk and reasons came from a table of every marketplace's sellers keyed by
the seller's id alone, so when another marketplace had a seller of the same id (ids are each
marketplace's own: ``S-1001`` at two shops), the lower-scored one overwrote the other: a
marketplace's analyst read the other marketplace's seller's score and its reasons (features of
that marketplace's data) on the page of its own seller, and its own seller's risk was lost.
Scores are now keyed by (marketplace, seller).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi.testclient import TestClient

from ringfence.ingest.pipeline import ingest_files
from ringfence.service.app import create_app
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from tests.service.world import lake_rows

API = "/api/v1"
MARKET, OTHER = "bazaar", "market-two"


def _profile(settings: Settings, headers: dict[str, str], seller: str) -> dict:
    with TestClient(create_app(settings)) as client:  # a fresh app: no memoised scores
        got = client.get(f"{API}/sellers/{seller}", headers=headers)
    assert got.status_code == 200, got.text
    return dict(got.json())


def test_seller_profile_score_is_its_own_marketplaces(
    market: tuple[Path, Settings], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    shutil.copytree(market[1].data_dir, settings.data_dir)
    with OperationalStore.open(settings) as store:
        store.ensure_organisation(OTHER, "Market Two", "marketplace")
        user = store.create_user(organisation=MARKET, email="analyst@bazaar.example",
                                 display_name="Analyst", role="analyst")  # fmt: skip
        headers = {"Authorization": f"Bearer {store.create_api_key(MARKET, user)}"}
    sql = f"SELECT source_key FROM sellers WHERE organisation = '{MARKET}' ORDER BY 1"
    keys = [str(r["source_key"]) for r in lake_rows(settings, "sellers", sql)]
    scored = {k: _profile(settings, headers, k) for k in keys[:40]}
    seller = max(scored, key=lambda k: scored[k]["score"] or 0.0)  # the riskiest of them
    before = scored[seller]
    # another marketplace ingests a quiet seller account of the same id
    path = tmp_path / "sellers.csv"
    pacsv.write_csv(pa.table({"id": [seller], "name": ["Quiet Shop"],
                              "registered_at": ["2020-01-01"]}), path)  # fmt: skip
    ingest_files(settings, "sellers", [path], organisation=OTHER)
    after = _profile(settings, headers, seller)
    assert (after["score"], after["reasons"]) == (before["score"], before["reasons"])
