"""The page-view measure on a simulated world, beside what the simulator knows to be true.

    .venv/bin/ringfence simulate --out WORLD [--seed 7 --scale 0.3 --days 90]
    nice .venv/bin/python bench/pageviews.py WORLD

Ingests the marketplace's listings, notices and page views of WORLD into a fresh data directory,
runs ``metrics pageviews`` and compares it, over all days, with the true share of views on
listings that are not counterfeit (``truth/listings.parquet``): the measure counts only what was
complained about and upheld. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb

from bench._common import machine
from ringfence.ingest.pipeline import ingest_files
from ringfence.metrics.pageviews import ALL_BRANDS, pageview_measure
from ringfence.settings import Settings

FEEDS = (("listings", "listings.parquet"), ("complaints", "notices.csv"),
         ("pageviews", "pageviews.csv"))  # fmt: skip


def _truth(world: Path) -> float:
    """True share of page views on listings that are not counterfeit."""
    sql = f"""
        SELECT sum(CASE WHEN t.is_counterfeit THEN 0 ELSE p.views END) / sum(p.views)
        FROM read_csv('{world / "bazaar" / "pageviews.csv"}') p
        JOIN read_parquet('{world / "truth" / "listings.parquet"}') t
          ON t.source_key = p.listing_id AND t.organisation = 'bazaar'
        WHERE p.views > 0
    """
    return float(duckdb.connect().sql(sql).fetchall()[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world", type=Path, help="A world written by ringfence simulate.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=None)
        for feed, name in FEEDS:
            mapping = f"sim-bazaar-{feed}"
            ingest_files(settings, feed, [args.world / "bazaar" / name], mapping=mapping)
        started = time.perf_counter()
        rows = pageview_measure(settings)
        seconds = time.perf_counter() - started
    days = [r for r in rows if r.brand == ALL_BRANDS]
    views = sum(r.views for r in days)
    upheld = sum(r.views_with_valid_complaint for r in days)
    pending = sum(r.views_with_pending_complaint for r in days)
    print(json.dumps({
        "world": str(args.world),
        "days": len(days),
        "brands": len({r.brand for r in rows} - {ALL_BRANDS}),
        "views": views,
        "share_no_valid_complaint": round(1 - upheld / views, 5),
        "share_if_pending_upheld": round(1 - (upheld + pending) / views, 5),
        "true_share_not_counterfeit": round(_truth(args.world), 5),
        "daily_share_min": min(r.share_no_valid_complaint for r in days),
        "daily_share_max": max(r.share_no_valid_complaint for r in days),
        "measure_seconds": round(seconds, 3),
        "load_average": os.getloadavg(),
        "machine": machine(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
