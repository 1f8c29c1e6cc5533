"""The demo's printout of the marketplace stage (``ringfence.demo_market``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from ringfence.demo import DEMO_CAPACITY
from ringfence.demo_market import CODE_BRAND, CUSTOMS, MARKET, MarketReport, latest_days

WATCHLIST_WORDS = ("watchlist", "watchlisted")


def print_market(console: Console, report: MarketReport, world_dir: Path) -> None:
    """Border holds, the watchlist in targeting, unit codes and the page-view measure."""
    console.rule("6 · marketplace: across the border")
    _holds(console, report, world_dir)
    _watchlist(console, report)
    _codes(console, report)
    _pageviews(console, report)


def _holds(console: Console, report: MarketReport, world_dir: Path) -> None:
    console.print(
        f"{CUSTOMS} shares its seizures' brand, shipment and date with {MARKET} (agreement "
        f"#{report.agreement}). A seizure of goods shipped by a seller's resolved entity holds "
        f"that seller's listings of the seized brand for review: {len(report.holds)} listings "
        f"held ({report.new_holds} new this run).",
        highlight=False,
    )
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for hold in report.holds:
        groups[(str(hold["seller"]), str(hold["brand"]), str(hold["source"]))].append(hold)
    table = Table(title="Border holds (ringfence listings border-holds)", title_justify="left")
    for col in ("seller", "brand", "listings held", "why"):
        table.add_column(col, justify="right" if col == "listings held" else "left")
    for (seller, brand, _), holds in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:8]:
        table.add_row(seller, brand, str(len(holds)), str(holds[0]["reason"]))
    console.print(table)
    fake = _counterfeit_listings(world_dir)
    if report.holds and fake is not None:
        hit = sum(str(h["listing"]) in fake for h in report.holds)
        rest = "" if hit == len(report.holds) else "; an analyst releases the others"
        console.print(
            f"In the simulated truth {hit} of the {len(report.holds)} held listings are "
            f"counterfeit{rest} (ringfence listings release ID --org {MARKET} --reason ...).",
            highlight=False,
        )


def _counterfeit_listings(world_dir: Path) -> set[str] | None:
    path = world_dir / "truth" / "listings.parquet"
    if not path.exists():
        return None
    rows = pq.read_table(path, columns=["organisation", "source_key", "is_counterfeit"])
    return {
        r["source_key"]
        for r in rows.to_pylist()
        if r["is_counterfeit"] and r["organisation"] == MARKET
    }


def _watchlist(console: Console, report: MarketReport) -> None:
    rows = report.watchlisted
    total = report.arrivals_scored
    console.print(
        f"\n{MARKET}'s {report.watchlist_entries} confirmed counterfeiters are on the shared "
        "watchlist, each with its evidence reference (kept by the marketplace; partners see who "
        f"it is). Of the latest day's {total:,} scored arrivals, {len(rows)} have a party "
        "resolved to one of them; targeting sees it (customs opens "
        f"{DEMO_CAPACITY} a day, the top of this ranking and a few at random):",
        highlight=False,
    )
    table = Table(show_header=True, header_style="bold")
    for col in ("shipment", "party", "confirmed seller, evidence", "score", "rank", "why"):
        table.add_column(col, justify="right" if col in ("score", "rank") else "left")
    for row in rows[:6]:
        table.add_row(
            str(row["source_key"]), str(row["role"]),
            f"{row['name']}\n{row['entry']} · {row['evidence_ref'] or 'no ref'}",
            f"{row['score']:.3f}", f"{row['rank']} of {row['of']:,}", _why(row["reasons"]),
        )  # fmt: skip
    console.print(table)


def _why(reasons: list[Any]) -> str:
    """The reason naming the marketplace's watchlist, else any watchlist, else the first."""
    texts = [str(r) for r in reasons]
    for wanted in (f"watchlisted by {MARKET}", *WATCHLIST_WORDS):
        found = [t for t in texts if wanted in t]
        if found:
            return found[0]
    return texts[0] if texts else ""


def _codes(console: Console, report: MarketReport) -> None:
    codes = report.codes
    checks = codes.get("checks", [])
    valid = sum(c.valid for c in checks[:-1])
    tampered = checks[-1] if checks else None
    console.print(
        f"\nSigned unit codes: {CODE_BRAND} made an Ed25519 key ({codes.get('key_id')}, in "
        f"{codes.get('folder')}), registered it and issued {len(checks) - 1} codes for "
        f"{codes.get('brand')} GTIN {codes.get('gtin')} ({codes.get('chars')} characters "
        f"each). Verified offline: {valid} valid; one character changed: "
        f"{'valid' if tampered and tampered.valid else 'INVALID'}"
        f"{f' ({tampered.reason})' if tampered and tampered.reason else ''}.",
        highlight=False,
    )
    table = Table(title="Scans (ringfence codes scan)", title_justify="left")
    for col in ("organisation", "place", "serial", "valid", "flags"):
        table.add_column(col)
    for scan in codes.get("scans", []):
        table.add_row(
            str(scan["organisation"]), str(scan["place"]), str(scan["serial"] or "-"),
            "valid" if scan["valid"] else "INVALID", ", ".join(scan["flags"]) or "-",
        )  # fmt: skip
    console.print(table)
    console.print(
        "two_places: one serial at two customs offices, a copied code. "
        f"{codes.get('listings_flagged', 0)} live {MARKET} listings of {codes.get('brand')} "
        "products show no valid code (ringfence codes listings).",
        highlight=False,
    )


def _pageviews(console: Console, report: MarketReport) -> None:
    rows = latest_days(report.pageviews)
    table = Table(
        title="Page views with no valid counterfeit complaint (ringfence metrics pageviews)",
        title_justify="left",
    )
    for col in ("date", "page views", "no upheld complaint", "if pending upheld"):
        table.add_column(col, justify="left" if col == "date" else "right")
    for r in rows:
        table.add_row(r.date, f"{r.views:,}", f"{r.share_no_valid_complaint:.3%}",
                      f"{r.share_if_pending_upheld:.3%}")  # fmt: skip
    console.print(table)
