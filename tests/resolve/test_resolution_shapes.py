"""Resolution of any input size or shape: a duplicate-free list (a fresh watchlist), one
record, one organisation; Splink failures reach the user as one line, never a traceback."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.errors import EngineError
from ringfence.ingest.pipeline import ingest_files
from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

FIELDS = ["id", "schema", "name", "street", "city", "postcode", "country", "email", "role"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _word(rnd: random.Random) -> str:
    return "".join(rnd.choice(LETTERS) for _ in range(rnd.randint(4, 9))).capitalize()


def distinct_watchlist(count: int, seed: int = 5) -> list[dict[str, str]]:
    """``count`` different parties: distinct names, some sharing a country, city or street."""
    rnd = random.Random(seed)
    rows: list[dict[str, str]] = []
    names: set[str] = set()
    while len(rows) < count:
        name = f"{_word(rnd)} {_word(rnd)}"
        if name.lower() in names:
            continue
        names.add(name.lower())
        rows.append(
            {
                "id": f"w{len(rows)}",
                "schema": rnd.choice(["Person", "Company"]),
                "name": name,
                "street": f"{rnd.randint(1, 300)} {rnd.choice(['High', 'Mill', 'Station'])} St",
                "city": rnd.choice(["Leeds", "Lyon", "Porto", "Shenzhen"]),
                "postcode": str(rnd.randint(1000, 1050)),
                "country": rnd.choice(["GB", "FR", "PT", "CN"]),
                "email": "",
                "role": "watchlist",
            }
        )
    return rows


def ingest_rows(settings: Settings, rows: list[dict[str, str]], org: str = "watch") -> None:
    """Write ``rows`` as a canonical parties file of ``org`` and ingest it."""
    with OperationalStore.open(settings) as store:
        store.ensure_organisation(org, org, "partner")
    path = settings.data_dir.parent / f"{org}-parties.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    summary = ingest_files(settings, "parties", [path], organisation=org)
    assert sum(f.accepted for f in summary.files) == len(rows)


def entity_sizes(settings: Settings) -> pd.Series:
    """Mentions per resolved entity."""
    mentions = pd.read_parquet(settings.lake_dir / "entity_mentions")
    return mentions.groupby("entity_id").size()


def test_duplicate_free_list_resolves_each_entry_to_its_own_entity(tmp_path: Path) -> None:
    """A 3,000-entry watchlist without duplicates: no error, 3,000 entities."""
    settings = Settings(data_dir=tmp_path / "data")
    ingest_rows(settings, distinct_watchlist(3000))
    summary = resolve_parties(settings)
    assert (summary.mentions, summary.entities, summary.multi_mention_entities) == (3000, 3000, 0)
    sizes = entity_sizes(settings)
    assert len(sizes) == 3000 and sizes.max() == 1
    entities = pd.read_parquet(settings.lake_dir / "entities")
    assert len(entities) == 3000 and entities["watchlisted"].all()


def test_one_record_resolves(tmp_path: Path) -> None:
    """A lake with a single party mention: one entity, and the CLI exits 0."""
    settings = Settings(data_dir=tmp_path / "data")
    ingest_rows(settings, distinct_watchlist(1))
    result = CliRunner().invoke(app, ["resolve", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "Resolved 1 party mentions into 1 entities" in result.stdout
    assert entity_sizes(settings).tolist() == [1]


def test_one_organisation_with_duplicates_links_them(tmp_path: Path) -> None:
    """One partner's list, a few entries written twice: those pairs link, nothing else does."""
    rows = distinct_watchlist(300, seed=9)
    twins = []
    for row in rows[:20]:
        twin = dict(row, id=row["id"] + "-again", email=f"{row['name'].split()[0]}@x.example")
        twins.append(twin)
        row["email"] = twin["email"]
    settings = Settings(data_dir=tmp_path / "data")
    ingest_rows(settings, rows + twins)
    summary = resolve_parties(settings)
    assert summary.mentions == 320
    assert summary.multi_mention_entities == 20
    assert summary.entities == 300


def test_a_splink_failure_is_one_line_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever Splink raises becomes an EngineError naming the step; the CLI prints one line."""
    settings = Settings(data_dir=tmp_path / "data")
    ingest_rows(settings, distinct_watchlist(50))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("math domain error")

    monkeypatch.setattr("ringfence.resolve.pipeline.train", broken)
    with pytest.raises(EngineError, match="while training the model: ValueError: math domain"):
        resolve_parties(settings)
    result = CliRunner().invoke(app, ["resolve", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == EngineError.exit_code
    assert "resolution failed while training the model" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
