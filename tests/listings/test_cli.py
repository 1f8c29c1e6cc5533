"""``ringfence listings act|release|reinstate|actions|queue`` on the simulated marketplace:
one-line errors for bad input, nothing stored on refusal, and the queue's exploration recorded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.listings.service import lake_listings
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

Market = tuple[Path, Settings]


@pytest.fixture
def cli(market: Market, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    _, settings = market
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("RINGFENCE_DATABASE_URL", raising=False)
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("customs-x", "Customs X", "customs")
    return CliRunner()


def _run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, ["listings", *args])
    return result.exit_code, result.output


def test_act_release_and_refusals(cli: CliRunner, market: Market) -> None:
    _, settings = market
    listing = str(lake_listings(settings)["listing"].iloc[-1])
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    base = ["--org", "bazaar", "--reason", "price far below genuine"]
    for args, message in (
        (["hold", *base, "--listing", listing, "--expires", "2020-01-01"], "not in the future"),
        (["hold", *base, "--listing", listing, "--expires", "soon"], "is not a date"),
        (["hold", *base, "--listing", listing, "--expires", "2099-01-01"], "more than 366 days"),
        (["hold", "--org", "bazaar", "--reason", " ", "--listing", listing], "needs a reason"),
        (["hold", *base, "--listing", "no-such-listing"], "no listing 'no-such-listing'"),
        (["hold-stock", *base, "--seller", "no-such-seller", "--gtin", "1"], "no seller"),
        (["ban", *base, "--listing", listing], "unknown action 'ban'"),
        (["hold", "--org", "customs-x", "--reason", "r", "--listing", listing], "no listing"),
    ):
        code, output = _run(cli, "act", *args)
        assert code != 0 and message in output and "Traceback" not in output, output
    with OperationalStore.open(settings) as store:
        assert store.listing_actions() == []

    code, output = _run(cli, "act", "hold", *base, "--listing", listing, "--expires", soon,
                        "--json")  # fmt: skip
    assert code == 0, output
    held = json.loads(output)
    assert (held["kind"], held["state"], held["listing"]) == ("hold", "active", listing)
    assert held["actor"].startswith("cli")
    code, output = _run(cli, "reinstate", str(held["id"]), "--org", "bazaar", "--reason", "x")
    assert code != 0 and "ends with release" in output
    code, output = _run(cli, "release", str(held["id"]), "--org", "customs-x", "--reason", "x")
    assert code != 0 and f"no listing action {held['id']}" in output
    code, output = _run(cli, "release", str(held["id"]), "--org", "bazaar", "--reason", "ok")
    assert code == 0 and "released" in output
    code, output = _run(cli, "actions", "--org", "bazaar", "--json")
    assert [json.loads(line)["state"] for line in output.splitlines()] == ["released"]


def test_queue_exploits_the_top_and_records_exploration(cli: CliRunner, market: Market) -> None:
    _, settings = market
    listings = lake_listings(settings)
    seller = str(listings["seller"].iloc[0])
    code, output = _run(cli, "act", "suspend", "--org", "bazaar", "--reason", "ring account",
                        "--seller", seller)  # fmt: skip
    assert code == 0, output
    code, output = _run(cli, "queue", "--org", "bazaar", "--capacity", "20",
                        "--exploration", "0.25", "--seed", "4")  # fmt: skip
    assert code == 0, output
    with OperationalStore.open(settings) as store:
        reviews = store.listing_reviews("bazaar")
        audit = [e for e in store.audit_entries(limit=5) if e.action == "listing.queue"]
    assert len(reviews) == 20 and [r.rank for r in reviews] == list(range(1, 21))
    explored = [r for r in reviews if r.selected_by == "explore"]
    exploited = [r for r in reviews if r.selected_by == "exploit"]
    assert len(explored) == 5 and all(r.selection_probability == 1.0 for r in exploited)
    live = listings[~listings["status"].fillna("").str.lower().isin(("removed", "closed"))]
    candidates = int((live["seller"] != seller).sum())
    assert all(r.selection_probability == pytest.approx(5 / (candidates - 15)) for r in explored)
    assert min(r.score for r in exploited) >= max(r.score for r in explored)
    assert all(r.seller != seller for r in reviews)  # a suspended seller is not queued again
    assert audit and audit[0].detail["explored"] == 5
